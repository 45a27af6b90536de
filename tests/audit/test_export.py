import csv
import io
import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit import record
from audit.export import COLUMNS
from tests import factories as f


def _export(*args) -> str:
    out = io.StringIO()
    call_command("export_audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _at(moment):
    return mock.patch("audit.services.timezone.now", return_value=moment)


@pytest.fixture
def november(alice, bob, charlie, alpine, sakura, eu_retailers, jp_resellers, alice_asset,
             charlie_asset):
    """Downloads on 1, 2 and 3 November 2026 by two partners of two assets."""
    def download(user, asset, partner, community, day):
        with _at(datetime(2026, 11, day, 12, 0, tzinfo=UTC)):
            record("asset.downloaded", actor=user, target=asset, partner=partner,
                   community=community, asset_version=asset.current_version,
                   payload={"preset": "web"})

    download(alice, alice_asset, alpine, eu_retailers, 1)
    download(charlie, charlie_asset, sakura, jp_resellers, 2)
    download(bob, alice_asset, alpine, eu_retailers, 3)


def test_csv_has_a_header_and_one_row_per_event_in_sequence_order(november, alice_asset):
    # when
    rows = list(csv.DictReader(io.StringIO(_export("--format", "csv"))))
    # then
    assert list(rows[0]) == list(COLUMNS)
    assert [r["sequence"] for r in rows] == ["1", "2", "3"]
    first = rows[0]
    assert first["action"] == "asset.downloaded"
    assert first["actor_label"] == "alice@alpine-outfitters.example"
    assert first["partner_label"] == "Alpine Outfitters GmbH"
    assert first["asset_id"] == str(alice_asset.pk)
    assert first["occurred_at"] == "2026-11-01T12:00:00.000000Z"
    assert json.loads(first["payload"]) == {"preset": "web"}
    assert len(first["hash"]) == 64


def test_json_is_one_event_object_per_line(november):
    lines = _export("--format", "json").splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["sequence"] for e in events] == [1, 2, 3]
    assert events[1]["actor_label"] == "charlie@sakura-trading.example"
    assert events[1]["payload"] == {"preset": "web"}


def test_since_and_until_dates_include_whole_days(november):
    lines = _export("--since", "2026-11-02", "--until", "2026-11-02", "--format", "json")
    assert [json.loads(line)["sequence"] for line in lines.splitlines()] == [2]


def test_an_iso_until_is_exclusive(november):
    lines = _export("--until", "2026-11-02T12:00:00Z", "--format", "json")
    assert [json.loads(line)["sequence"] for line in lines.splitlines()] == [1]


def test_it_filters_by_partner_and_by_asset(november, alpine, charlie_asset):
    by_partner = _export("--partner", str(alpine.pk), "--format", "json").splitlines()
    by_asset = _export("--asset", str(charlie_asset.pk), "--format", "json").splitlines()
    assert [json.loads(line)["sequence"] for line in by_partner] == [1, 3]
    assert [json.loads(line)["sequence"] for line in by_asset] == [2]


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "yesterday"], "--since: 'yesterday' is not a date"),
    (["--until", "2026-02-30"], "--until: '2026-02-30' is not a real date"),
    (["--since", "2026-11-03", "--until", "2026-11-01"], "--since must be before --until"),
])
def test_bad_dates_get_a_clear_error(db, args, message):
    with pytest.raises(CommandError, match=message):
        _export(*args)


def test_it_writes_to_a_file(november, tmp_path):
    # given
    target = tmp_path / "audit.csv"
    err = io.StringIO()
    # when
    call_command("export_audit", "--output", str(target), stderr=err)
    # then
    assert len(target.read_text().splitlines()) == 4
    assert "Exported 3 events" in err.getvalue()


def test_a_missing_output_directory_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        _export("--output", str(tmp_path / "nowhere" / "audit.csv"))


def test_csv_cells_never_start_a_spreadsheet_formula(content, alice_asset):
    # given: a name that came from outside (Trading Grid)
    partner = f.PartnerFactory(name='=HYPERLINK("http://evil.example")')
    record("asset.downloaded", actor=content, target=alice_asset, partner=partner)
    # when
    row = next(csv.DictReader(io.StringIO(_export())))
    json_row = json.loads(_export("--format", "json"))
    # then
    assert row["partner_label"] == '\'=HYPERLINK("http://evil.example")'
    assert json_row["partner_label"] == '=HYPERLINK("http://evil.example")'



def test_it_streams_with_a_server_side_iterator(november):
    # The export must not load the table: it reads through QuerySet.iterator().
    from django.db.models.query import QuerySet

    with mock.patch.object(QuerySet, "iterator", autospec=True,
                           side_effect=QuerySet.iterator) as iterator:
        _export()
    assert iterator.call_count == 1
    assert iterator.call_args.kwargs == {"chunk_size": 2000}


def test_export_covers_events_recorded_now(content, alice_asset):
    record("asset.approved", actor=content, target=alice_asset)
    today = timezone.now().date()
    lines = _export("--since", str(today - timedelta(days=1)), "--until", str(today),
                    "--format", "json").splitlines()
    assert len(lines) == 1
