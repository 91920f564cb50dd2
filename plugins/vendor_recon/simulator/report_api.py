"""Reports API 2021-06-30 for vendor reports: create, poll, document, download."""

from __future__ import annotations

import gzip
import itertools
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vendor_recon.simulator.api import ApiAnswer, error_answer
from vendor_recon.simulator.contracts import body_problems
from vendor_recon.simulator.faults import DOCUMENT_DOWNLOAD, FaultAnswer
from vendor_recon.simulator.report_rules import (
    REPORT_TYPES,
    ReportFatal,
    ReportSpec,
    check_report_request,
)
from vendor_recon.simulator.report_shapes import document_bytes
from vendor_recon.simulator.reports import generated_report
from vendor_recon.simulator.serving import (
    OperationCall,
    operation_endpoint,
    serve_unauthenticated,
)
from vendor_recon.simulator.timestamps import iso_seconds, parse_timestamp
from vendor_recon.simulator.world import World

if TYPE_CHECKING:
    from vendor_recon.simulator.state import SimulatorState

log = logging.getLogger(__name__)

REPORTS = "/reports/2021-06-30"
DOCUMENTS_URL = "/_simulator/report-documents"
IN_QUEUE, IN_PROGRESS = "IN_QUEUE", "IN_PROGRESS"
DONE, FATAL, CANCELLED = "DONE", "FATAL", "CANCELLED"
# A report moves one status on with each poll, or each STEP_S of wall time.
STEP_S = 1.0
# Amazon's document URLs are presigned for five minutes.
URL_LIFETIME_S = 300.0
S3_DENIED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>{message}</Message></Error>"
)


