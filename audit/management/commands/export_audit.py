"""export_audit: stream audit events to CSV or JSON Lines for compliance."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.export import FORMATS, ExportFilter, events_for_export, lines, parse_moment


class Command(BaseCommand):
    help = ("Export audit events in sequence order, streamed in constant memory. --since and "
            "--until take a date (2026-11-01, a whole day: --until is inclusive) or an ISO "
            "datetime (UTC unless it names an offset; --until is then exclusive). --partner and "
            "--asset take the portal's ids (as shown in the admin). --format json writes JSON "
            "Lines: one event object per line.")

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day or moment to include")
        parser.add_argument("--until", help="last day to include, or the moment to stop before")
        parser.add_argument("--partner", type=int, help="partner organisation id")
        parser.add_argument("--asset", type=int, help="asset id (the portal's, not Cloudinary's)")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--database", default=None)

    def handle(self, *args, **options):
        flt = ExportFilter(
            since=self._moment(options["since"], "--since", end=False),
            until=self._moment(options["until"], "--until", end=True),
            partner_id=options["partner"], asset_id=options["asset"],
        )
        if flt.since and flt.until and flt.since >= flt.until:
            raise CommandError("--since must be before --until.")
        events = events_for_export(flt, using=options["database"])
        output = options["output"]
        if not output:
            for line in lines(events, options["format"]):
                self.stdout.write(line, ending="")
            return
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"--output: the directory {path.parent} does not exist.")
        count = -1 if options["format"] == "csv" else 0
        with path.open("w", encoding="utf-8", newline="") as out:
            for line in lines(events, options["format"]):
                out.write(line)
                count += 1
        self.stderr.write(f"Exported {count} events to {path}.")

    @staticmethod
    def _moment(value, option: str, *, end: bool):
        if value is None:
            return None
        try:
            return parse_moment(value, end=end)
        except ValueError as exc:
            raise CommandError(f"{option}: {exc}")
