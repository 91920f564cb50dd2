"""The one module that imports Airflow: connections, context, and task bodies.

DAG files call these; everything below them runs and is tested without Airflow.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from vendor_recon import pipeline
from vendor_recon.config import VendorAccount, load_accounts
from vendor_recon.settings import Settings
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.errors import CredentialsError
from vendor_recon.spapi.ratelimit import RateLimiters

log = logging.getLogger(__name__)


def configured_accounts(settings: Settings | None = None) -> list[VendorAccount]:
    settings = settings or Settings.from_env()
    return load_accounts(settings.accounts_file)


def account_ids() -> list[str]:
    """The mapped extract tasks fan out over these."""
    accounts = configured_accounts()
    log.info(
        "found %s vendor accounts: %s", len(accounts), [a.account_id for a in accounts]
    )
    return [account.account_id for account in accounts]


def credentials_for(account: VendorAccount) -> SpApiCredentials:
    """Read the account's Airflow connection; mask its secrets in every log."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError
    from airflow.sdk.log import mask_secret

    try:
        connection = Connection.get(account.connection_id)
    except (AirflowNotFoundException, AirflowRuntimeError, KeyError) as exc:
        raise CredentialsError(
            account.account_id,
            "credentials",
            f"Airflow connection {account.connection_id!r} not found; define it "
            f"(e.g. AIRFLOW_CONN_{account.connection_id.upper()}) as in README",
        ) from exc
    credentials = SpApiCredentials.from_connection_fields(
        account.account_id,
        account.connection_id,
        login=connection.login,
        password=connection.password,
        extra=connection.extra_dejson,
    )
    for secret in credentials.secrets():
        mask_secret(secret)
    return credentials


def extract_account(
    account_id: str, interval_start: datetime, interval_end: datetime, run_id: str
) -> dict[str, Any]:
    settings = Settings.from_env()
    accounts = {a.account_id: a for a in configured_accounts(settings)}
    account = accounts[account_id]
    return pipeline.extract_account(
        account,
        credentials_for(account),
        interval_start=interval_start,
        interval_end=interval_end,
        run_id=run_id,
        settings=settings,
        # Buckets as a fresh task process starts them. Under the scheduler every
        # try is its own process anyway; under dag.test() (the demo, the tests)
        # all runs share one, and days simulated seconds apart would otherwise
        # spend one day's bucket (createReport: 15, then one a minute).
        limiters=RateLimiters(),
    )


def extract_inbox_account(account_id: str, run_id: str) -> dict[str, Any]:
    """The account's new inbox files; no credentials, the inbox is a file store."""
    settings = Settings.from_env()
    accounts = {a.account_id: a for a in configured_accounts(settings)}
    return pipeline.extract_inbox(
        accounts[account_id], run_id=run_id, settings=settings
    )


def load_raw(extractions: list[dict[str, Any]]) -> dict[str, Any]:
    settings = Settings.from_env()
    return pipeline.load_raw(list(extractions), configured_accounts(settings), settings)


def build_marts() -> dict[str, Any]:
    return pipeline.build_marts(Settings.from_env())


def check_marts(run_id: str) -> dict[str, Any]:
    return pipeline.check_marts(Settings.from_env(), run_id=run_id)


def backup_marts(run_id: str) -> dict[str, Any]:
    from vendor_recon.quality import published_marts

    settings = Settings.from_env()
    return published_marts.backup_marts(settings.warehouse_path, run_id).as_dict()


def restore_marts(run_id: str) -> dict[str, Any]:
    from vendor_recon.quality import published_marts

    settings = Settings.from_env()
    return published_marts.restore_marts(settings.warehouse_path, run_id).as_dict()


def check_layer(layer: str, run_id: str) -> dict[str, Any]:
    return pipeline.check_quality(Settings.from_env(), layer=layer, run_id=run_id)


def build_monitoring(as_of: datetime) -> dict[str, Any]:
    from vendor_recon.alerts.monitoring import build_monitoring

    return build_monitoring(Settings.from_env(), as_of=as_of)
