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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vendor_recon import partial_files
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
        # Where and what in the source a quarantined record is, when the loader
        # cannot say it from page and record numbers (inbox files, X12 segments).
        ("quarantine_record", pa.string()),
        ("quarantine_field", pa.string()),
        # What the source decided: true when the record's own date for its pull
        # lies outside the requested window, false when inside, null when the
        # source judged nothing (no window, no such date, a quarantined record).
        ("is_outside_window", pa.bool_()),
    ]
)
MANIFEST_SUFFIX = ".manifest.json"
# Pages are small; buffering them into larger row groups keeps the file compact
# while memory stays bounded by whichever limit comes first.
ROW_GROUP_ROWS = 8192
ROW_GROUP_BYTES = 16 << 20


class LandingError(RuntimeError):
    """A landing file that is missing, altered or about to be overwritten."""


_EXACT = "\x00exact-number:"
_EXACT_PATTERN = re.compile(r'"\\u0000exact-number:(-?[0-9.Ee+-]+)"')


def canonical_json(value: Any) -> str:
    """One text per document whatever its key order, so hashes compare.

    Decimals (exact JSON numbers as Amazon sent them) are written back as the
    same number literal, never through float.
    """
    text = json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_exact_number,
    )
    return _EXACT_PATTERN.sub(r"\1", text)


