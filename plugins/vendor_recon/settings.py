"""Paths and knobs from environment variables, with defaults inside the checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


def _project_home() -> Path:
    configured = os.environ.get("VENDOR_RECON_HOME")
    if configured:
        return Path(configured).resolve()
    # An editable install or the plugins/ folder on sys.path: the checkout.
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "dbt_project").is_dir():
        return checkout
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    home: Path
    accounts_file: Path
    warehouse_path: Path
    snapshot_root: Path
    dbt_project_dir: Path
    dbt_target: str
    docs_dir: Path
    expectations_dir: Path
    lookback: timedelta
    # A local folder or any fsspec URL (memory://, s3://...): the vendor's files.
    inbox: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        home = _project_home()

        def path(name: str, default: str) -> Path:
            return Path(os.environ.get(name) or home / default).resolve()

        return cls(
            home=home,
            accounts_file=path("VENDOR_RECON_ACCOUNTS", "config/accounts.yml"),
            warehouse_path=path(
                "VENDOR_RECON_WAREHOUSE", "warehouse/vendor_recon.duckdb"
            ),
            snapshot_root=path("VENDOR_RECON_SNAPSHOTS", "snapshots"),
            dbt_project_dir=path("VENDOR_RECON_DBT_PROJECT", "dbt_project"),
            dbt_target=os.environ.get("VENDOR_RECON_DBT_TARGET", "duckdb"),
            docs_dir=path("VENDOR_RECON_DOCS", "warehouse/data_docs"),
            expectations_dir=path("VENDOR_RECON_EXPECTATIONS", "expectations"),
            lookback=timedelta(
                days=float(os.environ.get("VENDOR_RECON_LOOKBACK_DAYS", "2"))
            ),
            inbox=_location(os.environ.get("VENDOR_RECON_INBOX"), home / "inbox"),
        )


def _location(configured: str | None, default: Path) -> str:
    """A URL stays as given; a plain path becomes absolute."""
    if configured and "://" in configured:
        return configured
    return str(Path(configured or default).resolve())
