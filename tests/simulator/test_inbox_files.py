"""The inbox a world writes: layout, idempotence, models, and ground truth from it."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from vendor_recon.simulator.api import ApiRequest
from vendor_recon.simulator.inbox import InboxConflict
from vendor_recon.simulator.world import World, generate_world

START = datetime(2025, 3, 3, tzinfo=UTC)
MODELS = Path(__file__).parents[2] / "plugins/vendor_recon/simulator/models"
NAME = re.compile(r"^\d{8}-")
CSV_NAMES = {
    "paymentnumber": "payment_number",
    "paymentid": "payment_number",
    "paymentdate": "payment_date",
    "invoicenumber": "invoice_number",
    "invoice": "invoice_number",
    "invoiceid": "invoice_number",
    "invoicedate": "invoice_date",
    "invoicedescription": "invoice_description",
    "description": "invoice_description",
    "invoicecurrency": "currency_code",
    "currency": "currency_code",
    "invoiceamount": "invoice_amount",
    "amountpaid": "amount_paid",
    "paidamount": "amount_paid",
    "discounttaken": "discount_taken",
    "termsdiscounttaken": "discount_taken",
    "amountremaining": "amount_remaining",
    "remainingamount": "amount_remaining",
}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(42, START, START + timedelta(days=14))


@pytest.fixture(scope="module")
def late(world) -> datetime:
    return world.end + timedelta(days=150)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, world, late) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    world.write_inbox(folder, late)
    return folder


@cache
def validator(model_file: str, definition: str) -> Draft4Validator:
    model = json.loads((MODELS / model_file).read_text())
    schema = {
        "$ref": f"#/definitions/{definition}",
        "definitions": model["definitions"],
    }
    return Draft4Validator(schema)


def test_layout_names_and_models(inbox, world):
    files = sorted(p for p in inbox.rglob("*") if p.is_file())
    kinds = defaultdict(set)
    for path in files:
        account, folder = path.relative_to(inbox).parts[:2]
        assert account in {a.account_id for a in world.accounts}
        assert NAME.match(path.name), path.name
        kinds[account].add((folder, path.suffix))
        if folder == "invoices":
            for invoice in json.loads(path.read_text())["invoices"]:
                assert not list(
                    validator("vendorInvoices.json", "Invoice").iter_errors(invoice)
                )
        if folder == "shipments":
            body = json.loads(path.read_text())
            for asn in body["shipmentConfirmations"]:
                check = validator("vendorShipments.json", "ShipmentConfirmation")
                assert not list(check.iter_errors(asn))
    for account in world.accounts:
        assert kinds[account.account_id] == {
            ("invoices", ".json"),
            ("shipments", ".json"),
            ("remittances", ".csv"),
            ("remittances", ".820"),
        }


def test_writing_is_idempotent_and_never_changes_a_file(tmp_path, world):
    first = world.write_inbox(tmp_path, world.end)
    contents = {path: path.read_bytes() for path in first}
    assert first and all(NAME.match(p.name) for p in first)
    assert world.write_inbox(tmp_path, world.end) == first
    later = world.write_inbox(tmp_path, world.end + timedelta(days=10))
    assert set(first) < set(later)
    assert {path: path.read_bytes() for path in first} == contents
    first[0].write_bytes(b"edited")
    with pytest.raises(InboxConflict):
        world.write_inbox(tmp_path, world.end)


def test_both_formats_for_each_account_within_the_fortnight(tmp_path, world):
    world.write_inbox(tmp_path, world.end)
    for account in world.accounts:
        suffixes = {p.suffix for p in (tmp_path / account.account_id).rglob("*.*")}
        assert {".csv", ".820"} <= suffixes


def test_files_parse_back_to_the_ground_truth_remittance_lines(inbox, world, late):
    parsed = remittance_lines(inbox)
    counted = counted_numbers(inbox)
    for line in parsed:
        line["deduction_type"], line["original_invoice_number"] = deduction_type(
            line["invoice_number"], counted[line["account_id"]]
        )
    truth = world.ground_truth_remittance_lines(late)
    key = lambda r: (r["payment_number"], r["invoice_number"])  # noqa: E731
    assert sorted(parsed, key=key) == sorted(truth, key=key)


def test_ground_truth_equals_what_the_files_and_amazon_say(inbox, world, late):
    truth = {
        (r["account_id"], r["purchase_order_number"], r["asin"]): r
        for r in world.ground_truth_po_lines(late)
    }
    skus = {(k[0], k[1], r["vendor_sku"]): k for k, r in truth.items()}
    recomputed = defaultdict(
        lambda: {
            "shipped_units": 0,
            "invoiced_units": 0,
            "invoiced_amount": Decimal(0),
            "paid_amount": Decimal(0),
            "deducted_amount": Decimal(0),
        }
    )

    def line_key(account, po, asin, sku):
        if asin is not None:
            return (account, po, asin)
        return skus.get((account, po, sku))

    for account, asn in latest_asns(inbox):
        for item in asn["shippedItems"]:
            key = line_key(
                account,
                item["itemDetails"]["purchaseOrderNumber"],
                item.get("amazonProductIdentifier"),
                item["vendorProductIdentifier"],
            )
            recomputed[key]["shipped_units"] += eaches(item["shippedQuantity"])

    invoices = counted_invoice_documents(inbox)
    for account, invoice in invoices:
        sign = -1 if invoice["invoiceType"] == "CreditNote" else 1
        for item in invoice["items"]:
            key = line_key(
                account,
                item["purchaseOrderNumber"],
                item.get("amazonProductIdentifier"),
                item["vendorProductIdentifier"],
            )
            if key not in truth:
                continue
            units = eaches(item["invoicedQuantity"])
            recomputed[key]["invoiced_units"] += sign * units
            amount = sign * units * Decimal(item["netCost"]["amount"])
            recomputed[key]["invoiced_amount"] += amount

    for account in world.accounts:
        for header, items in amazon_invoices(world, account, late):
            header_pos = related(header["relatedIdentifiers"], "PURCHASE_ORDER_IDS")
            for item in items:
                context = item["lineItemContext"]
                paid = context.get("matchingContext", {}).get("paidAmount")
                asins = [
                    i["itemIdentifierValue"]
                    for i in context.get("itemIdentifiers", [])
                    if i["itemIdentifierName"] == "ASIN"
                ]
                pos = related(
                    item.get("relatedItemIdentifiers", []), "PURCHASE_ORDER_IDS"
                )
                for po in pos or header_pos:
                    key = (account.account_id, po, asins[0] if asins else None)
                    if paid is not None and key in truth:
                        recomputed[key]["paid_amount"] += paid["currencyAmount"]

    spread_deductions(inbox, invoices, truth, skus, recomputed)
    mismatches = [
        (key, column, recomputed[key][column], row[column])
        for key, row in truth.items()
        for column in recomputed[key]
        if recomputed[key][column] != row[column]
    ]
    assert mismatches == []
    assert any(r["deducted_amount"] for r in truth.values())
    assert any(r["paid_amount"] for r in truth.values())


# --- reading the files back, independently of the simulator's code ---------------


def eaches(quantity: dict) -> int:
    if quantity["unitOfMeasure"].lower() == "cases":
        return quantity["amount"] * quantity["unitSize"]
    return quantity["amount"]


def related(identifiers: list[dict], name: str) -> list[str]:
    return [
        value
        for i in identifiers
        if i["relatedIdentifierName"] == name
        for value in i["relatedIdentifierValue"]
    ]


def latest_asns(inbox: Path) -> list[tuple[str, dict]]:
    latest: dict[tuple[str, str], dict] = {}
    for path in sorted(inbox.glob("*/shipments/*.json")):
        account = path.parts[-3]
        for asn in json.loads(path.read_text())["shipmentConfirmations"]:
            key = (account, asn["shipmentIdentifier"])
            held = latest.get(key)
            if (
                held is None
                or asn["shipmentConfirmationDate"] > held["shipmentConfirmationDate"]
            ):
                latest[key] = asn
    return [(account, asn) for (account, _), asn in latest.items()]


def counted_invoice_documents(inbox: Path) -> list[tuple[str, dict]]:
    earliest: dict[tuple[str, str, str], dict] = {}
    for path in sorted(inbox.glob("*/invoices/*.json")):
        account = path.parts[-3]
        for invoice in json.loads(path.read_text())["invoices"]:
            key = (account, invoice["remitToParty"]["partyId"], invoice["id"])
            if key not in earliest or invoice["date"] < earliest[key]["date"]:
                earliest[key] = invoice
    return [(key[0], invoice) for key, invoice in earliest.items()]


def counted_numbers(inbox: Path) -> dict[str, set[str]]:
    numbers = defaultdict(set)
    for account, invoice in counted_invoice_documents(inbox):
        numbers[account].add(invoice["id"])
    return numbers


def deduction_type(number: str, counted: set[str]) -> tuple[str, str]:
    provision = "_PROVISION_FOR_RECEIVABLES"
    if number in counted:
        return "invoice_payment", number
    if "VCBSINV" in number:
        return "chargeback", number.replace("VCBSINV", "")
    if number.endswith(provision + "R"):
        return "provision_reversal", number.removesuffix(provision + "R")
    if number.endswith(provision):
        return "provision", number.removesuffix(provision)
    if re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{8}", number):
        return "coop", number
    for suffix, kind in (
        ("SCRSC", "shortage_claim"),
        ("SCR", "shortage_claim_reversal"),
        ("SC", "shortage_claim"),
        ("PC", "price_claim"),
    ):
        if number.endswith(suffix):
            return kind, number.removesuffix(suffix)
    return "other", number


def remittance_lines(inbox: Path) -> list[dict]:
    lines = []
    for path in sorted(inbox.glob("*/remittances/*")):
        account = path.parts[-3]
        parse = parse_csv if path.suffix == ".csv" else parse_820
        for line in parse(path.read_bytes()):
            line["account_id"] = account
            lines.append(line)
    return lines


def parse_amount(text: str) -> Decimal:
    text = text.replace(",", "").strip()
    if text.startswith("(") and text.endswith(")"):
        return -Decimal(text[1:-1])
    return Decimal(text)


def parse_date(text: str) -> date:
    if "/" in text:
        return datetime.strptime(text, "%m/%d/%Y").date()
    return date.fromisoformat(text)


def parse_csv(data: bytes) -> list[dict]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = [CSV_NAMES[re.sub(r"[ _#.]", "", h.lower())] for h in next(reader)]
    lines = []
    for values in reader:
        row = dict(zip(header, values, strict=True))
        lines.append(
            {
                "payment_number": row["payment_number"],
                "payment_date": parse_date(row["payment_date"]),
                "invoice_number": row["invoice_number"],
                "invoice_amount": parse_amount(row["invoice_amount"]),
                "amount_paid": parse_amount(row["amount_paid"]),
                "discount_taken": parse_amount(row["discount_taken"]),
                "amount_remaining": parse_amount(row["amount_remaining"]),
                "currency_code": row["currency_code"],
            }
        )
    return lines


def parse_820(data: bytes) -> list[dict]:
    segments = [s.split("*") for s in data.decode("ascii").split("~") if s.strip()]
    assert segments[0][0] == "ISA" and segments[-1][0] == "IEA"
    start = next(i for i, s in enumerate(segments) if s[0] == "ST")
    end = next(i for i, s in enumerate(segments) if s[0] == "SE")
    assert int(segments[end][1]) == end - start + 1
    payment: dict = {}
    lines = []
    for segment in segments:
        tag = segment[0]
        if tag == "BPR":
            payment["payment_date"] = datetime.strptime(segment[16], "%Y%m%d").date()
            payment["total"] = Decimal(segment[2])
        elif tag == "TRN":
            payment["payment_number"] = segment[2]
        elif tag == "CUR":
            payment["currency_code"] = segment[2]
        elif tag == "RMR":
            paid, amount, discount = (Decimal(v) for v in segment[4:7])
            lines.append(
                {
                    "invoice_number": segment[2],
                    "invoice_amount": amount,
                    "amount_paid": paid,
                    "discount_taken": discount,
                    "amount_remaining": amount - paid - discount,
                }
            )
    assert sum(line["amount_paid"] for line in lines) == payment.pop("total")
    return [{**payment, **line} for line in lines]


def amazon_invoices(world: World, account, as_of: datetime):
    """Every invoice with all its items, as the Finances Invoices API serves them."""
    request = ApiRequest(
        "getInvoiceHeaders",
        account,
        {
            "marketplaceId": account.marketplace_id,
            # Every invoice of the world is issued within 90 days of its start.
            "fromIssueDate": world.start.isoformat(),
            "toIssueDate": (world.start + timedelta(days=90)).isoformat(),
        },
        as_of,
    )
    answer = world.respond(request)
    assert answer.status_code == 200
    assert "nextToken" not in answer.body
    for header in answer.body["invoices"]:
        detail = world.respond(
            ApiRequest(
                "getInvoice",
                account,
                {
                    "marketplaceId": account.marketplace_id,
                    "invoiceIdentifier": header["invoiceIdentifier"],
                },
                as_of,
            )
        )
        assert detail.status_code == 200
        yield header, detail.body["invoiceItems"]


def spread_deductions(inbox, invoices, truth, skus, recomputed):
    by_number = defaultdict(list)
    for account, invoice in invoices:
        by_number[(account, invoice["id"])].append(invoice)
    counted = counted_numbers(inbox)
    for line in remittance_lines(inbox):
        account = line["account_id"]
        kind, original = deduction_type(line["invoice_number"], counted[account])
        found = by_number.get((account, original), [])
        if kind == "invoice_payment" or len(found) != 1:
            continue
        weights: dict = {}
        for item in found[0]["items"]:
            asin = item.get("amazonProductIdentifier")
            key = (
                (account, item["purchaseOrderNumber"], asin)
                if asin
                else skus.get(
                    (
                        account,
                        item["purchaseOrderNumber"],
                        item["vendorProductIdentifier"],
                    )
                )
            )
            if key in truth:
                amount = eaches(item["invoicedQuantity"]) * Decimal(
                    item["netCost"]["amount"]
                )
                weights[key] = weights.get(key, Decimal(0)) + amount
        total = sum(weights.values())
        ordered = sorted(
            weights,
            key=lambda k: (k[1], int(truth[k]["item_sequence_number"])),
        )
        amount, left = -line["amount_paid"], -line["amount_paid"]
        unit = Decimal(1) if line["currency_code"] == "JPY" else Decimal("0.01")
        for index, key in enumerate(ordered):
            share = left
            if index < len(ordered) - 1:
                share = (amount * weights[key] / total).quantize(unit, ROUND_HALF_UP)
            left -= share
            recomputed[key]["deducted_amount"] += share
