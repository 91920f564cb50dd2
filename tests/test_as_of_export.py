"""A past day's marts rebuilt from the snapshots equal the marts built that day.

A generated world runs through the real landing files, loader and dbt build,
one load a day: the marts are built as of day N and exported; the warehouse goes
on to day N+3 (new loads, a new build); then `vendor-recon export-marts
--from-snapshots --as-of N` rebuilds day N from the snapshots alone, and every
table it exports holds exactly the rows of the export made on day N.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from vendor_recon import cli, pipeline, warehouse
from vendor_recon.config import VendorAccount
from vendor_recon.landing import LandingWriter
from vendor_recon.marts_export import MANIFEST_NAME, export_marts
from vendor_recon.settings import Settings
from vendor_recon.simulator.world import World, default_accounts, generate_world
from vendor_recon.sources import purchase_order_statuses, purchase_orders
from vendor_recon.sources.windows import Window

FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
DAY_N = date(2026, 11, 8)
LATER_DAYS = 3
OPERATIONS = {
    "purchase_orders": "getPurchaseOrders",
    "purchase_order_statuses": "getPurchaseOrdersStatus",
    "finance_invoices": "getInvoices",
}


class Clock:
    """Stands in for `datetime` in the pipeline and loader: loads on chosen days."""

    moment = FIRST_DAY

    @classmethod
    def now(cls, tz=None):
        return cls.moment


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(
        7,
        FIRST_DAY,
        FIRST_DAY + timedelta(days=4),
        accounts=default_accounts(),
        orders_per_day=3,
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory, world: World):
    """Day by day through N+3, with the day-N export kept; the settings used."""
    tmp = tmp_path_factory.mktemp("as_of_export")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warehouse, "datetime", Clock)
        patch.setattr(pipeline, "datetime", Clock)
        # build_marts points dbt at the warehouse through this variable.
        patch.setenv("VENDOR_RECON_WAREHOUSE", str(tmp / "live.duckdb"))
        patch.delenv("VENDOR_RECON_WAREHOUSE_KIND", raising=False)
        settings = replace(
            Settings.from_env(),
            inbox=str(tmp / "inbox"),
            snapshot_root=tmp / "snapshots",
            warehouse_path=tmp / "live.duckdb",
        )
        accounts = [vendor_account(account) for account in world.accounts]
        day = FIRST_DAY.date()
        while day <= DAY_N + timedelta(days=LATER_DAYS):
            run_day(settings, world, accounts, day)
            day += timedelta(days=1)
            if day == DAY_N + timedelta(days=1):
                build(settings, DAY_N)
                export_marts(DAY_N, tmp / "on_the_day", settings=settings)
                on_the_day = tables_of(settings.warehouse_path)
        build(settings, DAY_N + timedelta(days=LATER_DAYS), command="run")
        later = tables_of(settings.warehouse_path)
    return settings, on_the_day, later, tmp


def test_the_warehouse_moved_on_after_day_n(history) -> None:
    _, on_the_day, later, _ = history
    lines = "fct_po_line_reconciliation"
    assert on_the_day[lines], "no PO lines on day N: the comparison would prove nothing"
    assert later[lines] != on_the_day[lines]


def test_marts_rebuilt_as_of_day_n_equal_the_export_of_day_n(
    history, monkeypatch, capsys
) -> None:
    settings, _, _, tmp = history
    monkeypatch.setenv("VENDOR_RECON_SNAPSHOTS", str(settings.snapshot_root))
    kept = tmp / "rebuilt.duckdb"
    code = cli.main(
        [
            *("export-marts", "--from-snapshots", "--as-of", DAY_N.isoformat()),
            *("--to", str(tmp / "rebuilt"), "--warehouse", str(kept)),
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    assert out[-1].startswith("exported ") and f"as of {DAY_N}T00:00:00" in out[-1]

    folder = f"dt={DAY_N.isoformat()}"
    made_that_day = read_export(tmp / "on_the_day" / folder)
    rebuilt = read_export(tmp / "rebuilt" / folder)
    assert set(rebuilt) == set(made_that_day)
    for table, rows in made_that_day.items():
        assert rebuilt[table] == rows, table

    manifest = json.loads((tmp / "rebuilt" / folder / MANIFEST_NAME).read_text())
    assert manifest["as_of"] == f"{DAY_N.isoformat()}T00:00:00+00:00"
    receipts = sorted(settings.snapshot_root.glob("loads/dt=*/*.json"))
    through_n = [r for r in receipts if r.parent.name <= f"dt={DAY_N}"]
    assert 0 < len(through_n) < len(receipts)
    assert manifest["rebuilt_from"]["loads"] == len(through_n)
    assert manifest["rebuilt_from"]["warehouse_kept"] == str(kept)
    for entry in manifest["tables"]:
        path = tmp / "rebuilt" / folder / entry["file"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["rows"] == pq.read_metadata(path).num_rows


def test_a_day_before_any_load_is_one_line(history, monkeypatch, capsys) -> None:
    settings, _, _, tmp = history
    monkeypatch.setenv("VENDOR_RECON_SNAPSHOTS", str(settings.snapshot_root))
    args = ["export-marts", "--from-snapshots", "--as-of", "2026-10-01"]
    assert cli.main([*args, "--to", str(tmp / "too_early")]) == 1
    # strip(): off a terminal, rich ends the transient progress with a newline.
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "no load receipts through 2026-10-01" in out[0]
    assert not (tmp / "too_early" / "dt=2026-10-01").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--from-snapshots", "--day", "2026-11-08"],
        ["--as-of", "2026-11-08"],
        ["--day", "2026-11-08", "--warehouse", "x.duckdb"],
    ],
)
def test_mixed_up_options_are_one_line(args, tmp_path, capsys) -> None:
    assert cli.main(["export-marts", *args, "--to", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("error: ")


def run_day(settings: Settings, world: World, accounts, day: date) -> None:
    """The daily run of `day`: extract the world as of 00:00, load at 01:00."""
    moment = datetime.combine(day, time(0), tzinfo=UTC)
    Clock.moment = moment + timedelta(hours=1)
    world.write_inbox(Path(settings.inbox), moment)
    extractions = []
    for account in accounts:
        load_id = f"{day:%Y%m%d}-{account.account_id}"
        manifests = [
            land(settings, account, load_id, moment, source, rows)
            for source, rows in documents(world, account.account_id, moment).items()
        ]
        extractions.append({"manifests": manifests})
        extractions.append(
            pipeline.extract_inbox(account, run_id=f"day-{day}", settings=settings)
        )
    pipeline.load_raw(extractions, accounts, settings)


def documents(world: World, account_id: str, moment: datetime) -> dict[str, list]:
    """Amazon's documents of the account as of `moment`, as landing rows."""
    orders = world.orders_as_of(account_id, moment)
    statuses = world.statuses_as_of(account_id, moment)
    invoices = world.finance_invoices_as_of(account_id, moment)
    return {
        "purchase_orders": [
            row(i, o["purchaseOrderNumber"], purchase_orders.SPEC, o)
            for i, o in enumerate(orders)
        ],
        "purchase_order_statuses": [
            row(i, s["purchaseOrderNumber"], purchase_order_statuses.SPEC, s)
            for i, s in enumerate(statuses)
        ],
        "finance_invoices": [
            {
                "record_number": i,
                "document_key": invoice.header["invoiceIdentifier"],
                "document_updated_at": invoice.updated_at,
                "record": {
                    "invoiceHeader": invoice.header,
                    "invoiceItems": invoice.items,
                },
                "quarantine_reason": None,
            }
            for i, invoice in enumerate(invoices)
        ],
    }


