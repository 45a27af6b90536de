"""`manage.py sync_assets [--full]`: mirror Cloudinary into the catalog, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError

from assets.cloudinary.client import CloudinaryError
from assets.sync import SyncAlreadyRunning, sync_delta, sync_full

BAR = 30


class Command(BaseCommand):
    help = ("Mirror Cloudinary assets into the catalog: changes since the last sync, or "
            "everything with --full (resumes an interrupted full sync).")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true",
                            help="page through every asset and retire the ones gone")
        parser.add_argument("--relations", action="store_true",
                            help="only re-read the master of every localized asset (related "
                                 "assets; Cloudinary sends no notification when they change)")

    def handle(self, *args, full: bool = False, relations: bool = False, **options):
        if relations:
            from assets.sync.relations import refresh_all

            try:
                changed = refresh_all()
            except CloudinaryError as exc:
                raise CommandError(f"Relations not read (run it again): {exc}") from exc
            self.stdout.write(self.style.SUCCESS(f"masters changed: {changed}"))
            return
        sync = sync_full if full else sync_delta
        try:
            run = sync(progress=self._progress)
        except SyncAlreadyRunning as exc:
            raise CommandError(f"Not started: {exc}") from exc
        except CloudinaryError as exc:
            raise CommandError(f"Sync failed (run it again to resume): {exc}") from exc
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"{run}: seen {run.seen}, created {run.created}, updated {run.updated}, "
            f"unchanged {run.unchanged}, retired {run.retired}, API calls {run.api_calls}"))

    def _progress(self, run) -> None:
        percent = run.progress
        if percent is None:
            self.stdout.write(f"\r{run.seen} assets", ending="")
        else:
            filled = BAR * percent // 100
            self.stdout.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {percent:3d}% "
                              f"{run.seen}/{run.total}", ending="")
        self.stdout.flush()
