"""Check or repair the grant table (communities/grants.py).

    manage.py asset_grants --check     # exit status 1 and the counts when it drifted
    manage.py asset_grants --repair    # rebuild it from the publications (one transaction)
"""

from django.core.management.base import BaseCommand, CommandError

from communities import grants


class Command(BaseCommand):
    help = "Check the asset grant table against the publications, or rebuild it."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help="compare with the publications; exit 1 on drift")
        action.add_argument("--repair", action="store_true",
                            help="rebuild the table from the publications")

    def handle(self, *args, check=False, repair=False, **options):
        if repair:
            drift = grants.rebuild()
            self.stdout.write(f"Rebuilt the grant table: {drift.missing} missing and "
                              f"{drift.extra} stale grants repaired.")
            return
        drift = grants.check()
        if not drift.clean:
            raise CommandError(f"The grant table drifted: {drift.missing} missing, "
                               f"{drift.extra} stale. Run `manage.py asset_grants --repair`.")
        self.stdout.write("The grant table matches the publications.")
