"""Measurements inside Django, against one benchmark database.

    .venv/bin/python -m benchmarks.probes credentials city   # sessions and API tokens (JSON)
    .venv/bin/python -m benchmarks.probes pages city         # queries and time per page, one user
    .venv/bin/python -m benchmarks.probes indicators national
    .venv/bin/python -m benchmarks.probes report national    # the annual report, in its own process

``python -m benchmarks`` runs these in subprocesses with ``DATABASE_URL`` set
to the data set's database and ``DJANGO_SETTINGS_MODULE=benchmarks.settings``;
each prints one JSON document on its last line.

- ``credentials``: the benchmark's clients are real users of the data set:
  the two project leaders of each of the five largest initiatives, the
  referrers of the ten schools that referred most, and the officials of the
  largest municipality. Each gets a session made directly in the session
  store (as a login would: user id, backend, password hash, start time) and
  a read-only personal API token (older benchmark tokens are removed first).
- ``pages``: every page and endpoint once per role with Django's test client,
  after one warm-up request: status, size, number of queries, time in SQL,
  total time, and the slowest queries (with ``EXPLAIN ANALYZE`` written to the
  output folder).
- ``indicators``: ``compute()`` of the indicator engine for the largest
  municipality and the current school year, and the whole municipal dashboard
  selector, three times each (once when the first run takes over 10 s), with
  their queries.
- ``report``: the municipal overview (annual report) of the largest
  municipality for the last complete school year, generated as the Celery job
  does (``reports.services.report_generate``), timed, with this process's
  peak resident memory (``ru_maxrss``) and when each step ended. (No
  ``tracemalloc``: it slows the PDF rendering several times over.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

PAGES = {
    # key: (label, path, role); a path with {programme} gets the user's largest waitlist
    "inbox": ("Project leader inbox", "/intake/", "leader"),
    "waitlist": ("Waitlist (largest programme)", "/wachtlijst/?programme={programme}", "leader"),
    "matches": ("Match list", "/koppelingen/", "leader"),
    "volunteers": ("Volunteer list", "/vrijwilligers/", "leader"),
    "school": ("School referrer list", "/aanmeldingen/", "referrer"),
    "dashboard": ("Municipal dashboard", "/dashboard/", "official"),
    "reports": ("Reports list", "/rapportages/", "official"),
}
API = {
    "api_referrals": ("API referrals", "/api/v1/referrals/", "leader"),
    "api_matches": ("API matches", "/api/v1/matches/", "leader"),
    "api_volunteers": ("API volunteers", "/api/v1/volunteers/", "leader"),
    "api_contact_moments": ("API contact moments", "/api/v1/contact-moments/", "leader"),
    "api_indicators": ("API indicators", "/api/v1/indicators/", "official"),
}
FLOOR = ("Minimal view (one query)", "/bench/floor/", "leader")
LIST_PAGES = ("inbox", "waitlist", "matches", "volunteers", "school", "reports")


def _emit(data) -> None:
    print(json.dumps(data, default=str))


def _largest_municipality():
    from django.db.models import Count

    from municipality.models import Municipality

    return Municipality.objects.annotate(n=Count("schools__pupils")).order_by("-n", "pk").first()


def bench_users() -> dict[str, list]:
    """The users the load is put on behalf of, per role (see the module docstring)."""
    from django.db.models import Count

    from accounts.models import Membership, Role
    from initiatives.models import Initiative
    from referrals.models import Referral
    from schools.models import SchoolLocation

    initiatives = (
        Initiative.objects.annotate(n=Count("programmes__referrals"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)[:5]
    )
    leaders = [
        m.user
        for m in Membership.objects.filter(
            role=Role.PROJECT_LEADER, initiative__in=list(initiatives)
        )
        .select_related("user")
        .order_by("initiative_id", "user_id")
    ]
    schools = (
        Referral.objects.exclude(referring_school=None)
        .values("referring_school")
        .annotate(n=Count("pk"))
        .order_by("-n", "referring_school")
        .values_list("referring_school", flat=True)[:10]
    )
    order = {pk: i for i, pk in enumerate(schools)}
    referrers = sorted(
        (
            m
            for m in Membership.objects.filter(
                role=Role.SCHOOL_REFERRER, school__in=list(schools)
            ).select_related("user")
        ),
        key=lambda m: order[m.school_id],
    )
    municipality = _largest_municipality()
    officials = [
        m.user
        for m in Membership.objects.filter(role=Role.MUNICIPAL_OFFICIAL, municipality=municipality)
        .select_related("user")
        .order_by("user_id")[:10]
    ]
    del SchoolLocation
    return {"leader": leaders, "referrer": [m.user for m in referrers], "official": officials}


def _largest_waitlist(user) -> int | None:
    from django.db.models import Count, Q

    from initiatives.models import Programme

    best = (
        Programme.objects.managed_by(user)
        .annotate(n=Count("referrals", filter=Q(referrals__status="waiting")))
        .order_by("-n", "pk")
        .first()
    )
    return best.pk if best else None


def credentials() -> dict:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from accounts.models import ApiToken
    from accounts.tokens import api_token_create
    from core.middleware import SESSION_STARTED_KEY

    users = bench_users()
    Session.objects.all().delete()  # the benchmark database only: old benchmark sessions
    result: dict = {}
    for role, people in users.items():
        rows = []
        for user in people:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session[SESSION_STARTED_KEY] = int(time.time())
            session.create()
            ApiToken.objects.filter(user=user, name="benchmark").delete()
            _token, secret = api_token_create(user=user, name="benchmark", read_only=True)
            rows.append(
                {
                    "user": user.email,
                    "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                    "token": secret,
                    "programme": _largest_waitlist(user) if role == "leader" else None,
                }
            )
        result[role] = rows
    municipality = _largest_municipality()
    result["municipality"] = {"id": municipality.pk, "name": municipality.name}
    return result


# --- queries ---------------------------------------------------------------------------


class QueryLog:
    """Every query with its own duration (a database execute wrapper)."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql, params))

    @property
    def seconds(self) -> float:
        return sum(q[0] for q in self.queries)

    def slowest(self, n: int = 3) -> list[tuple[float, str, tuple]]:
        return sorted(self.queries, key=lambda q: q[0], reverse=True)[:n]


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _summarise(log: QueryLog, *, name: str, plans) -> list[dict]:
    slow = []
    for seconds, sql, params in log.slowest():
        if sql.lstrip().upper().startswith("SELECT"):
            plans.write(f"=== {name}: {seconds * 1000:.1f} ms\n{sql}\n-- params: {params}\n")
            try:
                plans.write(explain(sql, params) + "\n\n")
            except Exception as exc:  # an EXPLAIN is a diagnosis, not the measurement
                plans.write(f"(EXPLAIN failed: {exc})\n\n")
        slow.append({"ms": round(seconds * 1000, 1), "sql": sql[:300]})
    return slow


