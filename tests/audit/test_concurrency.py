import threading

import pytest
from django.db import connection, transaction

from audit import record
from audit.models import Event
from audit.verify import verify_chain
from tests.services import need_postgres

WRITERS, EACH = 8, 500


@pytest.mark.postgres
def test_eight_concurrent_writers_leave_one_valid_chain(transactional_db, alice_asset):
    need_postgres()
    # given: eight threads, each with its own database connection
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(EACH):
                with transaction.atomic():
                    record("asset.synced", actor=f"writer-{writer}", target=alice_asset,
                           payload={"writer": writer, "n": n})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    # then
    assert not errors, errors
    result = verify_chain()
    assert (result.ok, result.checked, result.head_sequence) == (True, 4000, 4000), result
    assert list(Event.objects.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, 4001))
    per_writer = {w: Event.objects.filter(actor_system=f"writer-{w}").count()
                  for w in range(WRITERS)}
    assert set(per_writer.values()) == {EACH}
    # The writers really interleaved (a serial run would keep each writer's events together).
    actors = list(Event.objects.order_by("sequence").values_list("actor_system", flat=True))
    switches = sum(1 for a, b in zip(actors, actors[1:], strict=False) if a != b)
    assert switches > WRITERS
