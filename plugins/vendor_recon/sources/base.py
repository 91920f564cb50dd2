"""What every SP-API source shares: a spec, paging, shape checks, landing of pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vendor_recon.landing import LandingWriter
from vendor_recon.sources.windows import Window, parse_iso, slices
from vendor_recon.spapi import schemas
from vendor_recon.spapi.client import AccountApi
from vendor_recon.spapi.errors import (
    ExtractionError,
    PayloadShapeError,
    StalledPageError,
)

log = logging.getLogger(__name__)

MAX_PAGES = 100_000


@dataclass(frozen=True)
class Pull:
    """One way of reading a source: an operation and the names of its window."""

    name: str
    after_param: str
    before_param: str


@dataclass(frozen=True)
class SourceSpec:
    """Everything the generic pager needs to know about one SP-API source."""

    name: str
    operation: str
    api_class: type
    method_name: str
    list_key: str
    record_definition: str
    model_file: str
    pulls: tuple[Pull, ...]
    document_key: Callable[[dict[str, Any]], str | None]
    document_updated_at: Callable[[dict[str, Any]], datetime | None]
    pull_dates: dict[str, Callable[[dict[str, Any]], datetime | None]]
    max_span: timedelta = timedelta(days=7)
    page_size: int = 100
    fixed_params: dict[str, str] = field(default_factory=dict)


@dataclass
class PullStats:
    pages: int = 0
    records: int = 0
    quarantined: int = 0
    out_of_window: int = 0
    slices: int = 0


def extract(
    spec: SourceSpec,
    api: AccountApi,
    window: Window,
    writer: LandingWriter,
) -> PullStats:
    """Read every pull of `spec` over `window`, streaming each page to `writer`."""
    stats = PullStats()
    client = api.client(spec.api_class)
    request = getattr(client, spec.method_name)
    for pull in spec.pulls:
        for piece in slices(window, spec.max_span):
            _read_slice(spec, api, request, pull, piece, writer, stats)
            stats.slices += 1
    log.info(
        "account %s, %s: read %s records in %s pages over %s slices "
        "(%s quarantined, %s outside their window)",
        api.account.account_id,
        spec.name,
        stats.records,
        stats.pages,
        stats.slices,
        stats.quarantined,
        stats.out_of_window,
    )
    return stats


def _read_slice(spec, api, request, pull, piece, writer, stats) -> None:
    after, before = piece.iso()
    params: dict[str, Any] = {
        **spec.fixed_params,
        "limit": spec.page_size,
        pull.after_param: after,
        pull.before_param: before,
    }
    check_parameter_names(spec, api.account.account_id, params)

    seen_tokens: set[str] = set()
    token: str | None = None
    page = 0
    while True:
        page_params = dict(params)
        if token:
            page_params["nextToken"] = token
        records, token = call_page(
            api,
            spec.operation,
            request,
            page_params,
            page,
            lambda body: page_records(spec, api.account.account_id, body),
        )
        writer.write_page(
            operation=spec.operation,
            pull=pull.name,
            window=piece,
            page_number=page,
            params=page_params,
            rows=_rows(spec, pull, piece, records, stats),
        )
        stats.pages += 1
        page += 1
        if not token:
            return
        if token in seen_tokens or page >= MAX_PAGES:
            raise ExtractionError(
                api.account.account_id,
                spec.operation,
                f"paging does not end: nextToken repeats after page {page}",
            )
        seen_tokens.add(token)


def call_page(
    api: AccountApi,
    operation: str,
    request: Callable[..., Any],
    params: dict[str, Any],
    page: int,
    read: Callable[[dict[str, Any]], tuple[list[Any], str | None]],
) -> tuple[list[Any], str | None]:
    """One page of a paged operation: its records and next token, via `read`.

    A page after the first that answers no records and hands back the very
    nextToken it was asked with has not moved on. Amazon's paging is known to
    hiccup mid-way (a valid token refused once, then accepted), and this is
    read as the same kind of hiccup: the page is asked again under the page
    retry policy, bounded in attempts and time, before the window is given
    up. Failing at once would fail every run that meets one hiccup; asking
    for ever would hang a task on a token that really loops.
    The error names the page by position, never the token's value, which
    may encode the query and is the key to the rest of the data.
    """
    sent = params.get("nextToken")
    stalls = 0

    def check(body: dict[str, Any]) -> None:
        nonlocal stalls
        records, token = read(body)
        if sent and token == sent and not records:
            stalls += 1
            raise StalledPageError(
                api.account.account_id,
                operation,
                f"page_number {page} answered no records and the nextToken it "
                "was asked with; asking again",
            )

    try:
        body, _headers = api.call(operation, request, params, check=check)
    except StalledPageError as exc:
        raise ExtractionError(
            api.account.account_id,
            operation,
            f"paging does not end: page_number {page}, asked with the nextToken "
            f"that page_number {page - 1} handed back, answered no records and "
            f"that same nextToken {stalls} times (its value is not shown)",
        ) from exc
    return read(body)


def check_parameter_names(spec: SourceSpec, account_id: str, params: dict) -> None:
    """Amazon ignores unknown parameters, so a typo would silently widen a pull."""
    known = schemas.operation_parameters(spec.operation)
    unknown = sorted(set(params) - known)
    if unknown:
        raise ExtractionError(
            account_id,
            spec.operation,
            f"parameter(s) {', '.join(unknown)} not in Amazon's model",
        )


def page_records(
    spec: SourceSpec, account_id: str, body: dict[str, Any]
) -> tuple[list[Any], str | None]:
    """The page's records and next token; a body of another shape is an error."""
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise PayloadShapeError(
            account_id,
            spec.operation,
            "field 'payload': missing or not an object (an empty answer is not an "
            "empty result)",
        )
    records = payload.get(spec.list_key)
    if records is None:
        raise PayloadShapeError(
            account_id,
            spec.operation,
            f"field 'payload.{spec.list_key}': missing (an empty answer is not an "
            "empty result)",
        )
    if not isinstance(records, list):
        raise PayloadShapeError(
            account_id,
            spec.operation,
            f"field 'payload.{spec.list_key}': expected a list, "
            f"got {type(records).__name__}",
        )
    pagination = payload.get("pagination") or {}
    token = pagination.get("nextToken") if isinstance(pagination, dict) else None
    return records, token or None


def _rows(
    spec: SourceSpec,
    pull: Pull,
    piece: Window,
    records: Iterable[Any],
    stats: PullStats,
) -> list[dict[str, Any]]:
    rows = []
    for index, record in enumerate(records):
        problems = schemas.record_problems(
            spec.model_file, spec.record_definition, record
        )
        key = spec.document_key(record) if isinstance(record, dict) else None
        updated = outside = None
        if not problems:
            try:
                updated = spec.document_updated_at(record)
                own_date = spec.pull_dates[pull.name](record)
            except (TypeError, ValueError) as exc:
                problems = [f"(dates): {exc}"]
            else:
                if own_date is not None:
                    outside = not piece.contains(own_date)
                    stats.out_of_window += outside
        if problems:
            stats.quarantined += 1
            log.warning(
                "%s record %s (document %s) quarantined: %s",
                spec.operation,
                index,
                key,
                "; ".join(problems[:3]),
            )
        stats.records += 1
        rows.append(
            {
                "record_number": index,
                "document_key": key,
                "document_updated_at": updated,
                "record": record,
                "quarantine_reason": "; ".join(problems) or None,
                "is_outside_window": None if problems else outside,
            }
        )
    return rows


def optional_date(value: Any) -> datetime | None:
    return parse_iso(value) if isinstance(value, str) and value else None
