"""Every simulator fault kind against the real extract and load of three accounts.

Each case runs what the DAG's extract tasks (NA, EU, FE, one after another, a
failed one retried like an Airflow task retry) and its load task call, against
a SimulatorServer with the documented rate limits and one planned fault. The
outcome is one of two: the run completes and the raw tables hold exactly the
documents of a fault-free run, or the first try of a task fails with an error
naming the account and operation, leaves no partial file and no checkpoint
for the source it was reading, and the retry then completes the same way.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from sp_api.auth import access_token_client

from vendor_recon import pipeline
from vendor_recon.config import VendorAccount, load_accounts
from vendor_recon.landing import (
    canonical_json,
    manifests_in,
    sha256_text,
    verify_manifest,
)
from vendor_recon.run_figures import figures_from_manifests
from vendor_recon.settings import Settings
from vendor_recon.simulator import exact_json, faults, finance_api
from vendor_recon.simulator.faults import (
    ANY_OPERATION,
    DOCUMENT_DOWNLOAD,
    ConnectionReset,
    DocumentHeaders,
    DuplicateAcrossPages,
    EmptyPage,
    ExpireTokens,
    Fault,
    FaultPlan,
    HtmlError,
    NextTokenRejected,
    SlowResponse,
    Throttle,
    TransactionOutcome,
    TruncatedJson,
    Unavailable,
)
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.sources import (
    base,
    purchase_order_statuses,
    purchase_orders,
    registry,
)
from vendor_recon.sources.windows import Window, parse_iso, to_iso
from vendor_recon.spapi.client import RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.errors import ExtractionError
from vendor_recon.spapi.ratelimit import RateLimiters
from vendor_recon.warehouse import RAW_TABLES, load_landed_files

START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=6)
# The lookback reaches the world's first day, so a run reads the whole world.
LOOKBACK = END - START - timedelta(days=1)
ATTEMPTS = 4
FAST = RetryPolicy(
    attempts=ATTEMPTS,
    max_total_s=10,
    initial_wait_s=0.01,
    max_wait_s=0.05,
    timeout_s=1.0,
)


@dataclass
class Run:
    """One daily run: what each extract task and the load returned."""

    settings: Settings
    plan: FaultPlan | None
    summaries: list[dict]
    failures: list[ExtractionError]
    # Snapshot files as they were when the failed tries had failed.
    landed_before_retry: list[Path]
    partial_files_before_retry: list[Path]
    statuses: Counter[int]
    paths: set[str]
    # Every page token the server was sent.
    page_tokens: set[str]

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse_path

    def total(self, name: str) -> int:
        return sum(summary["api"][name] for summary in self.summaries)

    def retries_of(self, source: str) -> int:
        """The retries the sealed manifests count for one source."""
        manifests = [m for summary in self.summaries for m in summary["manifests"]]
        return sum(
            row.retries
            for row in figures_from_manifests(manifests)
            if row.source == source
        )

    def landed(self, what: str) -> int:
        """Rows or pages over every sealed manifest the load received."""
        counted = 0
        for summary in self.summaries:
            for manifest in summary["manifests"]:
                body = json.loads(Path(manifest).read_text())
                if what == "rows":
                    counted += sum(entry["rows"] for entry in body["files"])
                else:
                    counted += body["pages"]
        return counted


@dataclass(frozen=True)
class Case:
    """One fault, what shows it reached the extraction, and how the run ends."""

    id: str
    fault: Fault
    evidence: Callable[[Run, Run], bool]
    # A regex the first try's error matches, when the first try must fail.
    fails: str | None = None
    # The operation the error names, when not the fault's own.
    operation: str | None = None


def statuses_include(status: int) -> Callable[[Run, Run], bool]:
    return lambda run, _clean: run.statuses[status] > 0


CASES = [
    Case(
        "429-without-rate-header",
        Throttle("getPurchaseOrdersStatus", times=2, rate_limit_header=False),
        statuses_include(429),
    ),
    Case(
        "429-with-rate-header",
        Throttle("getInvoice", times=1, rate_limit_header=True),
        statuses_include(429),
    ),
    Case(
        "429-until-retries-run-out",
        Throttle("getPurchaseOrders", times=ATTEMPTS),
        statuses_include(429),
        fails=r"throttled \(429",
    ),
    Case(
        "503-empty-body",
        Unavailable("getPurchaseOrders", times=2),
        statuses_include(503),
    ),
    Case(
        # The library reads the empty body as an empty payload: it must not
        # land as "no statuses", the task fails instead.
        "503-empty-body-until-retries-run-out",
        Unavailable("getPurchaseOrdersStatus", times=ATTEMPTS),
        statuses_include(503),
        fails=r"server error 503",
    ),
    Case("html-500", HtmlError("getInvoiceHeaders"), statuses_include(500)),
    Case(
        "html-503-while-polling-a-report",
        HtmlError("getReport", status_code=503),
        statuses_include(503),
    ),
    Case(
        "connection-reset",
        ConnectionReset("getPurchaseOrdersStatus", times=2, after=1),
        statuses_include(0),
    ),
    Case(
        "slow-answer-past-the-client-timeout",
        SlowResponse("getPurchaseOrders", delay_s=FAST.timeout_s * 1.5),
        lambda run, _clean: run.total("retries") > 0,
    ),
    Case(
        # A body cut short in transit is retried like a dropped connection.
        "truncated-json-once",
        TruncatedJson("getPurchaseOrdersStatus", times=1),
        lambda run, _clean: run.total("retries") > 0,
    ),
    Case(
        "truncated-json-every-time",
        TruncatedJson("getPurchaseOrdersStatus", times=ATTEMPTS),
        lambda run, _clean: bool(run.failures),
        fails=r"answer is not whole JSON",
    ),
    Case(
        # The Finances API's money is served as exact JSON numbers, cut short.
        "truncated-json-with-money",
        TruncatedJson("getInvoice", times=1),
        lambda run, _clean: run.total("retries") > 0,
    ),
    Case(
        # The document is downloaded again from the same URL, and the retry
        # counts in the report source's figures.
        "truncated-report-document",
        TruncatedJson(DOCUMENT_DOWNLOAD),
        lambda run, _clean: (
            run.plan.served(DOCUMENT_DOWNLOAD) == 1
            and run.retries_of("vendor_reports") > 0
        ),
    ),
    Case(
        "truncated-report-document-every-time",
        TruncatedJson(DOCUMENT_DOWNLOAD, times=ATTEMPTS),
        lambda run, _clean: run.plan.served(DOCUMENT_DOWNLOAD) == ATTEMPTS,
        fails=r"not a whole gzip stream",
        operation="getReportDocument",
    ),
    Case(
        "next-token-rejected",
        NextTokenRejected("getPurchaseOrders", times=2),
        statuses_include(400),
    ),
    Case(
        "record-repeated-across-pages",
        DuplicateAcrossPages("getPurchaseOrdersStatus", times=2),
        lambda run, clean: run.landed("rows") > clean.landed("rows"),
    ),
    Case(
        "empty-first-page",
        EmptyPage("getPurchaseOrders"),
        lambda run, clean: run.landed("pages") > clean.landed("pages"),
    ),
    Case(
        # An empty page that hands back the token it was asked with has not
        # moved on: the pager asks for the same page again.
        "empty-page-mid-paging",
        EmptyPage("getPurchaseOrders", after=1),
        lambda run, _clean: (
            run.plan.served("getPurchaseOrders") == 1
            and run.retries_of("purchase_orders") > 0
        ),
    ),
    Case(
        # ...a bounded number of times, then the window is given up.
        "empty-page-mid-paging-every-time",
        EmptyPage("getPurchaseOrders", after=1, times=ATTEMPTS),
        lambda run, _clean: run.plan.served("getPurchaseOrders") == ATTEMPTS,
        fails=(
            r"paging does not end: page_number 1, asked with the nextToken that "
            rf"page_number 0 handed back, answered no records and that same "
            rf"nextToken {ATTEMPTS} times"
        ),
    ),
    Case(
        "tokens-expire-mid-run",
        ExpireTokens(ANY_OPERATION, after=20),
        lambda run, _clean: run.statuses[403] > 0 and run.total("token_refreshes") > 0,
    ),
    Case(
        "report-document-gzip-encoded-without-charset",
        DocumentHeaders(content_encoding=True, charset=None),
        lambda run, _clean: run.plan.served(DOCUMENT_DOWNLOAD) > 0,
    ),
    Case(
        # Extraction submits nothing, so a submission's outcome never meets it.
        "transaction-outcome-never-met",
        TransactionOutcome("getTransaction"),
        lambda run, _clean: (
            run.plan.served("getTransaction") == 0
            and not any("/vendor/transactions/" in path for path in run.paths)
        ),
    ),
]


def test_every_fault_kind_of_the_simulator_has_a_case():
    kinds = {
        value
        for value in vars(faults).values()
        if isinstance(value, type)
        and issubclass(value, Fault)
        and value is not Fault
        and value.__module__ == faults.__name__
    }
    assert len(kinds) >= 12
    assert kinds <= {type(case.fault) for case in CASES}


@pytest.fixture(scope="module")
def world():
    return generate_world(5, START, END, accounts=default_accounts(), orders_per_day=2)


@pytest.fixture(scope="module")
def accounts(repo) -> list[VendorAccount]:
    """NA, EU and FE as configured; only NA reads a vendor report (one type).

    Each report costs two polls of wall time, so one is enough to put every
    source under each fault.
    """
    configured = load_accounts(repo / "config" / "accounts.yml")
    assert [a.region for a in configured] == ["NA", "EU", "FE"]
    reports = {"report_lookback_days": 0, "reports": {"GET_VENDOR_SALES_REPORT": {}}}
    return [
        replace(configured[0], options=reports),
        *(replace(account, options={}) for account in configured[1:]),
    ]


@pytest.fixture(scope="module", autouse=True)
def small_pages():
    """Pages of two orders and three invoices, so paging faults have pages."""
    with pytest.MonkeyPatch.context() as patch:
        for spec in (purchase_orders.SPEC, purchase_order_statuses.SPEC):
            small = partial(base.extract, replace(spec, page_size=2))
            patch.setitem(registry.EXTRACTORS, spec.name, small)
        patch.setattr(finance_api, "HEADERS_PAGE_SIZE", 3)
        patch.setattr(finance_api, "LINE_ITEMS_PAGE_SIZE", 2)
        yield


@pytest.fixture(scope="module")
def clean(world, accounts, tmp_path_factory) -> Run:
    return daily_run(world, accounts, tmp_path_factory.mktemp("clean"), None)


def test_the_fault_free_run_lands_the_simulators_ground_truth(clean, world):
    assert clean.failures == [] and clean.statuses[429] == 0
    documents = raw_documents(clean.warehouse)
    for account in ("acme-na", "acme-eu", "acme-fe"):
        truth = {
            "purchase_orders": [
                (order["purchaseOrderNumber"], wire_hash(order))
                for order in world.orders_as_of(account, END)
            ],
            "purchase_order_statuses": [
                (status["purchaseOrderNumber"], wire_hash(status))
                for status in world.statuses_as_of(account, END)
            ],
            "finance_invoices": [
                (
                    invoice.header["invoiceIdentifier"],
                    wire_hash(
                        {"invoiceHeader": invoice.header, "invoiceItems": invoice.items}
                    ),
                )
                for invoice in world.finance_invoices_as_of(account, END)
            ],
        }
        for table, expected in truth.items():
            landed = [key[1:] for key in documents[table] if key[0] == account]
            assert sorted(landed) == sorted(expected), (account, table)
            assert expected, (account, table)
    reports = [key for key in documents["vendor_reports"] if key[0] == "acme-na"]
    assert len(reports) == 1
    assert quarantined(clean.warehouse) == 0


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_fault_leaves_the_raw_tables_as_a_fault_free_run_does(
    case, clean, world, accounts, tmp_path
):
    run = daily_run(world, accounts, tmp_path, FaultPlan([case.fault]))

    assert case.evidence(run, clean), "the fault never reached the extraction"
    if case.fails is None:
        assert run.failures == []
    else:
        assert len(run.failures) == 1, "the first try should fail"
        assert_clear_failure(case, run, clean)
    assert raw_documents(run.warehouse) == raw_documents(clean.warehouse)
    assert checkpoints(run.warehouse) == checkpoints(clean.warehouse)
    assert quarantined(run.warehouse) == quarantined(clean.warehouse)


def assert_clear_failure(case: Case, run: Run, clean: Run) -> None:
    """The error names account and operation; the failed source left nothing."""
    (error,) = run.failures
    operation = case.operation or case.fault.operation_id
    assert error.operation == operation
    assert str(error).startswith(f"account '{error.account_id}', {operation}: ")
    assert re.search(case.fails, str(error)), str(error)
    # A page token may encode the query and unlocks the rest of the data.
    assert not any(token in str(error) for token in run.page_tokens)
    assert run.partial_files_before_retry == []

    # What the failed try sealed is whole, and none of it is the failed source.
    source = source_reading(clean.warehouse, operation)
    retried_ids = {s["load_id"] for s in run.summaries}
    failed_try = [
        manifest
        for manifest in run.landed_before_retry
        if json.loads(manifest.read_text())["load_id"] not in retried_ids
    ]
    for manifest in failed_try:
        assert json.loads(manifest.read_text())["source"] != source
        assert verify_manifest(manifest)

    # Even a load of everything landed before the retry checkpoints nothing of
    # the failed source for that account (its receipt goes to a scratch root).
    scratch = run.warehouse.with_name("landed_before_retry.duckdb")
    load_landed_files(
        scratch,
        run.landed_before_retry,
        snapshot_root=run.warehouse.with_name("scratch_receipts"),
    )
    with duckdb.connect(str(scratch), read_only=True) as connection:
        (advanced,) = connection.execute(
            "select count(*) from raw.extraction_checkpoints "
            "where account_id = ? and source = ?",
            [error.account_id, source],
        ).fetchone()
    assert advanced == 0


def daily_run(world, accounts, folder: Path, plan: FaultPlan | None) -> Run:
    """Extract each account (retrying a failed one once), then load them all."""
    access_token_client.cache.clear()  # tokens of an earlier server are void
    base_settings = Settings.from_env()
    settings = replace(
        base_settings,
        snapshot_root=folder / "snapshots",
        warehouse_path=folder / "warehouse.duckdb",
        lookback=LOOKBACK,
    )
    with SimulatorServer(world, clock=END, faults=plan) as server:
        summaries, failures = [], []
        for account in accounts:
            try:
                summaries.append(extract(server, world, account, settings))
            except ExtractionError as error:
                failures.append(error)
        landed_before_retry = manifests_in(settings.snapshot_root)
        partial_files = sorted(settings.snapshot_root.rglob("*.partial"))
        by_id = {account.account_id: account for account in accounts}
        for error in failures:
            retried = by_id[error.account_id]
            summaries.append(extract(server, world, retried, settings))
        logged = server.request_log
    pipeline.load_raw(summaries, accounts, settings)
    return Run(
        settings=settings,
        plan=plan,
        summaries=summaries,
        failures=failures,
        landed_before_retry=landed_before_retry,
        partial_files_before_retry=partial_files,
        statuses=Counter(entry.status for entry in logged),
        paths={entry.path for entry in logged},
        page_tokens={
            entry.query[name]
            for entry in logged
            for name in ("nextToken", "nextTokenForLineItems")
            if entry.query.get(name)
        },
    )


def extract(server, world, account: VendorAccount, settings: Settings) -> dict:
    """What the DAG's extract task calls, with short retry waits."""
    return pipeline.extract_account(
        account,
        credentials_at(server, world, account),
        interval_start=END - timedelta(days=1),
        interval_end=END,
        run_id="scheduled__2026-10-06T00:00:00+00:00",
        settings=settings,
        policy=FAST,
        # A task is a fresh process: its limiter starts from the usage plans.
        limiters=RateLimiters(),
    )


