"""Searches by name that never go into an address.

A name typed in a search box would otherwise end up in the browser's
history, the server's access logs and the Referer header. The form is
posted instead; the name is kept in the session under a random key, and the
page's address carries only that key (``?search=...``). The latest few are
kept, so that Back shows an earlier search.
"""

from __future__ import annotations

import secrets

SEARCH_PARAM = "search"
SEARCHES_KEPT = 5


def _session_key(kind: str) -> str:
    return f"{kind}_searches"


def remember(request, name: str, *, kind: str) -> str:
    """Keep ``name`` in the session; the key to put in the address."""
    key = secrets.token_urlsafe(12)
    kept = list(request.session.get(_session_key(kind), {}).items())
    request.session[_session_key(kind)] = {**dict(kept[-(SEARCHES_KEPT - 1) :]), key: name}
    return key


def recall(request, key: str, *, kind: str) -> str | None:
    """The name kept under ``key``, or None when it is unknown or has expired."""
    return request.session.get(_session_key(kind), {}).get(key)
