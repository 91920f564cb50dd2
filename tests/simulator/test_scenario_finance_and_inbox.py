"""A scenario's finance invoices and dated vendor files, served by the clock."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from vendor_recon.inbox import invoices as invoice_files
from vendor_recon.inbox import shipments as shipment_files
from vendor_recon.simulator import finance_api
from vendor_recon.simulator.inbox import InboxConflict
from vendor_recon.simulator.scenarios import ScenarioError, ScenarioWorld
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.validation import validate_response

EXAMPLE = Path(__file__).parent / "scenarios" / "restated_week"
FINANCE = "/finances/invoices/2026-06-25/invoices"
IDENTIFIER = "ACME-1001~ACME1"
MARCH = {
    "marketplaceId": "ATVPDKIKX0DER",
    "fromIssueDate": "2025-03-01T00:00:00Z",
    "toIssueDate": "2025-03-20T00:00:00Z",
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def folder_versions() -> list[dict]:
    """The finance file read here on its own, to compare the API with."""
    text = (EXAMPLE / "acme-na" / "finance" / "invoices.json").read_text()
    return json.loads(text, parse_float=Decimal)


@pytest.fixture(scope="module")
def scenario() -> ScenarioWorld:
    return ScenarioWorld.from_folder(EXAMPLE)


@pytest.fixture
def finance(scenario, http, get_token):
    """GET one finance route as acme-na at a clock: (status, exact body)."""
    with SimulatorServer(scenario, rate_limits=False) as server:
        headers = {"x-amz-access-token": get_token(server, scenario.accounts[0])}

        def ask(clock: str, path: str = "", **params) -> dict:
            server.set_clock(at(clock))
            answer = http.get(
                server.url + FINANCE + path, params=params, headers=headers
            )
            body = json.loads(answer.content, parse_float=Decimal)
            operation = "getInvoice" if path else "getInvoiceHeaders"
            validate_response(operation, answer.status_code, body)
            return body

        yield ask


def test_each_invoice_version_shows_from_its_last_update(finance):
    first, second = folder_versions()
    assert finance("2025-03-12T08:59:59", **MARCH)["invoices"] == []
    assert finance("2025-03-12T09:00:00", **MARCH)["invoices"] == [
        first["invoiceHeader"]
    ]
    assert finance("2025-03-20T00:00:00", **MARCH)["invoices"] == [
        second["invoiceHeader"]
    ]
    one = finance(
        "2025-03-13T00:00:00", f"/{IDENTIFIER}", marketplaceId="ATVPDKIKX0DER"
    )
    assert one == first
    assert finance("2025-03-20T00:00:00", f"/{IDENTIFIER}", **MARCH) == second


def test_the_generated_worlds_filters_apply(finance):
    modified = {**MARCH, "invoicesModifiedAfter": "2025-03-13T00:00:00Z"}
    # The first version was modified before the 13th, the second after it.
    assert finance("2025-03-13T12:00:00", **modified)["invoices"] == []
    assert len(finance("2025-03-20T00:00:00", **modified)["invoices"]) == 1
    before_issue = {**MARCH, "toIssueDate": "2025-03-11T17:00:00Z"}
    assert finance("2025-03-20T00:00:00", **before_issue)["invoices"] == []
    too_long = {**MARCH, "fromIssueDate": "2024-11-01T00:00:00Z"}
    assert "errors" in finance("2025-03-20T00:00:00", **too_long)
    missing = finance("2025-03-20T00:00:00", "/NOPE~ACME1", **MARCH)
    assert missing["errors"][0]["code"] == "NotFound"


def test_line_items_page_as_in_the_generated_world(finance, monkeypatch):
    monkeypatch.setattr(finance_api, "LINE_ITEMS_PAGE_SIZE", 1)
    _, second = folder_versions()
    page = finance("2025-03-20T00:00:00", f"/{IDENTIFIER}", **MARCH)
    items, pages = list(page["invoiceItems"]), 1
    while "nextTokenForLineItems" in page:
        pages += 1
        page = finance(
            "2025-03-20T00:00:00",
            f"/{IDENTIFIER}",
            **MARCH,
            nextTokenForLineItems=page["nextTokenForLineItems"],
        )
        items += page["invoiceItems"]
    assert items == second["invoiceItems"]
    assert pages == len(items) == 2
    # Amazon's matching is in the folder: 4 eaches billed that were cut.
    assert items[0]["lineItemContext"]["matchingContext"]["quantityVariance"] == 4


@pytest.mark.parametrize(
    ("clock", "names"),
    [
        ("2025-03-06T23:59:59", []),
        ("2025-03-07T00:00:00", ["20250307-ACME1-2B7LS3QX-1-original.json"]),
        (
            "2025-03-20T00:00:00",
            [
                "20250307-ACME1-2B7LS3QX-1-original.json",
                "20250311-1700-ACME1-invoices.json",
            ],
        ),
    ],
)
def test_vendor_files_drop_on_their_day(scenario, tmp_path, clock, names):
    paths = scenario.write_inbox(tmp_path, at(clock))
    assert [p.name for p in paths] == names
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(names)
    for path in paths:
        relative = path.relative_to(tmp_path)
        (source,) = (EXAMPLE / "inbox").glob(f"*/{relative}")
        assert path.read_bytes() == source.read_bytes()


def test_dropped_files_are_left_alone_or_refused(scenario, tmp_path):
    first = scenario.write_inbox(tmp_path, at("2025-03-20T00:00:00"))
    stamps = [p.stat().st_mtime_ns for p in first]
    assert scenario.write_inbox(tmp_path, at("2025-03-20T00:00:00")) == first
    assert [p.stat().st_mtime_ns for p in first] == stamps
    first[0].write_text("{}")
    with pytest.raises(InboxConflict):
        scenario.write_inbox(tmp_path, at("2025-03-20T00:00:00"))


def test_the_pipeline_reads_the_dropped_files(scenario, tmp_path):
    paths = scenario.write_inbox(tmp_path, at("2025-03-20T00:00:00"))
    rows = [
        *shipment_files.read(paths[0].read_bytes()),
        *invoice_files.read(paths[1].read_bytes()),
    ]
    assert len(rows) == 2
    assert [row["quarantine_reason"] for row in rows] == [None, None]


def broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(EXAMPLE, folder)
    return folder


def test_broken_finance_and_inbox_folders_are_refused(tmp_path):
    folder = broken_copy(tmp_path)
    (folder / "inbox" / "loose.json").write_text("{}")
    with pytest.raises(ScenarioError, match="YYYY-MM-DD"):
        ScenarioWorld.from_folder(folder)

    folder = broken_copy(tmp_path / "2")
    invoice = next((folder / "inbox").glob("*/acme-na/invoices/*.json"))
    invoice.write_text(invoice.read_text().replace('"invoiceTotal"', '"total"'))
    with pytest.raises(ScenarioError, match="is no SubmitInvoicesRequest"):
        ScenarioWorld.from_folder(folder)

    folder = broken_copy(tmp_path / "3")
    moved = folder / "inbox" / "2025-03-12" / "acme-eu"
    moved.mkdir(parents=True)
    (moved / "note.txt").write_text("not an account of the scenario")
    with pytest.raises(ScenarioError, match="not an account"):
        ScenarioWorld.from_folder(folder)

    folder = broken_copy(tmp_path / "4")
    finance = folder / "acme-na" / "finance" / "invoices.json"
    finance.write_text(finance.read_text().replace('"IN_PROGRESS"', '"OPEN"', 1))
    with pytest.raises(ScenarioError, match=r"invoices\.json\[0\] is no invoice"):
        ScenarioWorld.from_folder(folder)
