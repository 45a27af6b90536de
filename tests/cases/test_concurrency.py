"""Case references stay unique when partners open cases at the same moment."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from cases import services
from cases.models import Case
from tests.services import need_postgres

pytestmark = pytest.mark.postgres


def test_cases_opened_at_once_get_distinct_consecutive_references(transactional_db, bob,
                                                                  alice_asset):
    # given
    need_postgres()

    def open_one(n):
        try:
            return services.case_open(opener=bob, asset=alice_asset, category="other",
                                      subject=f"Case {n}", body="x").reference
        finally:
            connections.close_all()

    # when
    with ThreadPoolExecutor(max_workers=4) as pool:
        references = list(pool.map(open_one, range(12)))
    # then
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(1, 13))
    assert Case.objects.count() == 12