def _exact_number(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{_EXACT}{value}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


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

    Pages go to disk in row groups of at most ROW_GROUP_ROWS rows or
    ROW_GROUP_BYTES of payload (memory stays bounded). The file appears under
    its final name only on `commit`; a failure leaves nothing behind, and the
    partial file a killed landing leaves is removed when the next landing of
    the same account and source starts (see `vendor_recon.partial_files`).
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
        self.root = Path(root)
        folder = day_folder(self.root, source, self.extracted_at.date())
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{account.account_id}__{load_id}"
        self.path = folder / f"{stem}.parquet"
        self.manifest_path = folder / f"{stem}{MANIFEST_SUFFIX}"
        if self.path.exists() or self.manifest_path.exists():
            raise LandingError(f"{self.path}: already landed; snapshots are immutable")
        self._tmp = partial_files.partial_name(self.path)
        self._lock: Any = None
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0
        self.pages = 0
        self.quarantined = 0
        self.windows: list[tuple[str, str, str]] = []
        self.source_files: list[dict[str, Any]] = []
        self._pending: dict[str, list[Any]] = _empty_columns()
        self._pending_rows = 0
        self._pending_bytes = 0

    def __enter__(self) -> LandingWriter:
        # Locked first, so that a cleanup running beside this one keeps it.
        self._lock = partial_files.create_locked(self._tmp)
        try:
            stale = partial_files.partials_of_landing(
                self.root, self.source, self.account.account_id
            )
            partial_files.remove_stale(
                (path for path in stale if path != self._tmp),
                f"{self.source} for account {self.account.account_id}",
            )
            self._writer = pq.ParquetWriter(
                self._tmp, LANDING_SCHEMA, compression="zstd"
            )
        except BaseException:
            self._release(failed=True)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._release(failed=exc_type is not None)

    def _release(self, *, failed: bool) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if failed and self._tmp.exists():
            self._tmp.unlink()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        self._pending = _empty_columns()

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
        """One API page: every record of it, good or quarantined."""
        self._append(
            operation=operation,
            pull=pull,
            window=window,
            page_number=page_number,
            request_params=canonical_json(params),
            rows=rows,
        )
        self.pages += 1
        self.windows.append((pull, *window.iso()))

    def write_file(
        self,
        *,
        operation: str,
        source_file: str,
        source_file_sha256: str,
        size_bytes: int,
        rows: list[dict[str, Any]],
    ) -> None:
        """One inbox file (the inbox flavour): no window, no request, no pull.

        Each row's `record_number` is its index in the file; a row without a
        `record` key (a file that could not be parsed) lands with a null payload.
        The manifest lists the file with its hash so the loader can remember it.
        """
        for row in rows:
            row.setdefault("source_file", source_file)
            row.setdefault("source_file_sha256", source_file_sha256)
        self._append(
            operation=operation,
            pull=None,
            window=None,
            page_number=len(self.source_files),
            request_params=None,
            rows=rows,
        )
        self.pages += 1
        self.source_files.append(
            {
                "operation": operation,
                "path": source_file,
                "sha256": source_file_sha256,
                "bytes": size_bytes,
                "records": len(rows),
                "quarantined": sum(1 for row in rows if row["quarantine_reason"]),
            }
        )

    def _append(
        self,
        *,
        operation: str,
        pull: str | None,
        window: Window | None,
        page_number: int,
        request_params: str | None,
        rows: list[dict[str, Any]],
    ) -> None:
        if self._writer is None:
            raise LandingError("write_page outside of the writer's context")
        columns = self._pending
        for row in rows:
            payload = canonical_json(row["record"]) if "record" in row else None
            values = {
                "load_id": self.load_id,
                "account_id": self.account.account_id,
                "region": self.account.region,
                "marketplace_id": self.marketplace_id,
                "source": self.source,
                "operation": operation,
                "pull": pull,
                "request_params": request_params,
                "window_start": window.start if window else None,
                "window_end": window.end if window else None,
                "page_number": page_number,
                "record_number": row["record_number"],
                "document_key": row["document_key"],
                "document_updated_at": row["document_updated_at"],
                "extracted_at": self.extracted_at,
                "payload": payload,
                "payload_sha256": sha256_text(payload) if payload is not None else None,
                "quarantine_reason": row["quarantine_reason"],
                "source_file": row.get("source_file"),
                "source_file_sha256": row.get("source_file_sha256"),
                "quarantine_record": row.get("quarantine_record"),
                "quarantine_field": row.get("quarantine_field"),
                "is_outside_window": row.get("is_outside_window"),
            }
            for name, value in values.items():
                columns[name].append(value)
            if row["quarantine_reason"]:
                self.quarantined += 1
            self._pending_bytes += len(payload or "")
        self._pending_rows += len(rows)
        self.rows += len(rows)
        if (
            self._pending_rows >= ROW_GROUP_ROWS
            or self._pending_bytes >= ROW_GROUP_BYTES
        ):
            self._flush()

    def _flush(self) -> None:
        if self._pending_rows and self._writer is not None:
            table = pa.table(self._pending, schema=LANDING_SCHEMA)
            self._writer.write_table(table, row_group_size=self._pending_rows)
        self._pending = _empty_columns()
        self._pending_rows = 0
        self._pending_bytes = 0

    def commit(
        self,
        stats: dict[str, Any] | None = None,
        incomplete_windows: Sequence[tuple[str, Window]] = (),
    ) -> LandedFile:
        """Seal the file: close it, hash it, move it into place, write the manifest.

        Every window a page was written for counts as completely read, because
        a failed extraction never commits. A caller that commits after stopping
        part-way names the unfinished (pull, window) slices in
        `incomplete_windows`, and the load step sets no checkpoint for them.
        """
        self._flush()
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
            "incomplete_windows": sorted(
                {(pull, *window.iso()) for pull, window in incomplete_windows}
            ),
            "stats": stats or {},
        }
        if self.source_files:
            manifest["source_files"] = self.source_files
        # A kill between the two moves leaves the data file without its
        # manifest; `verify_day` names it as listed in no manifest.
        partial_files.write_text_atomically(
            self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True)
        )
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


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in LANDING_SCHEMA.names}


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


def manifest_day(manifest_path: str | Path) -> date:
    """The UTC day of extraction a landing file is filed under."""
    folder = Path(manifest_path).parent.name
    return date.fromisoformat(folder.removeprefix("dt="))


# Load receipts: after each committed load, one new file names the manifests it
# loaded (with their hashes), the accounts and the load time. Together with the
# landing files they are everything `restore` needs; none is ever rewritten.
RECEIPTS_FOLDER = "loads"