def pages(scale: str) -> dict:
    from django.db import connection
    from django.test import Client

    users = bench_users()
    OUT.mkdir(exist_ok=True)
    result = {}
    with open(OUT / f"plans-{scale}-pages.txt", "w") as plans:
        for key, (label, path, role) in {**PAGES, **API, "floor": FLOOR}.items():
            user = users[role][0]
            client = Client()
            client.force_login(user)
            url = path.format(programme=_largest_waitlist(user) if role == "leader" else "")
            client.get(url)  # warm-up (imports, caches)
            runs = []
            for _n in range(3):
                log = QueryLog()
                started = time.perf_counter()
                with connection.execute_wrapper(log):
                    response = client.get(url)
                runs.append((time.perf_counter() - started, log, response))
            took, log, response = sorted(runs, key=lambda r: r[0])[1]
            result[key] = {
                "label": label,
                "url": url,
                "user": user.email,
                "status": response.status_code,
                "bytes": len(response.content),
                "queries": len(log.queries),
                "sql_ms": round(log.seconds * 1000, 1),
                "total_ms": round(took * 1000, 1),
                "slowest": _summarise(log, name=f"{key} {url}", plans=plans),
            }
    return result


def warm(scale: str) -> dict:
    """The beat job ``warm-dashboards`` from an empty cache: every municipality's default view."""
    from django.core.cache import cache

    from municipality.dashboards.warm import warm_dashboards

    cache.clear()
    started = time.perf_counter()
    done = warm_dashboards()
    return {"seconds": round(time.perf_counter() - started, 1), "municipalities": done}


