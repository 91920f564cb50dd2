"""SIGKILL in the middle of a load or of a landing, then a clean rerun.

The load and the extraction run in real subprocesses. Each child replaces one
function with a wrapper that does the real work, tells the test where it got
to and then sleeps; the test kills it with SIGKILL only once told, so the kill
always falls at the same point. After the kill, the rerun must leave the raw
tables equal to a load that was never interrupted, without duplicates, with
snapshots that verify and restore.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from sp_api.auth import access_token_client

from vendor_recon import cli, partial_files, pipeline
from vendor_recon.config import VendorAccount, load_accounts
from vendor_recon.landing import manifest_day, manifests_in, receipts_in, verify_day
from vendor_recon.settings import Settings
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.spapi.client import RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.ratelimit import RateLimiters
from vendor_recon.warehouse import RAW_TABLES, load_landed_files, restore

START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=6)
DAY = timedelta(days=1)
FAST = RetryPolicy(attempts=3, initial_wait_s=0.01, max_wait_s=0.05)
# Columns that hold the moment of loading, which no two loads share.
LOAD_TIME_COLUMNS = {"loaded_at", "completed_at", "quarantined_at"}
SIGNAL_TIMEOUT_S = 120

# The child's hooks: the wrapped function does its real work first, then
# writes what it did to the signal file and sleeps until it is killed.
PAUSE = """
import json, sys, time
from pathlib import Path

def pause(**progress):
    Path(sys.argv[1]).write_text(json.dumps(progress))
    time.sleep(600)
"""
LOAD_CHILD = (
    PAUSE
    + """
from vendor_recon import pipeline, warehouse
from vendor_recon.config import load_accounts
from vendor_recon.settings import Settings

kill_point, extractions = sys.argv[2], json.loads(Path(sys.argv[3]).read_text())
if kill_point == "mid-transaction":
    real_load_file, done = warehouse._load_file, []

    def load_file(*args, **kwargs):
        done.append(real_load_file(*args, **kwargs))
        if len(done) == 2:
            pause(files=len(done), rows_inserted=sum(r.rows_inserted for r in done))
        return done[-1]

    warehouse._load_file = load_file
else:  # committed, the load receipt not yet written

    def write_receipt(*args, **kwargs):
        pause(committed=True)

    warehouse.write_receipt = write_receipt
settings = Settings.from_env()
pipeline.load_raw(extractions, load_accounts(settings.accounts_file), settings)
"""
)
EXTRACT_CHILD = (
    PAUSE
    + """
from datetime import datetime
from vendor_recon import landing, pipeline
from vendor_recon.config import load_accounts
from vendor_recon.settings import Settings
from vendor_recon.spapi.credentials import SpApiCredentials

job = json.loads(Path(sys.argv[2]).read_text())
real_write_page = landing.LandingWriter.write_page

def write_page(self, **kwargs):
    real_write_page(self, **kwargs)
    if self.source == job["kill_in"]:
        pause(source=self.source, partial=str(self._tmp), pages=self.pages)