def write_receipt(
    root: str | Path,
    loaded_at: datetime,
    manifests: Sequence[tuple[Path, str, Sequence[str]]],
    accounts: Sequence[dict[str, Any]],
) -> Path:
    """Record one committed load: (manifest, its sha256, snapshot_file labels)."""
    root = Path(root)
    loaded_at = loaded_at.astimezone(UTC)
    folder = root / RECEIPTS_FOLDER / f"dt={loaded_at.date().isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{loaded_at:%Y%m%dT%H%M%S%fZ}__{os.urandom(3).hex()}.json"
    receipt = {
        "loaded_at": loaded_at.isoformat(),
        "manifests": [
            {
                "path": _relative(root, manifest),
                "sha256": digest,
                "snapshot_files": list(labels),
            }
            for manifest, digest, labels in manifests
        ],
        "accounts": list(accounts),
    }
    # A load killed while writing its receipt left a partial one behind.
    partial_files.remove_stale(partial_files.partials_of_receipts(root), "receipts")
    partial_files.write_text_atomically(
        path, json.dumps(receipt, indent=2, sort_keys=True)
    )
    return path


def receipts_in(root: str | Path, day: date | None = None) -> list[Path]:
    """Load receipts in the order the loads happened (their names sort by time)."""
    folder = f"dt={day.isoformat()}" if day else "dt=*"
    found = Path(root).glob(f"{RECEIPTS_FOLDER}/{folder}/*.json")
    return sorted(found, key=lambda path: path.name)


def read_receipt(
    root: str | Path, receipt_path: str | Path
) -> tuple[datetime, list[tuple[Path, list[str]]], list[dict[str, Any]]]:
    """A receipt's load time, manifests (each checked against its hash), accounts."""
    root, receipt_path = Path(root), Path(receipt_path)
    try:
        receipt = json.loads(receipt_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise LandingError(f"{receipt_path}: unreadable load receipt: {exc}") from exc
    entries = []
    for entry in receipt["manifests"]:
        manifest = root / entry["path"]
        if not manifest.is_file():
            raise LandingError(
                f"{manifest}: named by load receipt {receipt_path.name}, missing"
            )
        digest = sha256_file(manifest)
        if digest != entry["sha256"]:
            raise LandingError(
                f"{manifest}: sha256 {digest} differs from load receipt "
                f"{receipt_path.name} ({entry['sha256']})"
            )
        entries.append((manifest, entry["snapshot_files"]))
    loaded_at = datetime.fromisoformat(receipt["loaded_at"]).astimezone(UTC)
    return loaded_at, entries, receipt["accounts"]


@dataclass(frozen=True)
class DayCheck:
    manifests: int
    files: int
    rows: int
    receipts: int
    # Partial files of the day: left by a killed writer, or being written now.
    stale_partials: tuple[Path, ...] = ()
    live_partials: tuple[Path, ...] = ()


def verify_day(root: str | Path, day: date) -> DayCheck:
    """Check everything filed under one day; raise on the first mismatch.

    Each manifest's files (rows, sha256), that no Parquet file of the day is
    unlisted (an orphan is either tampering or a copy from elsewhere), and
    that each of the day's load receipts still matches the manifests it names.
    Partial files of the day are no snapshot and fail nothing; they are
    returned, stale (a killed writer's) apart from live (being written).
    """
    root = Path(root)
    manifests = manifests_in(root, day)
    listed: set[Path] = set()
    files = rows = 0
    for manifest in manifests:
        for landed in verify_manifest(manifest):
            listed.add(Path(landed.path))
            files += 1
            rows += landed.rows
    for path in sorted(root.glob(f"raw/*/dt={day.isoformat()}/*.parquet")):
        if path not in listed:
            raise LandingError(f"{path}: not listed in any manifest of {day}")
    receipts = receipts_in(root, day)
    for receipt in receipts:
        read_receipt(root, receipt)
    partials = partial_files.partials_of_day(root, f"dt={day.isoformat()}")
    stale = tuple(path for path in partials if partial_files.is_stale(path))
    live = tuple(path for path in partials if path not in stale and path.exists())
    return DayCheck(len(manifests), files, rows, len(receipts), stale, live)


def _relative(root: Path, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(Path(path).resolve())
