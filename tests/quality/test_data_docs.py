"""The Data Docs site keeps every layer's results of every run, with working links."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from layer_tables import AS_OF, add_mart_table, add_raw_tables, add_staging_tables

from vendor_recon.quality import run_checkpoint

LAYERS = ("raw", "staging", "marts")
# The index lists its validation rows as table data, each with its page.
ROW_LINK = re.compile(r"'_table_row_link_path': '(validations/[^']+)'")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src")]


def local_links(page: Path) -> list[str]:
    """The page's href and src targets inside the site (no URLs, no anchors)."""
    parser = _Links()
    text = page.read_text(encoding="utf-8")
    parser.feed(text)
    links = parser.links + ROW_LINK.findall(text)
    return [
        link
        for link in links
        if link and not urlsplit(link).scheme and not link.startswith("#")
    ]


def target(page: Path, link: str) -> Path:
    return (page.parent / unquote(urlsplit(link).path)).resolve()


@pytest.fixture(scope="module")
def every_layer(tmp_path_factory):
    """One warehouse holding clean raw, staging and marts tables."""
    path = tmp_path_factory.mktemp("layers") / "warehouse.duckdb"
    add_raw_tables(path)
    add_staging_tables(path)
    return add_mart_table(path)


@pytest.fixture(scope="module")
def site(every_layer):
    """The site after a run of every layer, then a second run of the marts."""
    docs_dir = every_layer.parent / "docs"
    for layer in LAYERS:
        as_of = AS_OF if layer == "raw" else None
        run_checkpoint(layer, every_layer, docs_dir, "run-1", as_of=as_of)
    run_checkpoint("marts", every_layer, docs_dir, "run-2")
    return docs_dir


def test_the_index_lists_every_suite_of_every_layer_and_run_newest_first(
    site, every_layer, stored_results
):
    stored = stored_results(every_layer, "run-1") + stored_results(every_layer, "run-2")
    ran = {(row["run_id"], row["suite_name"]) for row in stored}
    assert {row["layer"] for row in stored} == set(LAYERS)

    rows = [
        link.split("/") for link in ROW_LINK.findall((site / "index.html").read_text())
    ]
    # validations/<suite>/<run name>/<run time>/<batch>.html
    listed = [(unquote(parts[2]), parts[1]) for parts in rows]
    assert sorted(listed) == sorted(ran)
    run_times = [parts[3] for parts in rows]
    assert run_times == sorted(run_times, reverse=True)
    later = sum(run == "run-2" for run, _ in ran)
    assert [run for run, _ in listed] == ["run-2"] * later + ["run-1"] * (
        len(ran) - later
    )


def test_every_local_link_resolves_and_no_folder_is_left_empty(site):
    index = site / "index.html"
    pages = [index] + [target(index, link) for link in local_links(index)]
    pages = [page for page in pages if page.suffix == ".html"]
    assert len(pages) > 10

    missing = [
        (str(page.relative_to(site.resolve())), link)
        for page in pages
        for link in local_links(page)
        if not target(page, link).is_file()
    ]
    assert missing == []
    empty = [
        path for path in site.rglob("*") if path.is_dir() and not any(path.iterdir())
    ]
    assert empty == []


def test_the_offline_index_lists_every_result_with_its_outcome_and_no_url(
    site, every_layer, stored_results
):
    stored = stored_results(every_layer, "run-1") + stored_results(every_layer, "run-2")
    passed: dict[tuple[str, str], bool] = {}
    for row in stored:
        key = (row["run_id"], row["suite_name"])
        passed[key] = passed.get(key, True) and bool(row["success"])

    page = site / "runs.html"
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    links = [link for link in local_links(page) if link.startswith("validations/")]
    assert all(target(page, link).is_file() for link in links)
    # validations/<suite>/<run name>/<run time>/<batch>.html, in listed order.
    listed = [(unquote(link.split("/")[2]), link.split("/")[1]) for link in links]
    assert sorted(listed) == sorted(passed)
    assert listed[0][0] == "run-2"
    outcomes = re.findall(r'<span class="(ok|bad)">', text)
    assert outcomes == ["ok" if passed[key] else "bad" for key in listed]
