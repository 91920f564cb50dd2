"""Errors raised by the extraction layer; each names the account and operation."""

from __future__ import annotations


class ExtractionError(RuntimeError):
    """A failure that retrying will not fix: bad input, a refused window, no role."""

    def __init__(self, account_id: str, operation: str, message: str):
        self.account_id = account_id
        self.operation = operation
        super().__init__(f"account {account_id!r}, {operation}: {message}")


class TransientApiError(ExtractionError):
    """A failure worth retrying: throttling, 5xx, a dropped connection, a timeout."""

    def __init__(
        self,
        account_id: str,
        operation: str,
        message: str,
        *,
        status_code: int | None = None,
        throttled: bool = False,
    ):
        super().__init__(account_id, operation, message)
        self.status_code = status_code
        self.throttled = throttled


class StalledPageError(TransientApiError):
    """A page that answered no records and the very nextToken it was asked with."""


class PayloadShapeError(ExtractionError):
    """A 2xx answer whose body is not the shape the operation promises."""


class MissingRoleError(ExtractionError):
    """A 403 that a token refresh does not cure: the app lacks a role."""


class CredentialsError(ExtractionError):
    """The connection for an account is missing or incomplete."""