def credentials_at(server, world, account: VendorAccount) -> SpApiCredentials:
    simulated = world.account(account.account_id)
    return SpApiCredentials(
        lwa_app_id=simulated.lwa_client_id,
        lwa_client_secret=simulated.lwa_client_secret,
        refresh_token=simulated.refresh_token,
        endpoint=server.url,
        lwa_token_url=f"{server.url}/auth/o2/token",
    )


def raw_documents(warehouse: Path) -> dict[str, Counter[tuple[str, str, str]]]:
    """Per raw table, each (account, document key, payload hash) and how often."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: Counter(
                connection.execute(
                    f"select account_id, document_key, payload_sha256 from raw.{table}"
                ).fetchall()
            )
            for table in RAW_TABLES
        }


def checkpoints(warehouse: Path) -> set[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return set(
            connection.execute(
                "select account_id, source, pull, window_start, window_end "
                "from raw.extraction_checkpoints"
            ).fetchall()
        )


def quarantined(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute("select count(*) from raw.quarantine").fetchone()[0]


def source_reading(warehouse: Path, operation: str) -> str:
    """The source whose landing rows name `operation` (as "a+b+c" or alone)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        found = {
            source
            for table in RAW_TABLES
            for source, landed_operation in connection.execute(
                f"select distinct source, operation from raw.{table}"
            ).fetchall()
            if operation in landed_operation.split("+")
        }
    assert len(found) == 1, (operation, found)
    return found.pop()


