"""Fixtures for the cases tests: a case bob opened on alice's asset, and helpers."""

import pytest

from cases import services
from cases.models import Case
from tests.cases.threads_fixtures import tg  # noqa: F401 - the emulated Trading Grid of thread tests


@pytest.fixture
def open_case():
    """`open_case(user, asset, **overrides)` opens a case through the service."""

    def _open(user, asset, **overrides):
        fields = {"category": Case.Category.INCORRECT_ASSET, "subject": "Wrong packaging photo",
                  "body": "The photo shows last year's box."}
        fields.update(overrides)
        return services.case_open(opener=user, asset=asset, **fields)

    return _open


@pytest.fixture
def bob_case(bob, alice, alice_asset, open_case, django_capture_on_commit_callbacks):
    """A new case bob opened on the asset he shares with alice (alice is his partner admin)."""
    with django_capture_on_commit_callbacks(execute=True):
        return open_case(bob, alice_asset)
