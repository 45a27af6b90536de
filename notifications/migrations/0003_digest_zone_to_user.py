"""Digests and reminders now keep the zone the user's pages show (User.time_zone, else the
market's); a zone saved only on the digest schedule (set through the API or service before
the two were joined) becomes the user's own choice, so nobody's digest hour moves."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    DigestSchedule = apps.get_model("notifications", "DigestSchedule")
    for user_id, zone in (DigestSchedule.objects.exclude(timezone__in=["", "UTC"])
                          .values_list("user_id", "timezone").iterator()):
        User.objects.filter(pk=user_id, time_zone="").update(time_zone=zone)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notice_inline_images"),
        ("accounts", "0005_user_time_zone"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