def row(index: int, key: str, spec, document: dict) -> dict:
    return {
        "record_number": index,
        "document_key": key,
        "document_updated_at": spec.document_updated_at(document),
        "record": document,
        "quarantine_reason": None,
    }


def land(settings, account, load_id, moment, source, rows) -> str:
    window = Window(moment - timedelta(days=1), moment)
    with LandingWriter(
        settings.snapshot_root, account, source, load_id, moment
    ) as writer:
        writer.write_page(
            operation=OPERATIONS[source],
            pull="updated",
            window=window,
            page_number=0,
            params={},
            rows=rows,
        )
        return writer.commit().manifest_path


def build(settings: Settings, day: date, command: str = "build") -> None:
    as_of = datetime.combine(day, time(0), tzinfo=UTC).isoformat()
    pipeline.build_marts(settings, command=command, variables={"as_of": as_of})


def vendor_account(account) -> VendorAccount:
    return VendorAccount(
        account_id=account.account_id,
        region=account.region,
        marketplace_ids=(account.marketplace_id,),
        vendor_codes=account.vendor_codes,
        currency_code=account.currency_code,
        connection_id=f"spapi_{account.account_id.replace('-', '_')}",
        reporting_currency_code=account.currency_code,
    )


def tables_of(path: Path) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted; the same connection settings as in-process dbt."""
    with duckdb.connect(str(path)) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts'"
            ).fetchall()
        ]
        return {
            name: con.execute(f"select * from marts.{name} order by all").fetchall()
            for name in names
        }


def read_export(folder: Path) -> dict[str, list[tuple]]:
    """Each exported file's rows, sorted, by table."""
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    with duckdb.connect() as con:
        return {
            entry["table"]: con.execute(
                f"select * from read_parquet('{folder / entry['file']}') order by all"
            ).fetchall()
            for entry in manifest["tables"]
        }
