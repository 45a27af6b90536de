"""The grant table (issue #17), filled from today's publications."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    # Raw SQL over table names only (communities/grants.py), so the historical models
    # and today's agree.
    from communities import grants

    grants.rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0006_locale_variants_presets_derivatives'),
        ('communities', '0004_merge_embargo_and_languages'),
    ]

    operations = [
        migrations.CreateModel(
            name='AssetGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('asset', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assets.asset')),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='communities.community')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('community', 'asset'), name='asset_grant_unique')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
