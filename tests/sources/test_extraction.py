"""The extractor against the simulator: complete pulls, retries, and clear errors."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sp_api.auth import access_token_client

from vendor_recon import pipeline
from vendor_recon.config import VendorAccount, load_accounts
from vendor_recon.settings import Settings
from vendor_recon.simulator.faults import (
    Fault,
    FaultAnswer,
    FaultPlan,
    Throttle,
    Unavailable,
)
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.sources import purchase_orders
from vendor_recon.sources.base import check_parameter_names, page_records
from vendor_recon.spapi.client import AccountApi, RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.errors import (
    CredentialsError,
    ExtractionError,
    MissingRoleError,
    PayloadShapeError,
)
from vendor_recon.spapi.ratelimit import RateLimiters

START = datetime(2026, 11, 2, tzinfo=UTC)
END = START + timedelta(days=3)
FAST = RetryPolicy(attempts=4, max_total_s=10, initial_wait_s=0.01, max_wait_s=0.05)


@pytest.fixture(scope="module")
def world():
    return generate_world(3, START, END, accounts=default_accounts(), orders_per_day=4)


@pytest.fixture
def account(repo) -> VendorAccount:
    accounts = load_accounts(repo / "config" / "accounts.yml")
    return next(a for a in accounts if a.account_id == "acme-na")


@pytest.fixture(autouse=True)
def fresh_token_cache():
    # python-amazon-sp-api caches access tokens per refresh token, process-wide.
    access_token_client.cache.clear()
    yield
    access_token_client.cache.clear()


def credentials_for(server: SimulatorServer, world, account_id: str):
    simulated = world.account(account_id)
    return SpApiCredentials(
        lwa_app_id=simulated.lwa_client_id,
        lwa_client_secret=simulated.lwa_client_secret,
        refresh_token=simulated.refresh_token,
        endpoint=server.url,
        lwa_token_url=f"{server.url}/auth/o2/token",
    )


def settings_in(tmp_path, repo) -> Settings:
    base = Settings.from_env()
    return Settings(
        **{
            **base.__dict__,
            "snapshot_root": tmp_path / "snapshots",
            "warehouse_path": tmp_path / "wh.duckdb",
            "lookback": timedelta(0),
        }
    )


def land(world, account, tmp_path, repo, faults=None, policy=FAST):
    with SimulatorServer(world, faults=faults, clock=END) as server:
        summary = pipeline.extract_account(
            account,
            credentials_for(server, world, account.account_id),
            interval_start=START,
            interval_end=END,
            run_id="manual__test",
            settings=settings_in(tmp_path, repo),
            policy=policy,
            limiters=RateLimiters(),
        )
        return summary, server.request_log


def landed_keys(summary) -> dict[str, set[str]]:
    keys = {}
    for manifest in summary["manifests"]:
        source = json.loads(Path(manifest).read_text())["source"]
        table = pq.read_table(manifest.replace(".manifest.json", ".parquet"))
        keys[source] = set(table.column("document_key").to_pylist())
    return keys


def test_every_visible_document_lands_once_per_pull(world, account, tmp_path, repo):
    summary, log = land(world, account, tmp_path, repo)
    expected_orders = {
        o["purchaseOrderNumber"] for o in world.orders_as_of("acme-na", END)
    }
    expected_statuses = {
        s["purchaseOrderNumber"] for s in world.statuses_as_of("acme-na", END)
    }
    keys = landed_keys(summary)
    assert keys["purchase_orders"] == expected_orders
    assert keys["purchase_order_statuses"] == expected_statuses
    assert len(expected_orders) >= 8
    assert summary["api"]["throttled"] == 0
    operations = {entry.path for entry in log}
    assert "/vendor/orders/v1/purchaseOrders" in operations
    assert "/vendor/orders/v1/purchaseOrdersStatus" in operations


@pytest.mark.parametrize(
    "fault",
    [
        Throttle("getPurchaseOrders", times=2, after=1, rate_limit_header=False),
        Throttle("getPurchaseOrdersStatus", times=1, rate_limit_header=True),
        Unavailable("getPurchaseOrders", times=2),
    ],
    ids=["429-no-header-mid-paging", "429-with-header", "503-empty-body"],
)
def test_faults_are_retried_and_nothing_is_lost(world, account, tmp_path, repo, fault):
    clean, _ = land(world, account, tmp_path / "clean", repo)
    faulty, log = land(world, account, tmp_path / "faulty", repo, FaultPlan([fault]))
    assert landed_keys(faulty) == landed_keys(clean)
    assert faulty["api"]["retries"] >= fault.times
    assert any(entry.status in (429, 503) for entry in log)


def test_a_fault_that_never_clears_fails_with_a_clear_error(
    world, account, tmp_path, repo
):
    plan = FaultPlan([Unavailable("getPurchaseOrders", times=50)])
    with pytest.raises(ExtractionError, match=r"account 'acme-na', getPurchaseOrders"):
        land(world, account, tmp_path, repo, plan)
    assert list((tmp_path / "snapshots").rglob("*.parquet")) == []


def test_a_window_the_api_refuses_names_account_operation_and_field(world, account):
    with SimulatorServer(world, clock=END) as server:
        api = AccountApi(
            account,
            credentials_for(server, world, "acme-na"),
            policy=FAST,
            limiters=RateLimiters(),
        )
        client = api.client(purchase_orders.SPEC.api_class)
        with pytest.raises(ExtractionError) as error:
            api.call(
                "getPurchaseOrders",
                client.get_purchase_orders,
                {
                    "createdAfter": "2026-10-01T00:00:00Z",
                    "createdBefore": "2026-10-20T00:00:00Z",
                },
            )
    message = str(error.value)
    assert "account 'acme-na', getPurchaseOrders" in message
    assert "createdAfter=2026-10-01T00:00:00Z" in message
    assert "400" in message


def test_wrong_secret_fails_without_leaking_it(world, account):
    with SimulatorServer(world, clock=END) as server:
        good = credentials_for(server, world, "acme-na")
        bad = SpApiCredentials(
            good.lwa_app_id,
            "not-the-secret",
            good.refresh_token,
            good.endpoint,
            good.lwa_token_url,
        )
        api = AccountApi(account, bad, policy=FAST, limiters=RateLimiters())
        client = api.client(purchase_orders.SPEC.api_class)
        with pytest.raises(Exception) as error:
            api.call(
                "getPurchaseOrders",
                client.get_purchase_orders,
                {"createdAfter": "2026-11-02T00:00:00Z"},
            )
    assert "not-the-secret" not in str(error.value)
    assert good.refresh_token not in str(error.value)
    assert "not-the-secret" not in repr(bad)


def test_expired_token_is_refreshed_once(world, account):
    with SimulatorServer(world, clock=END, token_lifetime_s=1) as server:
        api = AccountApi(
            account,
            credentials_for(server, world, "acme-na"),
            policy=FAST,
            limiters=RateLimiters(),
        )
        client = api.client(purchase_orders.SPEC.api_class)
        params = {
            "createdAfter": "2026-11-02T00:00:00Z",
            "createdBefore": "2026-11-03T00:00:00Z",
        }
        api.call("getPurchaseOrders", client.get_purchase_orders, params)
        time.sleep(1.2)
        body, _ = api.call("getPurchaseOrders", client.get_purchase_orders, params)
    assert "orders" in body["payload"]
    assert api.stats.token_refreshes == 1


@dataclass(frozen=True)
class Forbidden(Fault):
    """What Amazon answers a valid token whose app lacks the operation's role."""

    def answer(self) -> FaultAnswer:
        body = {
            "errors": [
                {
                    "code": "Unauthorized",
                    "message": "Access to requested resource is denied.",
                    "details": "",
                }
            ]
        }
        return FaultAnswer(403, json.dumps(body).encode(), "application/json", True)


