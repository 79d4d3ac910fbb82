"""Hiding secrets in URLs before they reach logs, error messages or the database."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

# Query parameters that carry credentials in camera URLs (vendor APIs put tokens there).
_SECRET_PARAMS = frozenset(
    {"password", "passwd", "pwd", "pass", "token", "access_token", "key", "api_key", "secret"}
)
# Fallback for strings urlsplit cannot take apart: "scheme://user:secret@host".
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):[^/\s]*@")


def mask_url(text: str) -> str:
    """`text` with the password of any `scheme://user:password@host` and secret query values
    replaced by `***`. Plain paths and device names come back unchanged."""
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, hostport = netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{MASK}@{hostport}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(k.lower() in _SECRET_PARAMS for k, _ in pairs):
                masked = [(k, MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs]
                query = urlencode(masked, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        # A malformed URL (bad port, stray brackets) must still not leak its password.
        return mask_in_text(text)


def mask_in_text(text: str) -> str:
    """Free text (an error message) with the password of every URL in it masked."""
    return _USERINFO.sub(lambda m: f"{m.group('head')}:{MASK}@", text)
