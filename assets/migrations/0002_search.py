from django.db import migrations


class Migration(migrations.Migration):
    """Search indexes (PostgreSQL full-text and trigram); filled in by the catalog work."""

    dependencies = [("assets", "0001_initial")]
    operations: list = []