landing.LandingWriter.write_page = write_page
settings = Settings.from_env()
account = {a.account_id: a for a in load_accounts(settings.accounts_file)}[
    job["account_id"]
]
pipeline.extract_account(
    account,
    SpApiCredentials(**job["credentials"]),
    interval_start=datetime.fromisoformat(job["start"]),
    interval_end=datetime.fromisoformat(job["end"]),
    run_id="scheduled__kill",
    settings=settings,
)
"""
)


@pytest.fixture(scope="module")
def world():
    return generate_world(9, START, END, accounts=default_accounts(), orders_per_day=2)


@pytest.fixture(scope="module")
def accounts(repo) -> list[VendorAccount]:
    """The configured accounts without vendor reports: the load's files are
    what matters here, and each report costs seconds of polling."""
    configured = load_accounts(repo / "config" / "accounts.yml")
    return [replace(account, options={}) for account in configured]


@pytest.fixture(scope="module")
def server(world):
    with SimulatorServer(world, clock=END) as running:
        yield running


@pytest.fixture(scope="module")
def two_days(world, accounts, server, tmp_path_factory, repo):
    """Two days of landings of the three accounts, never loaded (a template)."""
    settings = settings_in(tmp_path_factory.mktemp("landed"), repo)
    days = []
    for interval_end in (END - DAY, END):
        access_token_client.cache.clear()
        days.append(
            [
                extract(server, world, account, settings, interval_end)
                for account in accounts
            ]
        )
    return settings.snapshot_root, days


@pytest.mark.parametrize("kill_point", ["mid-transaction", "before-receipt"])
def test_a_load_killed_midway_reruns_to_the_uninterrupted_result(
    kill_point, two_days, accounts, tmp_path, repo
):
    settings = settings_in(tmp_path, repo)
    day_one, day_two = copy_landings(two_days, settings.snapshot_root)
    pipeline.load_raw(day_one, accounts, settings)
    after_day_one = raw_rows(settings.warehouse_path)

    extractions = tmp_path / "extractions.json"
    extractions.write_text(json.dumps(day_two))
    progress = run_until_paused(
        LOAD_CHILD, settings, repo, kill_point, str(extractions)
    )

    killed = raw_rows(settings.warehouse_path)
    assert len(receipts_in(settings.snapshot_root)) == 1, "no receipt of the kill"
    if kill_point == "mid-transaction":
        assert progress["files"] == 2 and progress["rows_inserted"] > 0
        assert killed == after_day_one, "a killed transaction left rows behind"
    else:
        assert killed != after_day_one, "the commit came before the kill"

    rerun = pipeline.load_raw(day_two, accounts, settings)

    reference = uninterrupted_load(settings.snapshot_root, [day_one, day_two], accounts)
    assert raw_rows(settings.warehouse_path) == reference
    assert_no_duplicate_documents(settings.warehouse_path)
    if kill_point == "before-receipt":
        assert rerun["rows_inserted"] == 0
    assert_snapshots_verify_and_restore(settings, reference)


def test_a_landing_killed_midway_is_never_sealed_and_the_rerun_lands_once(
    world, tmp_path, repo, monkeypatch, capsys, caplog
):
    with SimulatorServer(world, clock=END) as server:
        kill_and_rerun_an_extraction(
            world, server, tmp_path, repo, monkeypatch, capsys, caplog
        )


def kill_and_rerun_an_extraction(
    world, server, tmp_path, repo, monkeypatch, capsys, caplog
) -> None:
    settings = settings_in(tmp_path, repo)
    # As configured, the way the child reads it from the accounts file.
    accounts = load_accounts(settings.accounts_file)
    account = accounts[1]
    simulated = world.account(account.account_id)
    job = tmp_path / "job.json"
    job.write_text(
        json.dumps(
            {
                "account_id": account.account_id,
                "kill_in": "purchase_order_statuses",
                "start": (END - DAY).isoformat(),
                "end": END.isoformat(),
                "credentials": {
                    "lwa_app_id": simulated.lwa_client_id,
                    "lwa_client_secret": simulated.lwa_client_secret,
                    "refresh_token": simulated.refresh_token,
                    "endpoint": server.url,
                    "lwa_token_url": f"{server.url}/auth/o2/token",
                },
            }
        )
    )
    progress = run_until_paused(EXTRACT_CHILD, settings, repo, str(job))

    # The killed try sealed the source before; the one it was reading is a
    # hidden partial file that no manifest names.
    partial = Path(progress["partial"])
    assert partial.exists() and progress["pages"] >= 1
    killed_try = manifests_in(settings.snapshot_root)
    assert [source_of(m) for m in killed_try] == ["purchase_orders"]
    sealed = sorted(p for p in settings.snapshot_root.rglob("*") if p.is_file())

    # Verifying reports the leftover and fails nothing for it.
    check = verify_day(settings.snapshot_root, manifest_day(partial))
    assert check.stale_partials == (partial,) and check.live_partials == ()
    monkeypatch.setenv("VENDOR_RECON_SNAPSHOTS", str(settings.snapshot_root))
    monkeypatch.setattr(cli, "console", Console(width=100_000))
    assert cli.main(["verify-snapshots"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("1 leftover partial file(s) of killed landings")
    assert out[2:] == [f"  leftover: {partial}"]

    caplog.set_level(logging.INFO, logger=partial_files.__name__)
    access_token_client.cache.clear()
    retry = extract(server, world, account, settings, END)  # the task's retry
    pipeline.load_raw([retry], accounts, settings)

    # The retry's landing of the same source removed the leftover, and only it.
    assert not partial.exists()
    assert (
        "removed 1 stale partial files of purchase_order_statuses for account "
        f"{account.account_id} (their writers were killed): {partial}"
    ) in caplog.messages
    assert all(path.exists() for path in sealed if path != partial)
    assert partial_files.partials_of_day(settings.snapshot_root, "dt=*") == []

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        loaded = {
            row[0]
            for row in connection.execute(
                "select snapshot_file from raw.load_log"
            ).fetchall()
        }
    assert loaded == {
        m.replace(".manifest.json", ".parquet") for m in retry["manifests"]
    }
    assert str(partial) not in loaded
    assert_no_duplicate_documents(settings.warehouse_path)

    never_killed = settings_in(tmp_path / "never_killed", repo)
    access_token_client.cache.clear()
    clean = extract(server, world, account, never_killed, END)
    pipeline.load_raw([clean], accounts, never_killed)
    assert documents(settings.warehouse_path) == documents(never_killed.warehouse_path)
    assert checkpoints(settings.warehouse_path) == checkpoints(
        never_killed.warehouse_path
    )

    for day in snapshot_days(settings.snapshot_root):
        verify_day(settings.snapshot_root, day)
    # Loading the killed try's sealed file as well adds no document version.
    restored = tmp_path / "restored.duckdb"
    result = restore(settings.snapshot_root, restored, include_unloaded=True)
    assert result.unloaded_manifests == [str(m) for m in killed_try]
    assert documents(restored) == documents(settings.warehouse_path)


def run_until_paused(script: str, settings: Settings, repo: Path, *args) -> dict:
    """Start the child, wait for its signal, SIGKILL it; what it said it did."""
    signal_file = settings.warehouse_path.with_name("paused.json")
    env = {
        **os.environ,
        "VENDOR_RECON_WAREHOUSE": str(settings.warehouse_path),
        "VENDOR_RECON_SNAPSHOTS": str(settings.snapshot_root),
        "VENDOR_RECON_ACCOUNTS": str(repo / "config" / "accounts.yml"),
        "VENDOR_RECON_LOOKBACK_DAYS": str(settings.lookback.days),
    }
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", script, str(signal_file), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + SIGNAL_TIMEOUT_S
        while not signal_file.exists():
            if child.poll() is not None:
                pytest.fail(f"the child ended first: {child.stderr.read().decode()}")
            if time.monotonic() > deadline:
                pytest.fail("the child never reached its pause")
            time.sleep(0.05)
        # The signal file is written whole before the child sleeps.
        time.sleep(0.1)
        progress = json.loads(signal_file.read_text())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return progress


def settings_in(folder: Path, repo: Path) -> Settings:
    return replace(
        Settings.from_env(),
        accounts_file=repo / "config" / "accounts.yml",
        snapshot_root=folder / "snapshots",
        warehouse_path=folder / "warehouse.duckdb",
        lookback=DAY,
    )


def extract(server, world, account, settings: Settings, interval_end) -> dict:
    simulated = world.account(account.account_id)
    return pipeline.extract_account(
        account,
        SpApiCredentials(
            simulated.lwa_client_id,
            simulated.lwa_client_secret,
            simulated.refresh_token,
            server.url,
            f"{server.url}/auth/o2/token",
        ),
        interval_start=interval_end - DAY,
        interval_end=interval_end,
        run_id="scheduled__kill",
        settings=settings,
        policy=FAST,
        limiters=RateLimiters(),
    )


def copy_landings(template, root: Path) -> list[list[dict]]:
    """The template's landing files under a new root, summaries pointing there."""
    template_root, days = template
    shutil.copytree(template_root, root)

    def moved(summary: dict) -> dict:
        manifests = [
            str(root / Path(m).relative_to(template_root)) for m in summary["manifests"]
        ]
        return {**summary, "manifests": manifests}

    return [[moved(summary) for summary in day] for day in days]


