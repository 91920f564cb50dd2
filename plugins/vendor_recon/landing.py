"""Landing files: pages streamed to Parquet, sealed with a manifest, never rewritten.

Extract tasks for several accounts run in parallel and DuckDB allows a single
writer, so extraction writes only these files; one load step reads them into
the database. They are also the dated snapshots auditors read and restores use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vendor_recon.config import VendorAccount
from vendor_recon.sources.windows import Window

log = logging.getLogger(__name__)

LANDING_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("marketplace_id", pa.string()),
        ("source", pa.string()),
        ("operation", pa.string()),
        ("pull", pa.string()),
        ("request_params", pa.string()),
        ("window_start", pa.timestamp("us", tz="UTC")),
        ("window_end", pa.timestamp("us", tz="UTC")),
        ("page_number", pa.int32()),
        ("record_number", pa.int32()),
        ("document_key", pa.string()),
        ("document_updated_at", pa.timestamp("us", tz="UTC")),
        ("extracted_at", pa.timestamp("us", tz="UTC")),
        ("payload", pa.string()),
        ("payload_sha256", pa.string()),
        ("quarantine_reason", pa.string()),
        ("source_file", pa.string()),
        ("source_file_sha256", pa.string()),
    ]
)
MANIFEST_SUFFIX = ".manifest.json"


class LandingError(RuntimeError):
    """A landing file that is missing, altered or about to be overwritten."""


def canonical_json(value: Any) -> str:
    """One text per document whatever its key order, so hashes compare."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def day_folder(root: Path, source: str, day: date) -> Path:
    return Path(root) / "raw" / source / f"dt={day.isoformat()}"


@dataclass(frozen=True)
class LandedFile:
    """What a load step needs to find, verify and read one landing file."""

    source: str
    account_id: str
    load_id: str
    path: str
    manifest_path: str
    rows: int
    sha256: str


class LandingWriter:
    """Streams the pages of one (account, source, run) into one Parquet file.

    Pages go to disk as they arrive (memory stays flat). The file appears under
    its final name only on `commit`; a failure leaves nothing behind.
    """

    def __init__(
        self,
        root: str | Path,
        account: VendorAccount,
        source: str,
        load_id: str,
        extracted_at: datetime,
        marketplace_id: str | None = None,
    ):
        self.account = account
        self.source = source
        self.load_id = load_id
        self.extracted_at = extracted_at.astimezone(UTC)
        self.marketplace_id = marketplace_id or account.primary_marketplace_id
        folder = day_folder(Path(root), source, self.extracted_at.date())
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{account.account_id}__{load_id}"
        self.path = folder / f"{stem}.parquet"
        self.manifest_path = folder / f"{stem}{MANIFEST_SUFFIX}"
        if self.path.exists() or self.manifest_path.exists():
            raise LandingError(f"{self.path}: already landed; snapshots are immutable")
        self._tmp = folder / f".{stem}.parquet.partial"
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0
        self.pages = 0
        self.quarantined = 0
        self.windows: list[tuple[str, str, str]] = []

    def __enter__(self) -> LandingWriter:
        self._writer = pq.ParquetWriter(self._tmp, LANDING_SCHEMA, compression="zstd")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if exc_type is not None and self._tmp.exists():
            self._tmp.unlink()

    def write_page(
        self,
        *,
        operation: str,
        pull: str,
        window: Window,
        page_number: int,
        params: dict[str, Any],
        rows: list[dict[str, Any]],
    ) -> None:
        if self._writer is None:
            raise LandingError("write_page outside of the writer's context")
        columns: dict[str, list[Any]] = {name: [] for name in LANDING_SCHEMA.names}
        request_params = canonical_json(params)
        for row in rows:
            payload = canonical_json(row["record"])
            values = {
                "load_id": self.load_id,
                "account_id": self.account.account_id,
                "region": self.account.region,
                "marketplace_id": self.marketplace_id,
                "source": self.source,
                "operation": operation,
                "pull": pull,
                "request_params": request_params,
                "window_start": window.start,
                "window_end": window.end,
                "page_number": page_number,
                "record_number": row["record_number"],
                "document_key": row["document_key"],
                "document_updated_at": row["document_updated_at"],
                "extracted_at": self.extracted_at,
                "payload": payload,
                "payload_sha256": sha256_text(payload),
                "quarantine_reason": row["quarantine_reason"],
                "source_file": row.get("source_file"),
                "source_file_sha256": row.get("source_file_sha256"),
            }
            for name, value in values.items():
                columns[name].append(value)
            if row["quarantine_reason"]:
                self.quarantined += 1
        if rows:
            self._writer.write_table(pa.table(columns, schema=LANDING_SCHEMA))
        self.rows += len(rows)
        self.pages += 1
        self.windows.append((pull, *window.iso()))

    def commit(self, stats: dict[str, Any] | None = None) -> LandedFile:
        """Seal the file: close it, hash it, move it into place, write the manifest."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        digest = sha256_file(self._tmp)
        os.replace(self._tmp, self.path)
        manifest = {
            "source": self.source,
            "account_id": self.account.account_id,
            "region": self.account.region,
            "load_id": self.load_id,
            "extracted_at": self.extracted_at.isoformat(),
            "files": [{"path": self.path.name, "rows": self.rows, "sha256": digest}],
            "pages": self.pages,
            "quarantined": self.quarantined,
            "windows": sorted(set(self.windows)),
            "stats": stats or {},
        }
        tmp_manifest = self.manifest_path.with_suffix(".partial")
        tmp_manifest.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(tmp_manifest, self.manifest_path)
        log.info(
            "landed %s rows (%s quarantined) of %s for account %s in %s",
            self.rows,
            self.quarantined,
            self.source,
            self.account.account_id,
            self.path,
        )
        return LandedFile(
            source=self.source,
            account_id=self.account.account_id,
            load_id=self.load_id,
            path=str(self.path),
            manifest_path=str(self.manifest_path),
            rows=self.rows,
            sha256=digest,
        )


def verify_manifest(manifest_path: str | Path) -> list[LandedFile]:
    """Check every file a manifest lists against its row count and hash."""
    manifest_path = Path(manifest_path)
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise LandingError(f"{manifest_path}: unreadable manifest: {exc}") from exc
    landed = []
    for entry in manifest["files"]:
        path = manifest_path.parent / entry["path"]
        if not path.is_file():
            raise LandingError(f"{manifest_path}: lists {path.name}, which is missing")
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            raise LandingError(
                f"{path}: sha256 {digest} differs from the manifest's {entry['sha256']}"
            )
        rows = pq.ParquetFile(path).metadata.num_rows
        if rows != entry["rows"]:
            raise LandingError(
                f"{path}: {rows} rows, the manifest says {entry['rows']}"
            )
        landed.append(
            LandedFile(
                source=manifest["source"],
                account_id=manifest["account_id"],
                load_id=manifest["load_id"],
                path=str(path),
                manifest_path=str(manifest_path),
                rows=rows,
                sha256=digest,
            )
        )
    return landed


def manifests_in(root: str | Path, day: date | None = None) -> list[Path]:
    """Every manifest under the snapshot root, or those of one day, sorted."""
    pattern = (
        f"raw/*/dt={day.isoformat()}/*{MANIFEST_SUFFIX}"
        if day
        else (f"raw/*/dt=*/*{MANIFEST_SUFFIX}")
    )
    return sorted(Path(root).glob(pattern))
