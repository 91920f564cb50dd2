"""The GX context the checkpoints run in: a Data Docs site that keeps every run."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from vendor_recon.quality.offline_index import write_offline_index

logger = logging.getLogger(__name__)

DOCS_SITE = "vendor_recon"
# Inside the site folder, so that removing the site removes what it is built
# from; the site's own pages live in its expectations/ and validations/.
STORES_FOLDER = "gx_stores"


def docs_context(docs_dir: Path) -> Any:
    """A GX context whose suites and validation results persist in ``docs_dir``.

    The site index lists only what the suite and validation result stores
    hold, and deletes the pages of anything else: with in-memory stores each
    checkpoint would leave the site with its own suites only. Kept on disk,
    as a File Data Context keeps them, the stores hold every layer's results
    of every run. Data sources, validation definitions and checkpoints point
    at one run's scratch files, so they stay in memory and die with the run.
    """
    # GX's file stores and sites take absolute folders only (or a root).
    docs_dir = docs_dir.absolute()
    stores = docs_dir / STORES_FOLDER
    defaults = InMemoryStoreBackendDefaults()
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores={
            **defaults.stores,
            defaults.expectations_store_name: _file_store(
                "ExpectationsStore", stores / "expectations"
            ),
            defaults.validation_results_store_name: _file_store(
                "ValidationResultsStore", stores / "validations"
            ),
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def ensure_site(context: Any, docs_dir: Path) -> None:
    """Build the site if it has no index yet; used when no checkpoint ran.

    Without new results an existing site is current already, and a full build
    would render every stored result again.
    """
    if (docs_dir / "index.html").is_file():
        return
    context.build_data_docs(site_names=[DOCS_SITE])
    place_validation_favicon(docs_dir)
    write_offline_index(docs_dir)
    logger.info("Built the Data Docs site in %s", docs_dir)


def add_to_site(context: Any, docs_dir: Path, result_ids: list[Any]) -> None:
    """Render these validation results and their suites, then the index, once.

    A Checkpoint's UpdateDataDocsAction rebuilds the index after each suite's
    result, and each index build reads every stored result it lists.
    """
    suite_ids = {key.expectation_suite_identifier for key in result_ids}
    context.build_data_docs(
        site_names=[DOCS_SITE], resource_identifiers=[*result_ids, *suite_ids]
    )
    place_validation_favicon(docs_dir)
    write_offline_index(docs_dir)
    logger.info(
        "Added %s validation results of %s suites to the Data Docs in %s",
        len(result_ids),
        len(suite_ids),
        docs_dir,
    )


def place_validation_favicon(docs_dir: Path) -> None:
    """Put the favicon where GX's validation pages look for it.

    GX's favicon template climbs one folder fewer than the page is deep (its
    navbar climbs the right number), so every validation page asks for
    validations/static/images/favicon.ico. The site index does not list
    files there: it reads .html files only.
    """
    source = docs_dir / "static" / "images" / "favicon.ico"
    target = docs_dir / "validations" / "static" / "images" / "favicon.ico"
    if target.is_file() or not source.is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    logger.info("Copied the Data Docs favicon to %s", target)


def _file_store(class_name: str, folder: Path) -> dict[str, Any]:
    return {
        "class_name": class_name,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(folder),
        },
    }