def uninterrupted_load(root: Path, days: list[list[dict]], accounts) -> dict:
    """The same landing files and accounts, loaded day by day afresh."""
    folder = root.parent / "uninterrupted"
    for day in days:
        manifests = [m for item in day for m in item["manifests"]]
        load_landed_files(
            folder / "warehouse.duckdb", manifests, accounts, snapshot_root=folder
        )
    return raw_rows(folder / "warehouse.duckdb")


def assert_snapshots_verify_and_restore(settings: Settings, reference: dict) -> None:
    for day in snapshot_days(settings.snapshot_root):
        verify_day(settings.snapshot_root, day)
    restored = settings.warehouse_path.with_name("restored.duckdb")
    result = restore(settings.snapshot_root, restored)
    assert result.unloaded_manifests == []
    assert raw_rows(restored) == reference


def raw_rows(warehouse: Path) -> dict[str, Counter]:
    """Every raw table's rows (load-time columns left out), as a multiset."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'raw' order by 1"
        ).fetchall()
        rows = {}
        for (table,) in tables:
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? "
                    "order by ordinal_position",
                    [table],
                ).fetchall()
                if name not in LOAD_TIME_COLUMNS
            ]
            listed = ", ".join(columns)
            rows[table] = Counter(
                connection.execute(f"select {listed} from raw.{table}").fetchall()
            )
    return rows


def documents(warehouse: Path) -> dict[str, Counter]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: Counter(
                connection.execute(
                    f"select account_id, document_key, payload_sha256 from raw.{table}"
                ).fetchall()
            )
            for table in RAW_TABLES
        }


def assert_no_duplicate_documents(warehouse: Path) -> None:
    for table, counted in documents(warehouse).items():
        assert all(n == 1 for n in counted.values()), f"raw.{table} has duplicates"


def checkpoints(warehouse: Path) -> set[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return set(
            connection.execute(
                "select account_id, source, pull, window_start, window_end "
                "from raw.extraction_checkpoints"
            ).fetchall()
        )


def source_of(manifest: Path) -> str:
    return json.loads(Path(manifest).read_text())["source"]


def snapshot_days(root: Path) -> list[date]:
    """Every UTC day something (a landing or a load receipt) is filed under."""
    return sorted({manifest_day(p) for p in [*manifests_in(root), *receipts_in(root)]})