def test_a_403_that_refresh_does_not_cure_names_the_role(world, account):
    plan = FaultPlan([Forbidden("getPurchaseOrders", times=5)])
    with SimulatorServer(world, clock=END, faults=plan) as server:
        credentials = credentials_for(server, world, "acme-na")
        api = AccountApi(account, credentials, policy=FAST, limiters=RateLimiters())
        client = api.client(purchase_orders.SPEC.api_class)
        with pytest.raises(MissingRoleError, match="lacks the role"):
            api.call(
                "getPurchaseOrders",
                client.get_purchase_orders,
                {"createdAfter": "2026-11-02T00:00:00Z"},
            )
    assert api.stats.token_refreshes == 1
    assert plan.served("getPurchaseOrders") == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "'payload'"),
        ({"payload": {}}, "'payload.orders'"),
        ({"payload": {"orders": {"a": 1}}}, "'payload.orders': expected a list"),
    ],
)
def test_payloads_of_the_wrong_shape_are_errors_not_empty_results(body, field):
    with pytest.raises(PayloadShapeError) as error:
        page_records(purchase_orders.SPEC, "acme-na", body)
    assert "getPurchaseOrders" in str(error.value) and field in str(error.value)


def test_unknown_parameter_names_are_refused_before_sending():
    with pytest.raises(ExtractionError, match="createdAftr"):
        check_parameter_names(
            purchase_orders.SPEC, "acme-na", {"createdAftr": "2026-11-01T00:00:00Z"}
        )


def test_missing_connection_names_account_and_connection(account, monkeypatch):
    from vendor_recon import tasks

    monkeypatch.delenv("AIRFLOW_CONN_SPAPI_ACME_NA", raising=False)
    with pytest.raises(CredentialsError) as error:
        tasks.credentials_for(account)
    assert "'acme-na'" in str(error.value) and "spapi_acme_na" in str(error.value)


def test_incomplete_connection_names_the_missing_fields():
    with pytest.raises(CredentialsError) as error:
        SpApiCredentials.from_connection_fields(
            "acme-na", "spapi_acme_na", login="app", password=None, extra={}
        )
    assert "password (LWA client secret)" in str(error.value)
    assert "extra.refresh_token" in str(error.value)
