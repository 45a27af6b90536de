"""Mobile 640 crops to a phone's portrait 4:5 around what matters (issue #15).

It was ``c_limit,w_640``: a scaled-down landscape that ignored any focal point, so a "bad
crop" report on it could not be fixed by setting one. ``c_fill,g_auto`` crops around
Cloudinary's automatic focus, and around the asset's custom coordinates once support sets
them (``g_auto`` uses them as-is). Only an untouched default is changed; saving the preset
in the admin pushes it to its named transformation.
"""

from django.db import migrations

OLD = "c_limit,w_640"
MOBILE_640 = "c_fill,g_auto,w_640,h_800"


def crop_around_the_focus(apps, schema_editor):
    preset = apps.get_model("assets", "DownloadPreset")
    preset.objects.filter(slug="mobile-640", transformation=OLD).update(transformation=MOBILE_640)


def back_to_limit(apps, schema_editor):
    preset = apps.get_model("assets", "DownloadPreset")
    preset.objects.filter(slug="mobile-640", transformation=MOBILE_640).update(transformation=OLD)


class Migration(migrations.Migration):
    dependencies = [("assets", "0006_locale_variants_presets_derivatives")]

    operations = [migrations.RunPython(crop_around_the_focus, back_to_limit)]
