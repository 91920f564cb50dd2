"""Finding the inbox files not loaded yet, on a local folder or any fsspec URL.

A file is known by the sha256 of its content: bytes seen before (under any
name) are skipped, and a changed file under the same name is a new version.
Names are kept relative to the inbox (`<account>/<folder>/<file>`) so the
record of a file survives moving the inbox to another store.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

import fsspec

log = logging.getLogger(__name__)

# Names an uploader is still writing, or that are not the vendor's documents.
_IN_PROGRESS_SUFFIXES = (".partial", ".tmp", ".part", ".filepart")


@dataclass(frozen=True)
class InboxFile:
    name: str
    sha256: str
    size: int
    data: bytes


@dataclass
class ScanStats:
    new: int = 0
    already_seen: int = 0


def new_files(
    inbox: str,
    account_id: str,
    folder: str,
    seen: set[str],
    stats: ScanStats | None = None,
) -> Iterator[InboxFile]:
    """Yield each file of `<inbox>/<account_id>/<folder>/` whose content is new.

    `seen` holds the hashes already loaded; each yielded hash is added to it,
    so a copy of a file under a second name in the same scan is skipped too.
    Files are read one at a time, in name order.
    """
    stats = stats if stats is not None else ScanStats()
    filesystem, root = fsspec.core.url_to_fs(inbox)
    root = root.rstrip("/")
    location = posixpath.join(root, account_id, folder)
    if not filesystem.isdir(location):
        return
    entries = filesystem.ls(location, detail=True)
    for entry in sorted(entries, key=lambda item: item["name"]):
        path = entry["name"]
        base = posixpath.basename(path.rstrip("/"))
        if entry.get("type") != "file" or _ignored(base):
            continue
        with filesystem.open(path, "rb") as handle:
            data = handle.read()
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            stats.already_seen += 1
            continue
        seen.add(digest)
        stats.new += 1
        yield InboxFile(f"{account_id}/{folder}/{base}", digest, len(data), data)
    log.info(
        "inbox %s/%s: %s new files, %s seen before (skipped)",
        account_id,
        folder,
        stats.new,
        stats.already_seen,
    )


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith(_IN_PROGRESS_SUFFIXES)
