"""Computed figures kept for a while, for the dashboards and the indicators API.

Computing a municipality's figures reads every session, match and referral
of the period: at the size of a large city or the whole country that takes
seconds (docs/benchmarks.md), too long for a page. The dashboards and the
API therefore take ``compute``, ``compute_targetable``, ``trend`` and
``reach_gap`` from here:

- a result younger than ``INDICATOR_CACHE_SECONDS`` is shown as it is;
- an older one (up to twice that age) is still shown, and a background job
  (``reports.tasks.refresh_figures``) computes it again, once, so the next
  visitor gets fresh figures without waiting;
- an even older one, or none, is computed in the request and kept.

Every page says when its figures were computed (``computed_at``). The beat
job ``warm_dashboards`` keeps the default view of every municipality (the
current school year, no filters) fresh, so an official opening the
dashboard does not wait for a computation either. Accountability reports
never come from here: a report is always computed when it is generated.

``INDICATOR_CACHE_SECONDS = 0`` turns the cache off (every view computes).
The key holds the scope, the period and the active language (the labels
are translated when computed); figures are the same for every user who may
see the scope, who may see them is checked before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from core.periods import Period

from .engine import compute, compute_targetable, reach_gap, trend
from .scope import IndicatorScope

logger = logging.getLogger(__name__)

# Changing what the engine returns (a new figure, another definition) must
# not show figures computed by the old code: bump this with such a change.
VERSION = 2


@dataclass(frozen=True)
class Remembered:
    value: Any
    computed_at: dt.datetime


def max_age() -> int:
    return int(getattr(settings, "INDICATOR_CACHE_SECONDS", 0))


def figures(scope: IndicatorScope, period: Period, *, refresh: bool = False) -> Remembered:
    """``compute(scope, period)``, as recently computed."""
    return _remember("compute", scope, _period_args(period), refresh=refresh)


def targetable(scope: IndicatorScope, period: Period, *, refresh: bool = False) -> Remembered:
    """``compute_targetable(scope, period)``, as recently computed."""
    return _remember("targetable", scope, _period_args(period), refresh=refresh)


def targetable_of_agreements(
    scopes: list[IndicatorScope], period: Period, *, refresh: bool = False
) -> dict[IndicatorScope, Remembered]:
    """``targetable`` of many agreement scopes, as recently computed.

    The ones not kept (or all, with ``refresh``) are computed together by
    ``agreements.targetable_per_agreement``, in a few queries for all of
    them, and kept under the same keys as ``targetable``; stale ones are
    refreshed in the background one by one, as ``targetable`` does.
    """
    from .agreements import targetable_per_agreement

    scopes = list(dict.fromkeys(scopes))
    age = max_age()
    args = _period_args(period)
    language = translation.get_language() or settings.LANGUAGE_CODE
    keys = {scope: _key("targetable", scope, args, language) for scope in scopes}
    kept = {} if refresh or age <= 0 else cache.get_many(list(keys.values()))
    result: dict[IndicatorScope, Remembered] = {}
    for scope, key in keys.items():
        entry = kept.get(key)
        if isinstance(entry, Remembered):
            result[scope] = entry
            if _stale(entry, age):
                _refresh_later("targetable", scope, args, key, language, age)
    missing = [scope for scope in scopes if scope not in result]
    if missing:
        now = timezone.now()
        computed = targetable_per_agreement(missing, period)
        fresh = {keys[scope]: Remembered(computed[scope], now) for scope in missing}
        _keep(fresh, age)
        result.update({scope: fresh[keys[scope]] for scope in missing})
    return result


def trend_of(scope: IndicatorScope, years: list[int], *, refresh: bool = False) -> Remembered:
    """``trend(scope, years)``, as recently computed."""
    return _remember("trend", scope, [int(y) for y in years], refresh=refresh)


def gap(scope: IndicatorScope, period: Period, *, refresh: bool = False) -> Remembered:
    """``reach_gap(scope, period)``, as recently computed."""
    return _remember("reach_gap", scope, _period_args(period), refresh=refresh)


# --- the machinery ----------------------------------------------------------------


def _period_args(period: Period) -> list[str]:
    return [period.start.isoformat(), period.end.isoformat()]


def _period(args: list[str]) -> Period:
    start, end = args
    return Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))


COMPUTATIONS: dict[str, Callable[[IndicatorScope, Any], Any]] = {
    "compute": lambda scope, args: compute(scope, _period(args)),
    "targetable": lambda scope, args: compute_targetable(scope, _period(args)),
    "trend": lambda scope, years: trend(scope, list(years)),
    "reach_gap": lambda scope, args: reach_gap(scope, _period(args)),
}


def key(kind: str, scope: IndicatorScope, args) -> str:
    """The cache key of ``kind`` for ``scope`` and ``args`` in the current language.

    For what is kept beside the figures and depends on them (the dashboard's
    rendered body, municipality.dashboards.pages); bumping VERSION drops it too.
    """
    return _key(kind, scope, args, translation.get_language() or settings.LANGUAGE_CODE)


@dataclass(frozen=True)
class _Derived:
    value: Any


def derived(
    kind: str,
    scope: IndicatorScope,
    key_args: Callable[[], Any],
    build: Callable[[], tuple[Any, dt.datetime | None]],
) -> Any:
    """What ``build`` makes from kept figures (a page body, an API answer), kept as well.

    ``build`` returns the value and when its oldest figure was computed. The
    value is kept (under ``key(kind, scope, key_args())``) for as long as
    that figure is fresh, so it never shows older figures than ``build``
    would; one built from figures that are being computed anew is not kept.
    With the cache off, ``build`` runs and ``key_args`` (which may read the
    database) does not.
    """
    age = max_age()
    if age <= 0:
        return build()[0]
    cache_key = key(kind, scope, key_args())
    kept = cache.get(cache_key)
    if isinstance(kept, _Derived):
        return kept.value
    value, computed_at = build()
    if computed_at is not None:
        timeout = int(age - (timezone.now() - computed_at).total_seconds())
        if timeout >= 1:
            cache.set(cache_key, _Derived(value), timeout=timeout)
    return value


def _key(kind: str, scope: IndicatorScope, args, language: str) -> str:
    raw = repr((kind, scope.as_dict(), args, language))
    return f"figures:v{VERSION}:{kind}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def _keep(entries: dict[str, Remembered], age: int) -> None:
    if age > 0:
        # Kept twice as long as it is fresh: the second half it is shown while
        # a background job computes it again.
        cache.set_many(entries, timeout=2 * age)


def _stale(entry: Remembered, age: int) -> bool:
    return (timezone.now() - entry.computed_at).total_seconds() > age


def _compute_and_keep(kind: str, scope: IndicatorScope, args, key: str, age: int) -> Remembered:
    entry = Remembered(value=COMPUTATIONS[kind](scope, args), computed_at=timezone.now())
    _keep({key: entry}, age)
    return entry


def _remember(kind: str, scope: IndicatorScope, args, *, refresh: bool) -> Remembered:
    age = max_age()
    if age <= 0:
        return Remembered(value=COMPUTATIONS[kind](scope, args), computed_at=timezone.now())
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = _key(kind, scope, args, language)
    entry = None if refresh else cache.get(key)
    if not isinstance(entry, Remembered):
        return _compute_and_keep(kind, scope, args, key, age)
    if _stale(entry, age):
        _refresh_later(kind, scope, args, key, language, age)
    return entry


def _refresh_later(kind: str, scope: IndicatorScope, args, key: str, language: str, age: int):
    """Queue one background computation of a stale entry (not one per visitor)."""
    if not cache.add(f"{key}:refreshing", 1, timeout=age):
        return
    from reports.tasks import refresh_figures

    try:
        refresh_figures.delay(kind, scope.as_dict(), args, language)
    except Exception as exc:  # the broker is down: the next visitor tries again
        cache.delete(f"{key}:refreshing")
        logger.warning(
            "Figures not refreshed: the task queue is unavailable (%s)", type(exc).__name__
        )


def refresh(kind: str, scope_data: dict, args, language: str) -> None:
    """The background job's work: compute one entry again and keep it."""
    scope = IndicatorScope(**scope_data)  # as_dict() gives exactly the fields
    with translation.override(language):
        key = _key(kind, scope, args, language)
        try:
            _compute_and_keep(kind, scope, args, key, max_age())
        finally:
            cache.delete(f"{key}:refreshing")
