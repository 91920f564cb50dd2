"""Backfill benchmark: a year of a large vendor through extraction, landing and load.

A synthetic page source stands in for getPurchaseOrders (no network, no rate
limits); everything after it is the production path: `sources.base.extract`
(paging, model validation of every record), `LandingWriter` (Parquet pages)
and `warehouse.load_landed_files` (verify, deduplicate, insert). Then the same
year is extracted and loaded again, as a rerun would, which must insert nothing.

    .venv/bin/python benchmarks/extract_backfill.py --days 365 --orders-per-day 165

Prints documents per second per phase and the peak resident memory after each,
then the run figures of every source of NA, EU and FE read from the simulator
under its documented rate limits (`simulator_figures.py`; `--simulator-days 0`
skips it).
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The sibling module: running this file puts benchmarks/ on sys.path.
import simulator_figures

from vendor_recon.config import VendorAccount
from vendor_recon.landing import LandingWriter
from vendor_recon.sources.base import extract
from vendor_recon.sources.purchase_orders import SPEC
from vendor_recon.sources.windows import Window, parse_iso, to_iso
from vendor_recon.warehouse import load_landed_files

ACCOUNT = VendorAccount(
    account_id="bench-na",
    region="NA",
    marketplace_ids=("ATVPDKIKX0DER",),
    vendor_codes=("BENCH1",),
    currency_code="USD",
    connection_id="spapi_bench_na",
    reporting_currency_code="USD",
)
START = datetime(2025, 11, 1, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--orders-per-day", type=int, default=165)
    parser.add_argument("--lines-per-order", type=int, default=5)
    parser.add_argument("--work", help="folder to keep (default: a temporary one)")
    parser.add_argument("--simulator-days", type=int, default=14)
    parser.add_argument("--simulator-orders-per-day", type=int, default=6)
    args = parser.parse_args(argv)

    work = Path(args.work or tempfile.mkdtemp(prefix="vendor-recon-bench-"))
    lines = args.days * args.orders_per_day * args.lines_per_order
    print(
        f"{args.days} days x {args.orders_per_day} POs/day x "
        f"{args.lines_per_order} lines = {lines:,} PO lines; two pulls (created, "
        f"changed); each phase in a fresh process; work folder {work}"
    )
    # A fresh process per phase, so each peak RSS is that phase's own.
    context = multiprocessing.get_context("spawn")
    try:
        with context.Pool(1, maxtasksperchild=1) as pool:
            for attempt in ("first-run", "rerun"):
                landing = pool.apply(
                    land_phase,
                    (
                        work,
                        attempt,
                        args.days,
                        args.orders_per_day,
                        args.lines_per_order,
                    ),
                )
                report(f"{attempt}: extract + land", landing)
                print(
                    f"    {landing['pages']:,} pages, {landing['slices']} slices, "
                    f"{landing['quarantined']} quarantined, Parquet "
                    f"{landing['parquet_mib']:,.1f} MiB"
                )
                loading = pool.apply(load_phase, (work, landing["manifest"]))
                report(f"{attempt}: load", loading)
                print(
                    f"    {loading['inserted']:,} new document versions, DuckDB "
                    f"{loading['duckdb_mib']:,.1f} MiB"
                )
        if args.simulator_days > 0:
            print()
            simulator_figures.run(
                work / "simulator", args.simulator_days, args.simulator_orders_per_day
            )
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def land_phase(work: Path, attempt: str, days: int, per_day: int, lines: int) -> dict:
    """Extract a whole backfill window through the real pager into one file."""
    source = SyntheticOrders(per_day, lines)
    window = Window(START, START + timedelta(days=days))
    started = time.perf_counter()
    with LandingWriter(
        work / "snapshots", ACCOUNT, "purchase_orders", attempt, datetime.now(UTC)
    ) as writer:
        stats = extract(SPEC, source, window, writer)
        landed = writer.commit()
    return {
        "documents": stats.records,
        "seconds": time.perf_counter() - started,
        "peak_rss_mib": peak_rss_mib(),
        "pages": stats.pages,
        "slices": stats.slices,
        "quarantined": stats.quarantined,
        "parquet_mib": Path(landed.path).stat().st_size / 2**20,
        "manifest": landed.manifest_path,
    }


def load_phase(work: Path, manifest: str) -> dict:
    warehouse = work / "bench.duckdb"
    started = time.perf_counter()
    (result,) = load_landed_files(warehouse, [manifest], [ACCOUNT])
    return {
        "documents": result.rows_in_file,
        "seconds": time.perf_counter() - started,
        "peak_rss_mib": peak_rss_mib(),
        "inserted": result.rows_inserted,
        "duckdb_mib": warehouse.stat().st_size / 2**20,
    }


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def report(phase: str, figures: dict) -> None:
    documents, seconds = figures["documents"], figures["seconds"]
    print(
        f"{phase:<24} {documents:>9,} documents in {seconds:7.1f} s = "
        f"{documents / seconds:>8,.0f} documents/s; peak RSS "
        f"{figures['peak_rss_mib']:,.0f} MiB"
    )


class SyntheticOrders:
    """Pages of valid `Order` documents for any created or changed window.

    PO number n is created at START + n / orders_per_day days and changed a
    day later, so both pulls of a window see a deterministic set of orders.
    """

    page_size = SPEC.page_size

    def __init__(self, orders_per_day: int, lines_per_order: int):
        self.account = ACCOUNT
        self.step = timedelta(days=1) / orders_per_day
        self.lines = lines_per_order

    def client(self, _api_class: type) -> SyntheticOrders:
        return self

    def get_purchase_orders(self, **_params) -> None:  # named by the spec
        raise AssertionError("the pager calls `call`, not the client")

    def call(self, _operation, _request, params, *, check=None):
        changed = "changedAfter" in params
        after = parse_iso(params["changedAfter" if changed else "createdAfter"])
        before = parse_iso(params["changedBefore" if changed else "createdBefore"])
        shift = timedelta(days=1) if changed else timedelta(0)
        first = max(0, -(-(after - shift - START) // self.step))
        last = max(0, -(-(before - shift - START) // self.step))
        offset = (
            int(base64.b64decode(params["nextToken"])) if "nextToken" in params else 0
        )
        numbers = range(first + offset, min(first + offset + self.page_size, last))
        orders = [self.order(number) for number in numbers]
        payload = {"orders": orders}
        if numbers and numbers.stop < last:
            token = str(offset + self.page_size).encode()
            payload["pagination"] = {"nextToken": base64.b64encode(token).decode()}
        body = {"payload": payload}
        # The production check (a page repeating its token) runs as it would.
        if check is not None:
            check(body)
        return body, {}

    def order(self, number: int) -> dict:
        created = START + number * self.step
        return {
            "purchaseOrderNumber": f"B{number:07d}",
            "purchaseOrderState": "Acknowledged",
            "orderDetails": {
                "purchaseOrderDate": to_iso(created),
                "purchaseOrderChangedDate": to_iso(created + timedelta(days=1)),
                "purchaseOrderStateChangedDate": to_iso(created + timedelta(days=1)),
                "purchaseOrderType": "RegularOrder",
                "paymentMethod": "Invoice",
                "buyingParty": {"partyId": "ABE8"},
                "sellingParty": {"partyId": "BENCH1"},
                "shipToParty": {"partyId": "ABE8"},
                "billToParty": {"partyId": "ABE8"},
                "shipWindow": f"{to_iso(created + timedelta(days=2))}--"
                f"{to_iso(created + timedelta(days=9))}",
                "items": [
                    {
                        "itemSequenceNumber": str(line),
                        "amazonProductIdentifier": f"B0{(number + line) % 99991:08d}",
                        "vendorProductIdentifier": f"SKU-{(number + line) % 5000:05d}",
                        "orderedQuantity": {
                            "amount": 1 + (number + line) % 24,
                            "unitOfMeasure": "Cases" if line % 2 else "Eaches",
                            "unitSize": 6 if line % 2 else 1,
                        },
                        "isBackOrderAllowed": False,
                        "netCost": {
                            "amount": f"{5 + (number % 400) / 4:.2f}",
                            "currencyCode": "USD",
                        },
                        "listPrice": {
                            "amount": f"{9 + (number % 400) / 4:.2f}",
                            "currencyCode": "USD",
                        },
                    }
                    for line in range(1, self.lines + 1)
                ],
            },
        }


if __name__ == "__main__":
    sys.exit(main())
