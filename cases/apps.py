from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from assets.signals import asset_version_released
        from cases.receivers import on_asset_version_released

        # Partners got a new approved version (not merely: Cloudinary holds one).
        asset_version_released.connect(on_asset_version_released,
                                       dispatch_uid="cases.on_asset_version_released")
        self._connect_threads()

    @staticmethod
    def _connect_threads() -> None:
        """Case threads on Trading Grid: events in (cases/threads.py), messages out."""
        from django.db.models.signals import post_save

        from cases.models import Message
        from cases.threads import on_message_saved, on_thread_event
        from communities.thread_events import thread_event

        thread_event.connect(on_thread_event, dispatch_uid="cases.on_thread_event")
        post_save.connect(on_message_saved, sender=Message,
                          dispatch_uid="cases.on_message_saved")
