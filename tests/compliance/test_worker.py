"""Supersede notices through a real Celery worker on Redis: kept while no worker runs, sent
once when one starts."""

import time
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from assets import services as asset_services
from assets.cloudinary import client
from assets.models import Asset
from cases.models import Notification
from compliance.models import Acknowledgement
from compliance.tasks import supersede
from notifications.models import Notice
from tests import factories as f
from tests.workers import QUEUES, run_worker

pytestmark = pytest.mark.redis


def _purge(app) -> None:
    with app.connection_for_write() as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"not done after {timeout}s: {list(Notification.objects.values())}")
        time.sleep(0.2)


def _all_sent() -> bool:
    return (Notice.objects.count() == 2
            and Notification.objects.filter(notice__isnull=False).count() == 2
            and not Notification.objects.filter(sent_at__isnull=True).exists())


def test_notices_made_while_no_worker_runs_go_out_once_when_one_starts(
        transactional_db, celery_app, bob, alice, content, eu_retailers, client_for):
    # given: bob downloaded version 1 of a packaging image; no worker is running
    _purge(celery_app)
    f.DownloadPresetFactory(slug="original", name="Original")
    asset = f.AssetFactory(title="Box front", kind=f.AssetKindFactory(slug="packaging"))
    f.PublicationFactory(community=eu_retailers, asset=asset)
    assert client_for(bob).get(reverse("assets:download", args=[asset.pk, "original"])
                               ).status_code == 302
    version = f.AssetVersionFactory(asset=asset, version=asset.version + 1, number=2,
                                    review_state="pending", etag="e2")
    Asset.objects.filter(pk=asset.pk).update(version=version.version, current_version=version)
    answer = {"public_id": f"partner-portal/releases/{asset.asset_id}/2-copy",
              "version": version.version, "etag": "e2"}
    mail.outbox.clear()
    with mock.patch.object(client, "copy_to_delivery", autospec=True, return_value=answer), \
            mock.patch.object(client, "update_moderation", autospec=True), \
            mock.patch.object(client, "focal_point", autospec=True, return_value=None), \
            mock.patch.object(client, "restrict_master", autospec=True):
        # when: version 2 is approved while no worker runs
        asset_services.version_set_approval(version=version, state="approved", actor=content)
        time.sleep(0.5)
        # then: nothing is lost, nothing is sent yet
        assert mail.outbox == []
        # when: a worker starts (and the sweep runs too, as beat would)
        with run_worker(celery_app):
            _wait_for(_all_sent)
            from cases.tasks import send_pending_notifications

            send_pending_notifications.delay(older_than_minutes=0)
            supersede.delay(asset.pk, version.pk)  # a redelivered task
            time.sleep(2)
            _wait_for(_all_sent)
    # then: bob and alice were each told once
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, bob.email]
    assert Acknowledgement.objects.filter(version=version, state="pending").count() == 1
