"""Hidden `.partial` files: written under a lock, removed once stale, listed.

Landing files, manifests and load receipts are written under a hidden
`.<name>.partial` and moved into place when whole. The writer holds an
exclusive flock on its partial file for as long as it writes; the kernel drops
the lock when the process ends, however it ends (SIGKILL, out of memory), so a
partial file that no one holds is stale: its writer is gone and nothing will
ever move it into place. One that is held belongs to a live writer and is left
alone. Sealed files never carry the suffix and are never looked at.
"""

from __future__ import annotations

import fcntl
import glob
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

SUFFIX = ".partial"


class PartialFileError(RuntimeError):
    """A partial file that vanished before its writer could lock it."""


def partial_name(path: Path) -> Path:
    """The hidden partial file a final `path` is written under."""
    return path.with_name(f".{path.name}{SUFFIX}")


def create_locked(path: Path) -> BinaryIO:
    """Create `path` (it must not exist) and hold its lock while it is open."""
    handle = path.open("xb")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        # A cleanup that opened the file between its creation and the lock
        # may have removed it: the name would no longer lead to this file.
        if not _same_file(path, handle):
            raise PartialFileError(f"{path}: removed before it was locked; retry")
    except BaseException:
        handle.close()
        raise
    return handle


def write_text_atomically(path: Path, text: str) -> None:
    """Write `path` whole or not at all, through its locked partial file."""
    partial = partial_name(path)
    with create_locked(partial) as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.replace(partial, path)


def remove_stale(candidates: Iterable[Path], what: str) -> list[Path]:
    """Remove the candidates no live writer holds; return those removed.

    Logs how many were removed and which, and how many were kept as held.
    """
    removed, held = [], []
    for path in sorted(candidates):
        handle = _lock_if_free(path)
        if handle is None:
            if path.exists():
                held.append(path)
            continue
        with handle:
            if _same_file(path, handle):
                path.unlink()
                removed.append(path)
    if removed:
        log.warning(
            "removed %s stale partial files of %s (their writers were killed): %s",
            len(removed),
            what,
            ", ".join(str(path) for path in removed),
        )
    if held:
        log.info("kept %s partial files of %s that live writers hold", len(held), what)
    return removed


def is_stale(path: Path) -> bool:
    """True when no live writer holds `path` (which is left as it is)."""
    handle = _lock_if_free(path)
    if handle is None:
        return False
    handle.close()
    return True


def partials_of_landing(root: Path, source: str, account_id: str) -> list[Path]:
    """The partial files (data and manifest) of one account's landings of a
    source, on every day: a retry after midnight lands under another day."""
    pattern = f"raw/{glob.escape(source)}/dt=*/.*{SUFFIX}"
    return [
        path
        for path in Path(root).glob(pattern)
        # `.<account>__<load_id>.…`; load ids hold no "__", account ids may.
        if path.name[1:].split(".", 1)[0].rsplit("__", 1)[0] == account_id
    ]


def partials_of_receipts(root: Path) -> list[Path]:
    return sorted(Path(root).glob(f"loads/dt=*/.*{SUFFIX}"))


def partials_of_day(root: Path, day_folder: str) -> list[Path]:
    """Every partial file filed under a day (`dt=YYYY-MM-DD`), any kind."""
    root = Path(root)
    return sorted(
        [
            *root.glob(f"raw/*/{day_folder}/.*{SUFFIX}"),
            *root.glob(f"loads/{day_folder}/.*{SUFFIX}"),
        ]
    )


def _lock_if_free(path: Path) -> BinaryIO | None:
    """An open handle holding `path`'s lock, or None if it is held or gone."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _same_file(path: Path, handle: BinaryIO) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False
