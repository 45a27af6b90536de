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


def test_a_batch_delivers_each_asset_and_sends_only_the_refused_ones_on_alone():
    # given: Cloudinary refuses asset 2 of three
    def deliver(pk):
        if pk == 2:
            raise CloudinaryError("503")
        return "released v1"

    task = tasks.deliver_assets
    with mock.patch("assets.releases.deliver_asset", side_effect=deliver) as delivered, \
            mock.patch.object(tasks.deliver_asset, "delay") as alone:
        task.push_request(is_eager=False)
        try:
            # when
            answer = task.run([1, 2, 3])
        finally:
            task.pop_request()
    # then: all three tried, the refused one queued on its own (with its own retries)
    assert [c.args for c in delivered.call_args_list] == [(1,), (2,), (3,)]
    assert answer == "2 delivered, 1 deferred"
    alone.assert_called_once_with(2)


def test_delivery_work_is_queued_in_batches_and_a_single_asset_alone():
    from assets import releases

    with mock.patch.object(tasks.deliver_assets, "delay") as batch, \
            mock.patch.object(tasks.deliver_asset, "delay") as single:
        releases._queue(list(range(1, 121)))
        releases._queue([7])
    assert [c.args[0] for c in batch.call_args_list] == [
        list(range(1, 51)), list(range(51, 101)), list(range(101, 121))]
    single.assert_called_once_with(7)