@dataclass
class StoredReport:
    report_id: str
    account_id: str
    report_type: str
    marketplace_ids: tuple[str, ...]
    data_start: datetime | None
    data_end: datetime | None
    created_at: datetime
    created_monotonic: float
    outcome: str
    document_id: str | None
    polls: int = 0

    def status(self, elapsed_s: float) -> str:
        stage = max(self.polls - 1, int(elapsed_s // STEP_S))
        return (IN_QUEUE, IN_PROGRESS, self.outcome)[min(stage, 2)]


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    account_id: str
    content: bytes
    compressed: bool


class ReportDesk:
    """One app's reports, documents and document URLs (thread-safe)."""

    def __init__(
        self, state: SimulatorState, monotonic: Callable[[], float] = time.monotonic
    ):
        self.state = state
        self._monotonic = monotonic
        self._numbers = itertools.count(1)
        self._reports: dict[str, StoredReport] = {}
        self._documents: dict[str, StoredDocument] = {}
        self._urls: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def create_report(self, call: OperationCall) -> ApiAnswer:
        try:
            body = json.loads(call.body or b"null")
        except ValueError as exc:
            return error_answer(400, "InvalidInput", "The body is not JSON.", str(exc))
        problems = body_problems(
            "reports_2021-06-30.json", "CreateReportSpecification", body
        )
        if problems:
            return error_answer(
                400,
                "InvalidInput",
                "Invalid report specification.",
                "; ".join(problems),
            )
        report_type = REPORT_TYPES.get(body["reportType"])
        if report_type is None:
            return error_answer(
                400,
                "InvalidInput",
                f"Report type {body['reportType']} is not supported.",
                f"The simulator serves {', '.join(REPORT_TYPES)}.",
            )
        start, end = _time(body, "dataStartTime"), _time(body, "dataEndTime")
        for name, moment in (("dataStartTime", start), ("dataEndTime", end)):
            if moment is not None and moment > call.as_of:
                return error_answer(
                    400,
                    "InvalidInput",
                    f"{name} must be prior to or equal to the current date and time.",
                    f"{name}={iso_seconds(moment)}",
                )
        if start is not None and end is not None and end < start:
            return error_answer(
                400, "InvalidInput", "dataEndTime must not be before dataStartTime."
            )

        marketplace_ids = tuple(body["marketplaceIds"])
        options = {str(k): str(v) for k, v in (body.get("reportOptions") or {}).items()}
        try:
            spec = check_report_request(
                report_type,
                call.account,
                marketplace_ids,
                options,
                start,
                end,
                call.as_of,
            )
        except ReportFatal as fatal:
            outcome, content = FATAL, {"errorDetails": str(fatal)}
        else:
            content = report_content(self.state.world, spec)
            outcome = CANCELLED if content is None else DONE

        with self._lock:
            report_id = str(50_000_000_000 + next(self._numbers))
            document_id = None
            if content is not None:
                document_id = _document_id(call.account.region)
                self._documents[document_id] = StoredDocument(
                    document_id,
                    call.account.account_id,
                    document_bytes(content),
                    compressed=outcome == DONE,
                )
            self._reports[report_id] = StoredReport(
                report_id=report_id,
                account_id=call.account.account_id,
                report_type=report_type.name,
                marketplace_ids=marketplace_ids,
                data_start=start,
                data_end=end,
                created_at=call.as_of,
                created_monotonic=self._monotonic(),
                outcome=outcome,
                document_id=document_id,
            )
        log.info("report %s (%s) will end %s", report_id, report_type.name, outcome)
        return ApiAnswer(202, {"reportId": report_id})

    def get_report(self, call: OperationCall) -> ApiAnswer:
        report_id = call.params.get("reportId", "")
        with self._lock:
            report = self._reports.get(report_id)
            if report is None or report.account_id != call.account.account_id:
                return _not_found("report", report_id)
            report.polls += 1
            status = report.status(self._monotonic() - report.created_monotonic)
        answer: dict[str, Any] = {
            "reportType": report.report_type,
            "reportId": report.report_id,
            "marketplaceIds": list(report.marketplace_ids),
            "createdTime": iso_seconds(report.created_at),
            "processingStatus": status,
        }
        if report.data_start is not None:
            answer["dataStartTime"] = iso_seconds(report.data_start)
        if report.data_end is not None:
            answer["dataEndTime"] = iso_seconds(report.data_end)
        if status != IN_QUEUE:
            answer["processingStartTime"] = iso_seconds(report.created_at)
        if status not in (IN_QUEUE, IN_PROGRESS):
            answer["processingEndTime"] = iso_seconds(report.created_at)
            if report.document_id is not None:
                answer["reportDocumentId"] = report.document_id
        return ApiAnswer(200, answer)

    def get_report_document(self, call: OperationCall) -> ApiAnswer:
        document_id = call.params.get("reportDocumentId", "")
        with self._lock:
            document = self._documents.get(document_id)
            if document is None or document.account_id != call.account.account_id:
                return _not_found("report document", document_id)
            token = secrets.token_urlsafe(24)
            self._urls[token] = (document_id, self._monotonic() + URL_LIFETIME_S)
        answer = {
            "reportDocumentId": document_id,
            "url": f"{call.base_url}{DOCUMENTS_URL}/{token}",
        }
        if document.compressed:
            answer["compressionAlgorithm"] = "GZIP"
        return ApiAnswer(200, answer)

    def download(
        self,
        token: str,
        params: Mapping[str, str] | None = None,
        content_encoding: bool = False,
        charset: str | None = "utf-8",
    ) -> FaultAnswer:
        with self._lock:
            document_id, expires_at = self._urls.get(token, ("", 0.0))
            document = self._documents.get(document_id)
        if document is None:
            return _denied("Access Denied")
        if self._monotonic() >= expires_at:
            return _denied("Request has expired")
        content_type = "application/json"
        if charset:
            content_type += f"; charset={charset}"
        body = document.content
        if document.compressed:
            body = gzip.compress(body, mtime=0)
        headers: tuple[tuple[str, str], ...] = ()
        if content_encoding:
            # The mistake to survive: the bytes labelled as encoded for transit,
            # so an HTTP client inflates them before the caller's GZIP step.
            if not document.compressed:
                body = gzip.compress(body, mtime=0)
            headers = (("Content-Encoding", "gzip"),)
        return FaultAnswer(200, body, content_type, False, headers)


def report_content(world: Any, spec: ReportSpec) -> dict[str, Any] | None:
    """The world's document for a checked request; None means no data."""
    own = getattr(world, "report_document", None)
    if own is not None:
        return own(spec)
    if isinstance(world, World):
        return generated_report(world, spec)
    return None


def report_routes(state: SimulatorState) -> list[Route]:
    """The Reports API operations and the document URLs, over one desk per app."""
    desk = ReportDesk(state)

    async def download(request: Request) -> Response:
        token = request.path_params["token"]
        return await serve_unauthenticated(
            state,
            request,
            DOCUMENT_DOWNLOAD,
            lambda params=None, **hints: desk.download(token, params, **hints),
        )

    return [
        Route(
            f"{REPORTS}/reports",
            operation_endpoint(state, "createReport", desk.create_report),
            methods=["POST"],
        ),
        Route(
            f"{REPORTS}/reports/{{reportId}}",
            operation_endpoint(state, "getReport", desk.get_report),
            methods=["GET"],
        ),
        Route(
            f"{REPORTS}/documents/{{reportDocumentId}}",
            operation_endpoint(state, "getReportDocument", desk.get_report_document),
            methods=["GET"],
        ),
        Route(f"{DOCUMENTS_URL}/{{token}}", download, methods=["GET"]),
    ]


def _time(body: dict[str, Any], name: str) -> datetime | None:
    text = body.get(name)
    return None if text is None else parse_timestamp(text)


def _document_id(region: str) -> str:
    return (
        f"amzn1.spdoc.1.4.{region.lower()}.{uuid.uuid4()}.T{secrets.randbelow(10**13)}"
    )


def _not_found(kind: str, identifier: str) -> ApiAnswer:
    return error_answer(404, "NotFound", f"The {kind} was not found.", identifier)


def _denied(message: str) -> FaultAnswer:
    body = S3_DENIED.format(message=message).encode()
    return FaultAnswer(403, body, "application/xml", False)
