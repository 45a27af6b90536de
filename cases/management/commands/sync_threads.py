"""manage.py sync_threads: repair case threads on Trading Grid (the beat task's service)."""

from django.core.management.base import BaseCommand

from cases.threads import sync_threads
from communities.models import Community


class Command(BaseCommand):
    help = ("Pull every Trading Grid community thread (applying posts webhooks missed, in "
            "order) and send every outbound post still due.")

    def add_arguments(self, parser):
        parser.add_argument("--community", action="append", default=[],
                            help="a Trading Grid community id (repeatable); default: all")

    def handle(self, *args, community, **options):
        selected = None
        if community:
            selected = list(Community.objects.filter(tg_id__in=community))
            missing = set(community) - {c.tg_id for c in selected}
            if missing:
                self.stderr.write(f"unknown communities: {', '.join(sorted(missing))}")
                raise SystemExit(2)
        counts = sync_threads(communities=selected)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