def indicators(scale: str) -> dict:
    from django.db import connection
    from django.test.utils import override_settings

    from core.periods import Period, school_year_start
    from municipality.dashboards.selectors import DashboardFilters, municipal_dashboard
    from reports.indicators import IndicatorScope, compute

    municipality = _largest_municipality()
    official = bench_users()["official"][0]
    year = school_year_start(dt.date.today() - dt.timedelta(days=1))
    period = Period.school_year(year)
    OUT.mkdir(exist_ok=True)
    result = {"municipality": municipality.name, "period": period.label}

    def dashboard():
        return municipal_dashboard(
            user=official, filters=DashboardFilters(period=period, municipality=municipality)
        )

    def computed(call):
        with override_settings(INDICATOR_CACHE_SECONDS=0):  # as if nothing were kept
            return call()

    dashboard()  # the kept figures, if the warm probe left none
    with open(OUT / f"plans-{scale}-indicators.txt", "w") as plans:
        for key, call in (
            ("compute", lambda: compute(IndicatorScope.for_municipality(municipality), period)),
            ("dashboard", lambda: computed(dashboard)),
            ("dashboard_kept", dashboard),
        ):
            times, logs = [], []
            for _n in range(3):
                log = QueryLog()
                started = time.perf_counter()
                with connection.execute_wrapper(log):
                    call()
                times.append(time.perf_counter() - started)
                logs.append(log)
                if times[0] > 10:  # slow enough: one run tells it
                    break
            log = logs[-1]
            result[key] = {
                "seconds": [round(t, 3) for t in times],
                "median_s": round(statistics.median(times), 3),
                "queries": len(log.queries),
                "sql_ms": round(log.seconds * 1000, 1),
                "slowest": _summarise(log, name=key, plans=plans),
            }
    return result


def report(scale: str) -> dict:
    """One annual report, generated in this process (run it in its own subprocess)."""
    from core.periods import Period, school_year_start
    from reports.models import Report
    from reports.services import report_generate

    municipality = _largest_municipality()
    year = school_year_start(dt.date.today() - dt.timedelta(days=1)) - 1
    period = Period.school_year(year)
    latest = (
        Report.objects.filter(
            kind=Report.Kind.MUNICIPAL_OVERVIEW,
            municipality=municipality,
            period_start=period.start,
            period_end=period.end,
        )
        .order_by("-version")
        .first()
    )
    report = Report.objects.create(
        kind=Report.Kind.MUNICIPAL_OVERVIEW,
        municipality=municipality,
        period_start=period.start,
        period_end=period.end,
        version=(latest.version if latest else 0) + 1,
    )
    from reports import services

    # When each step ended: the job reports its progress (figures, snapshot).
    phases: dict[int, float] = {}
    set_progress = services._set_progress

    def record(report_id: int, progress: int) -> None:
        phases[progress] = time.perf_counter() - started
        set_progress(report_id, progress)

    services._set_progress = record
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cpu = time.process_time()
    made = report_generate(report_id=report.pk)
    took = time.perf_counter() - started
    services._set_progress = set_progress
    cpu = time.process_time() - cpu
    report.refresh_from_db()
    size = report.file.size if report.file else 0
    return {
        "municipality": municipality.name,
        "period": period.label,
        "made": made,
        "status": report.status,
        "error": report.error,
        "seconds": round(took, 2),
        "cpu_seconds": round(cpu, 2),
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pdf_kb": round(size / 1024, 1),
        "figures_s": round(phases.get(services.PROGRESS_FIGURES, 0), 2),
        "snapshot_s": round(phases.get(services.PROGRESS_SNAPSHOT, 0), 2),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in ("credentials", "pages", "indicators", "report", "warm"):
        print(__doc__, file=sys.stderr)
        return 2
    what, scale = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    if what == "credentials":
        _emit(credentials())
    else:
        _emit(globals()[what](scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
