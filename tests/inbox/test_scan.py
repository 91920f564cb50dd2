"""Inbox files are known by content: seen bytes are skipped, changed bytes are a
new version, on a local folder as on any fsspec store."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import fsspec
from inbox_harness import FIXTURES, NA, drop, keys, query, run

from vendor_recon.inbox import ScanStats, new_files


def inbox_files(settings) -> list[tuple]:
    return query(
        settings,
        "select source_file, records, records_quarantined from raw.inbox_files "
        "order by loaded_at, source_file",
    )


def test_the_same_file_twice_loads_once(settings):
    drop(settings, "invoice_missing_id.json")
    drop(settings, "invoice_missing_id.json", name="20261102-copy.json")
    first = run(settings)
    # Same bytes under a second name in the same scan: skipped as well.
    assert first["files"]["vendor_invoices"] == {"new": 1, "already_seen": 1}
    assert first["rows"] == {"vendor_invoices": 3}

    again = run(settings, run_id="manual__again")
    assert again["manifests"] == [] and again["rows"] == {}
    assert again["files"]["vendor_invoices"] == {"new": 0, "already_seen": 2}
    assert keys(settings, "vendor_invoices") == ["INV-1001", "INV-1003"]
    # The copy under another name was never a file of its own.
    assert inbox_files(settings) == [("acme-na/invoices/20261102-copy.json", 3, 1)]


def test_a_changed_file_under_the_same_name_is_a_new_version(settings):
    path = drop(settings, "invoice_missing_id.json", name="20261102-invoices.json")
    run(settings)
    body = json.loads(path.read_text())
    body["invoices"][0]["invoiceTotal"]["amount"] = "113.05"
    path.write_text(json.dumps(body))
    summary = run(settings, run_id="manual__changed")
    assert summary["files"]["vendor_invoices"]["new"] == 1

    rows = query(
        settings,
        "select document_key, payload->'invoiceTotal'->>'amount', source_file "
        "from raw.vendor_invoices order by document_key, 2",
    )
    name = "acme-na/invoices/20261102-invoices.json"
    assert rows == [
        ("INV-1001", "112.05", name),
        ("INV-1001", "113.05", name),
        ("INV-1003", "7.50", name),
    ]
    assert [row[0] for row in inbox_files(settings)] == [name, name]
    shas = query(
        settings, "select distinct source_file_sha256 from raw.vendor_invoices"
    )
    assert len(shas) == 2


def test_files_still_being_written_are_left_for_later(settings):
    drop(settings, "asn_replace.json", name=".20261102-asn.json")
    drop(settings, "asn_replace.json", name="20261102-asn.json.partial")
    assert run(settings)["rows"] == {}


def test_an_fsspec_memory_inbox_reads_like_a_folder(settings):
    root = f"memory://inbox-{uuid.uuid4().hex}"
    filesystem = fsspec.filesystem("memory")
    for folder, fixture in (
        ("shipments", "asn_replace.json"),
        ("remittances", "x12_820_two_payments.820"),
    ):
        with fsspec.open(f"{root}/acme-na/{folder}/{fixture}", "wb") as handle:
            handle.write((FIXTURES / fixture).read_bytes())
    memory = replace(settings, inbox=root)
    summary = run(memory)
    assert summary["rows"] == {
        "vendor_shipment_confirmations": 2,
        "remittance_lines": 3,
    }
    assert keys(memory, "remittance_lines") == [
        "PAY-9501/1",
        "PAY-9501/2",
        "PAY-9502/3",
    ]
    assert [name for name, _, _ in inbox_files(memory)] == [
        "acme-na/remittances/x12_820_two_payments.820",
        "acme-na/shipments/asn_replace.json",
    ]
    filesystem.rm(root.removeprefix("memory://"), recursive=True)


def test_scanning_skips_known_hashes_and_counts_them(tmp_path):
    inbox = tmp_path / "inbox"
    folder = inbox / NA.account_id / "invoices"
    folder.mkdir(parents=True)
    (folder / "a.json").write_bytes(b'{"invoices": []}')
    (folder / "b.json").write_bytes(b'{"invoices": [ ]}')
    first = list(new_files(str(inbox), NA.account_id, "invoices", set()))
    seen = {first[0].sha256}
    stats = ScanStats()
    found = list(new_files(str(inbox), NA.account_id, "invoices", seen, stats))
    assert [item.name for item in found] == ["acme-na/invoices/b.json"]
    assert (stats.new, stats.already_seen) == (1, 1)
    assert list(new_files(str(inbox), "nobody", "invoices", set())) == []
