"""The one indicator engine: every figure for a scope and a period.

Dashboards, PDF reports, exports and the API all call :func:`compute`; the
definitions are in docs/indicators.md. The database does the counting over
sessions, matches and referrals, in a fixed number of queries whatever the
amount of data; Python only adds up rows the database already reduced (one
per pupil and programme reached, ids per programme for funding agreements).
"""

from .engine import compute, reach_gap, trend
from .scope import IndicatorScope
from .types import Figure, IndicatorSet, Table

__all__ = ["Figure", "IndicatorScope", "IndicatorSet", "Table", "compute", "reach_gap", "trend"]
