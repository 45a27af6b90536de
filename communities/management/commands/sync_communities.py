"""manage.py sync_communities: mirror Trading Grid's communities, partners and members."""

from django.core.management.base import BaseCommand, CommandError

from communities import tradinggrid
from communities.sync import SyncAlreadyRunning, summary, sync_directory


class Command(BaseCommand):
    help = "Sync communities, partner organisations, users and memberships from Trading Grid."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="Trading Grid URL (default: settings.TRADING_GRID_URL)")

    def handle(self, *args, url=None, **options):
        try:
            run = sync_directory(url=url)
        except SyncAlreadyRunning as exc:
            raise CommandError(str(exc))
        except tradinggrid.TradingGridError as exc:
            raise CommandError(f"Trading Grid sync failed: {exc}")
        self.stdout.write(self.style.SUCCESS(f"Trading Grid sync #{run.pk}: "
                                             f"{summary(run.counts)}"))
