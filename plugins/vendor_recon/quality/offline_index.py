"""A plain HTML list of every validation page, readable with no network.

GX's own index draws its table with JavaScript loaded from CDNs, so on an
offline machine (an auditor's laptop, an air-gapped deployment) it shows no
list at all. This page lists the same results from the validation store: run,
suite, outcome and counts, newest run first, each linked to GX's page. It is
plain HTML with its styles inline and is rewritten whole after each checkpoint.
"""

from __future__ import annotations

import html
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

INDEX_NAME = "runs.html"


@dataclass(frozen=True)
class ValidationPage:
    run_id: str
    run_time: str
    suite: str
    success: bool
    evaluated: int
    failed: int
    page: str  # relative to the docs folder


def validation_pages(docs_dir: Path) -> list[ValidationPage]:
    """Every stored validation result that has a page, newest run first.

    Store and site share one layout: validations/<suite>/<run>/<time>/<batch>.
    """
    store = docs_dir / "gx_stores" / "validations"
    pages = []
    for result in store.glob("*/*/*/*.json"):
        relative = result.relative_to(store).with_suffix(".html")
        page = Path("validations") / relative
        if not (docs_dir / page).is_file():
            continue
        body = json.loads(result.read_text(encoding="utf-8"))
        statistics = body.get("statistics") or {}
        suite, run_id, run_time = relative.parts[:3]
        pages.append(
            ValidationPage(
                run_id=run_id,
                run_time=run_time,
                suite=suite,
                success=bool(body.get("success")),
                evaluated=int(statistics.get("evaluated_expectations") or 0),
                failed=int(statistics.get("unsuccessful_expectations") or 0),
                page=page.as_posix(),
            )
        )
    return sorted(pages, key=lambda p: (p.run_time, p.run_id, p.suite), reverse=True)


def write_offline_index(docs_dir: Path) -> Path:
    """Write runs.html beside GX's index.html; return its path."""
    pages = validation_pages(docs_dir)
    rows = "\n".join(_row(page) for page in pages)
    failed = sum(1 for page in pages if not page.success)
    document = _TEMPLATE.format(
        count=len(pages), failed=failed, runs=len({p.run_id for p in pages}), rows=rows
    )
    path = docs_dir / INDEX_NAME
    partial = path.with_name(f".{INDEX_NAME}.partial")
    partial.write_text(document, encoding="utf-8")
    os.replace(partial, path)
    logger.info(
        "Wrote %s: %s validation results of %s runs, %s failed",
        path,
        len(pages),
        len({p.run_id for p in pages}),
        failed,
    )
    return path


def _row(page: ValidationPage) -> str:
    outcome = "passed" if page.success else f"failed {page.failed}"
    cells = (
        html.escape(page.run_id),
        html.escape(page.run_time),
        f'<a href="{html.escape(page.page, quote=True)}">{html.escape(page.suite)}</a>',
        f'<span class="{"ok" if page.success else "bad"}">{outcome}</span>',
        str(page.evaluated),
    )
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Validation results</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }}
.ok {{ color: #176f2c; }} .bad {{ color: #b00020; font-weight: bold; }}
</style></head><body>
<h1>Validation results</h1>
<p>{count} results of {runs} runs, {failed} failed. Newest first; each suite links
to its Great Expectations page (<a href="index.html">GX's own index</a> needs
the network for its scripts).</p>
<table>
<tr><th>run</th><th>validated (UTC)</th><th>suite</th><th>outcome</th>
<th>expectations</th></tr>
{rows}
</table></body></html>
"""
