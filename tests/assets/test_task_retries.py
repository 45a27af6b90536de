"""The asset tasks that call Cloudinary retry with backoff on a worker, and when eager (or
out of retries) defer and log instead of failing the request that queued them."""

from unittest import mock

import pytest

from assets import tasks
from assets.cloudinary.client import CloudinaryError


@pytest.mark.parametrize(("task", "target", "args"), [
    (tasks.request_derivatives, "assets.presets.derivatives_request", (1, [2])),
    (tasks.sync_preset_transformation, "assets.presets.preset_sync_transformation", (1,)),
    (tasks.regenerate_preset_derivatives, "assets.preset_changes.derivatives_regenerate",
     (1, ["x"])),
])
def test_an_eager_run_defers_and_logs(task, target, args):
    # The module logger is patched rather than read through caplog: an in-process Celery
    # worker started by another test on the same xdist worker reconfigures logging.
    with mock.patch(target, side_effect=CloudinaryError("503 from Cloudinary")), \
            mock.patch.object(tasks, "log") as log:
        answer = task.apply(args=args).get()
    assert answer == "deferred: 503 from Cloudinary"
    message, *values = log.warning.call_args.args
    assert "503 from Cloudinary" in message % tuple(values)


def test_a_worker_retries_with_backoff():
    task = tasks.request_derivatives
    with mock.patch("assets.presets.derivatives_request",
                    side_effect=CloudinaryError("503")), \
            mock.patch.object(task, "retry", side_effect=RuntimeError("retried")) as retry:
        task.push_request(retries=2, is_eager=False)
        try:
            with pytest.raises(RuntimeError, match="retried"):
                task.run(1, [2])
        finally:
            task.pop_request()
    assert retry.call_args.kwargs["countdown"] == 20
