"""Opaque nextTokens: an offset bound to the filter of the request that made it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

# Parameters that may differ between pages without changing the result set.
PAGE_PARAMETERS = frozenset({"nextToken", "limit"})


class BadToken(ValueError):
    """A nextToken that is garbage or belongs to another filter."""


def filter_fingerprint(
    operation_id: str, account_id: str, params: Mapping[str, str]
) -> str:
    """A short hash of everything that decides which documents a request sees."""
    selected = {k: v for k, v in params.items() if k not in PAGE_PARAMETERS}
    text = json.dumps([operation_id, account_id, sorted(selected.items())])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_token(offset: int, fingerprint: str) -> str:
    return base64.b64encode(f"{offset:010d}:{fingerprint}".encode()).decode("ascii")


def decode_token(token: str, fingerprint: str) -> int:
    """The offset a token points at; BadToken unless it was made for this filter."""
    try:
        text = base64.b64decode(token.encode("ascii"), validate=True).decode("ascii")
        offset_text, token_fingerprint = text.split(":")
        offset = int(offset_text)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise BadToken("nextToken is not a token this API issued") from exc
    if token_fingerprint != fingerprint or offset < 0:
        raise BadToken(
            "nextToken was issued for another filter; repeat the first request's "
            "parameters with it"
        )
    return offset


def page(items: Sequence[T], offset: int, limit: int) -> tuple[list[T], int | None]:
    """One page and the offset of the next, or None when this is the last."""
    chunk = list(items[offset : offset + limit])
    following = offset + limit
    return chunk, following if following < len(items) else None


def pagination(next_offset: int | None, fingerprint: str) -> dict[str, Any]:
    """The `pagination` member of a payload: present only while more remain."""
    if next_offset is None:
        return {}
    return {"pagination": {"nextToken": encode_token(next_offset, fingerprint)}}
