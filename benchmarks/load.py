"""The benchmark server (gunicorn on loopback) and the load on it (wrk).

The server is the application as deployed (``config.wsgi``, gunicorn sync
workers) with ``benchmarks.settings``, bound to a free port on 127.0.0.1. The
load comes from Debian's ``wrk``: a fixed number of connections (the
concurrent clients), each sending its next request as soon as the previous
answer arrived, for a fixed time. A Lua script sends every request with the
next client's credentials (session cookie or API token) and path in turn,
and prints wrk's latency percentiles as JSON. Every address is on this
machine; every run is bounded in time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = r"""
local targets = __TARGETS__
local n = 0
request = function()
  n = n + 1
  local t = targets[(n % #targets) + 1]
  return wrk.format("GET", t.path, t.headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"status_errors":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"timeouts":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> tuple[float, float, float]:
    with open("/proc/loadavg") as f:
        one, five, fifteen = f.read().split()[:3]
    return float(one), float(five), float(fifteen)


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU time of the gunicorn workers and of the database's backends over a measurement.

    Unlike latencies, CPU seconds per request hardly change when other work
    shares the machine, so they tell what a request costs.
    """

    def __init__(self, master: int | None, database: str | None) -> None:
        self.master, self.database = master, database

    def _backends(self) -> list[int]:
        if not self.database:
            return []
        import psycopg

        from .dataset import PG_SERVER

        with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
            ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self) -> dict[str, dict[int, float]]:
        workers = children(self.master) if self.master else []
        return {
            "app": {pid: process_cpu(pid) for pid in workers},
            "db": {pid: process_cpu(pid) for pid in self._backends()},
        }

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        return {
            side: sum(
                max(0.0, cpu - before[side].get(pid, 0.0)) for pid, cpu in after[side].items()
            )
            for side in ("app", "db")
        }


def wrk_version() -> str | None:
    path = shutil.which("wrk")
    if not path:
        return None
    out = subprocess.run([path, "-v"], capture_output=True, text=True)  # noqa: S603
    return (out.stdout + out.stderr).strip().splitlines()[0]


@contextmanager
def server(env: dict, *, workers: int, log_path: Path):
    """gunicorn serving the application on 127.0.0.1; stopped (its process group) on exit."""
    port = free_port()
    env = {**env, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--timeout", "120",
        "--backlog", "256",
        "--preload",
        "--log-level", "warning",
    ]  # fmt: skip
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 (our gunicorn)
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start; see {log_path}")
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /health/ within 300 s; see {log_path}")
            time.sleep(0.5)
        yield base, process.pid
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def headers_for(credential: dict, *, api: bool) -> dict[str, str]:
    if api:
        return {"Authorization": f"Bearer {credential['token']}", "Accept": "application/json"}
    return {"Cookie": credential["cookie"]}


def _get(base: str, target: dict) -> str | None:
    """None when the target answers 200, else what it answered."""
    request = urllib.request.Request(  # noqa: S310 (http on loopback)
        base + target["path"], headers=target["headers"]
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=600) as answer:
            return None if answer.status == 200 else f"{target['path']}: {answer.status}"
    except urllib.error.HTTPError as error:
        return f"{target['path']}: {error.code} {error.headers.get('Location', '')}"


def check(base: str, targets: list[dict]) -> tuple[float, list[str]]:
    """Every target answers 200 (not a redirect to the login or the MFA setup).

    Returns the seconds the first request took alone, and the problems. The
    others are asked at once, so a slow page costs one request's time.
    """
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    first = _get(base, targets[0])
    alone = time.perf_counter() - started
    if alone > 2:
        # Too slow to ask ten times over: the other clients' credentials were
        # checked on a faster page of the same role, and wrk counts errors.
        return alone, [first] if first else []
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        rest = list(pool.map(lambda t: _get(base, t), targets[1:]))
    return alone, [p for p in [first, *rest] if p]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _lua_table(targets: list[dict]) -> str:
    def quote(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid Lua string here (ASCII)

    rows = []
    for t in targets:
        headers = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in t["headers"].items())
        rows.append(f"{{path = {quote(t['path'])}, headers = {{{headers}}}}}")
    return "{" + ", ".join(rows) + "}"


def run_wrk(
    base: str,
    targets: list[dict],
    *,
    clients: int,
    seconds: int,
    warmup: int = 2,
    timeout: int = 30,
    meter: CpuMeter | None = None,
) -> dict:
    """Load ``targets`` (round robin) with ``clients`` connections for ``seconds``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.replace("__TARGETS__", _lua_table(targets)))
    try:
        threads = str(min(2, clients))
        common = [
            "wrk",
            "-t",
            threads,
            "-c",
            str(clients),
            "--timeout",
            f"{timeout}s",
            "-s",
            script.name,
        ]
        if warmup:
            subprocess.run(  # noqa: S603
                [*common, "-d", f"{warmup}s", base], capture_output=True, text=True
            )
        before = loadavg()
        cpu_before = meter.sample() if meter else None
        out = subprocess.run(  # noqa: S603
            [*common, "-d", f"{seconds}s", base], capture_output=True, text=True, check=True
        )
        after = loadavg()
        cpu_after = meter.sample() if meter else None
    finally:
        os.unlink(script.name)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = data["duration_us"] / 1e6
    errors = sum(data[k] for k in data if k.endswith("_errors")) + data["timeouts"]
    cpu = CpuMeter.used(cpu_before, cpu_after) if meter else {"app": 0.0, "db": 0.0}
    per_request = max(1, data["requests"])
    return {
        "app_cpu_ms": round(cpu["app"] * 1000 / per_request, 1),
        "db_cpu_ms": round(cpu["db"] * 1000 / per_request, 1),
        "requests": data["requests"],
        "rps": round(data["requests"] / seconds_run, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p90_ms": round(data["p90_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        "errors": errors,
        "kb_per_response": round(data["bytes"] / max(1, data["requests"]) / 1024, 1),
        "load_before": before,
        "load_after": after,
        "seconds": round(seconds_run, 1),
    }