def wire_hash(document) -> str:
    """The payload hash of a ground-truth document as the simulator sends it."""
    exact = json.loads(exact_json.dumps(document), parse_float=Decimal)
    return sha256_text(canonical_json(exact))


@dataclass(frozen=True)
class AnswersTheWholeWorld(Fault):
    """getPurchaseOrders answering every order there is, whatever the window.

    Defined here, not in the simulator: it tests a rule of the extractor
    (records outside the requested window are counted and reported) rather
    than Amazon behaviour the simulator documents.
    """

    def serve(self, context):
        return context.real_answer(
            {
                **context.request.params,
                "createdAfter": to_iso(START),
                "createdBefore": to_iso(END),
                "limit": "100",
            }
        )


def test_records_outside_the_requested_window_are_flagged(
    world, accounts, tmp_path, caplog
):
    account = accounts[1]
    settings = replace(
        Settings.from_env(),
        snapshot_root=tmp_path / "snapshots",
        warehouse_path=tmp_path / "warehouse.duckdb",
        lookback=timedelta(0),
    )
    day = Window(END - timedelta(days=1), END)
    created = [
        parse_iso(order["orderDetails"]["purchaseOrderDate"])
        for order in world.orders_as_of(account.account_id, END)
    ]
    outside = sum(not day.contains(moment) for moment in created)
    assert 0 < outside < len(created)

    caplog.set_level(logging.INFO, logger=base.__name__)
    access_token_client.cache.clear()
    plan = FaultPlan([AnswersTheWholeWorld("getPurchaseOrders")])
    with SimulatorServer(world, clock=END, faults=plan) as server:
        summary = pipeline.extract_account(
            account,
            credentials_at(server, world, account),
            interval_start=day.start,
            interval_end=day.end,
            run_id="manual__out_of_window",
            settings=settings,
            sources=["purchase_orders"],
            policy=FAST,
            limiters=RateLimiters(),
        )
    assert plan.served("getPurchaseOrders") == 1
    (manifest,) = summary["manifests"]
    assert json.loads(Path(manifest).read_text())["stats"]["out_of_window"] == outside
    (figures,) = figures_from_manifests(summary["manifests"])
    assert figures.out_of_window == outside
    assert f"{outside} outside their window" in caplog.text

    # Row by row, in the snapshot: each pull judged by its own date.
    def in_day(text: str | None) -> bool:
        return text is not None and day.start <= parse_iso(text) < day.end

    own_date = {"created": "purchaseOrderDate", "changed": "purchaseOrderChangedDate"}
    snapshot = pq.read_table(manifest.replace(".manifest.json", ".parquet"))
    for row in snapshot.to_pylist():
        details = json.loads(row["payload"])["orderDetails"]
        expected = not in_day(details.get(own_date[row["pull"]]))
        assert row["is_outside_window"] is expected, row["document_key"]
    assert sum(row["is_outside_window"] for row in snapshot.to_pylist()) == outside

    # In the raw table: a version one pull read inside its window is not marked.
    pipeline.load_raw([summary], [account], settings)
    expected = {
        order["purchaseOrderNumber"]: not (
            in_day(order["orderDetails"]["purchaseOrderDate"])
            or in_day(order["orderDetails"].get("purchaseOrderChangedDate"))
        )
        for order in world.orders_as_of(account.account_id, END)
    }
    assert any(expected.values()) and not all(expected.values())
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        marked = dict(
            connection.execute(
                "select document_key, is_outside_window from raw.purchase_orders"
            ).fetchall()
        )
    assert marked == expected
