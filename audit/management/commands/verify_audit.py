"""verify_audit: walk the audit chain; exit status 1 when a link is broken."""

from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify_chain


class Command(BaseCommand):
    help = ("Recompute the audit trail's hash chain and report the first broken link "
            "(changed, removed or reordered event) by its sequence number. Exit status 1 when "
            "broken, 2 when the chain is intact but the append-only triggers are missing.")

    def add_arguments(self, parser):
        parser.add_argument("--database", default=None, help="database alias (default: router)")
        parser.add_argument("--no-save", action="store_true",
                            help="do not keep the outcome for the admin's chain status")

    def handle(self, *args, **options):
        result = verify_chain(using=options["database"], save=not options["no_save"])
        if not result.ok:
            raise CommandError(result.describe(), returncode=1)
        self.stdout.write(result.describe())
        if not result.triggers_installed:
            raise CommandError("The append-only triggers on audit_event are missing or disabled; "
                               "run `manage.py migrate audit` or audit.triggers.install().",
                               returncode=2)
