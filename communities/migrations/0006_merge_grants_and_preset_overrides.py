"""Merge: the grant table (#17) and community preset overrides (#15)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('communities', '0005_asset_grants'),
        ('communities', '0005_preset_overrides'),
    ]

    operations = [
    ]
