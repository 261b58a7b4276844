"""The benchmark suite: ``make bench`` or ``.venv/bin/python -m benchmarks``.

    .venv/bin/python -m benchmarks                    # everything; writes docs/benchmarks.md
    .venv/bin/python -m benchmarks --rebuild          # build both data sets again first
    .venv/bin/python -m benchmarks --scales city --seconds 5 --output /tmp/bench.md

1. Builds (or reuses) the city and national data sets (``benchmarks.dataset``).
2. City: serves the application with gunicorn on 127.0.0.1, and puts load on
   the main pages and API endpoints and on the minimal view with
   ``--clients`` concurrent clients (wrk); each also once without load
   (``benchmarks.probes pages``: queries, SQL time, slowest query plans).
3. National: the municipal dashboard and the indicators endpoint under load,
   the indicator computation for the largest municipality, and its annual
   report (seconds, peak memory) in a process of its own.
4. Batch matching of 2,000 pupils to 1,000 volunteers (``benchmarks.matching``),
   pure and end to end on PostgreSQL.
5. Writes the figures, the machine, the date and the targets met or missed
   to ``docs/benchmarks.md`` (and everything raw to ``benchmarks/out/``).

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust; ``BENCH_PG`` to
change) and ``wrk`` (``apt-get install wrk``; ``make bench`` installs it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import dataset, load
from .probes import API, FLOOR, OUT, PAGES

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def log(line: str) -> None:
    print(line, flush=True)


def django_env(scale: dataset.Scale) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=dataset.database_url(scale),
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        PYTHONPATH=str(ROOT),
    )
    # As in production the cache (and so the dashboards' kept figures) is one
    # Redis for every worker; jobs run in-process (no Celery worker runs).
    env.update(
        REDIS_URL=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7"),
        CELERY_BROKER_URL="memory://",
        CELERY_TASK_ALWAYS_EAGER="true",
        INDICATOR_CACHE_SECONDS="600",
    )
    return env


def run_json(args: list[str], env: dict, *, stream: bool = False) -> dict:
    """Run a Python module of the suite; its last stdout line is JSON."""
    process = subprocess.run(  # noqa: S603 (our own modules)
        [PYTHON, "-m", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=None if stream else subprocess.PIPE,
        text=True,
    )
    lines = process.stdout.strip().splitlines()
    if stream:
        for line in lines[:-1]:
            log(line)
    if process.returncode != 0 or not lines:
        sys.stderr.write(process.stdout[-3000:] + (process.stderr or "")[-3000:])
        raise SystemExit(f"python -m {' '.join(args)} failed ({process.returncode})")
    return json.loads(lines[-1])


def targets(credentials: dict, role: str, path: str, *, api: bool) -> list[dict]:
    rows = []
    for c in credentials[role]:
        url = path.format(programme=c.get("programme") or "")
        rows.append({"path": url, "headers": load.headers_for(c, api=api)})
    return rows


def measure(
    base: str, credentials: dict, endpoints: dict, *, clients: int, seconds: int, meter=None
) -> dict:
    results = {}
    for key, (label, path, role) in endpoints.items():
        api = path.startswith("/api/")
        rows = targets(credentials, role, path, api=api)
        single, problems = load.check(base, rows)
        if problems:
            raise SystemExit(f"{label}: not every client gets a page: {problems[:3]}")
        # A slow endpoint gets longer, so that it still answers a number of requests.
        duration = seconds if single < 1 else max(seconds, min(180, int(single * 12)))
        result = load.run_wrk(
            base,
            rows,
            clients=clients,
            seconds=duration,
            warmup=0 if single > 1 else 2,
            timeout=max(30, duration),
            meter=meter,
        )
        result.update(label=label, path=path, role=role, single_request_ms=round(single * 1000))
        results[key] = result
        log(
            f"  {label:36} {result['rps']:7.1f} req/s  p50 {result['p50_ms']:7.1f}  "
            f"p95 {result['p95_ms']:7.1f}  p99 {result['p99_ms']:7.1f} ms  "
            f"({result['requests']} requests, {result['errors']} errors, "
            f"CPU/request app {result['app_cpu_ms']} + db {result['db_cpu_ms']} ms, "
            f"load {result['load_after'][0]:.1f})"
        )
    return results


def serve_and_load(scale, env, credentials, endpoints, *, clients, seconds, workers) -> dict:
    floor = {"floor": FLOOR}
    log_path = OUT / f"gunicorn-{scale.name}.log"
    with load.server(env, workers=workers, log_path=log_path) as (base, master):
        log(f"{scale.name}: gunicorn with {workers} workers on {base}, {clients} clients")
        meter = load.CpuMeter(master, scale.database)
        options = {"clients": clients, "seconds": seconds, "meter": meter}
        first = measure(base, credentials, floor, **options)["floor"]
        results = measure(base, credentials, endpoints, **options)
        last = measure(base, credentials, floor, **options)["floor"]
    rps = (first["rps"] + last["rps"]) / 2
    results["floor"] = {**last, "rps": round(rps, 1), "runs": [first, last]}
    for _key, result in results.items():
        result["floor_ratio"] = round(result["rps"] / rps, 2) if rps else None
    return results


def machine() -> dict:
    def first(path: str, prefix: str) -> str:
        try:
            with open(path) as lines:
                return next((line for line in lines if line.startswith(prefix)), "")
        except OSError:
            return ""

    cpu = first("/proc/cpuinfo", "model name").partition(":")[2].strip()
    kib = first("/proc/meminfo", "MemTotal").split()[1:2]
    memory = f"{int(kib[0]) / 2**20:.0f} GiB" if kib else ""
    import psycopg

    with psycopg.connect(f"{dataset.PG_SERVER}/postgres") as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit")
        }
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "postgresql": version,
        "postgresql_settings": settings,
        "wrk": load.wrk_version(),
        "kernel": platform.release(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data sets again")
    parser.add_argument("--scales", default="city,national", help="city, national or both")
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients (10)")
    parser.add_argument("--seconds", type=int, default=15, help="seconds of load per endpoint")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers"
    )
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    # Stopped from outside: still stop the server (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    scales = [dataset.SCALES[name.strip()] for name in args.scales.split(",") if name.strip()]
    if load.wrk_version() is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it).")
    OUT.mkdir(exist_ok=True)
    started = time.perf_counter()
    results: dict = {
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_at_start": load.loadavg(),
        "settings": {"clients": args.clients, "seconds": args.seconds, "workers": args.workers},
        "scales": {},
    }
    for scale in scales:
        env = django_env(scale)
        build_args = ["benchmarks.dataset", scale.name] + (["--rebuild"] if args.rebuild else [])
        marker = run_json(build_args, env, stream=True)["marker"]
        credentials = run_json(["benchmarks.probes", "credentials", scale.name], env)
        entry: dict = {"dataset": marker}
        log(f"{scale.name}: the beat job warm-dashboards, from an empty cache")
        entry["warm"] = run_json(["benchmarks.probes", "warm", scale.name], env)
        if scale.name == "city":
            endpoints = {**PAGES, **API}
        else:
            endpoints = {
                k: v for k, v in {**PAGES, **API}.items() if k in ("dashboard", "api_indicators")
            }
        entry["load"] = serve_and_load(
            scale,
            env,
            credentials,
            endpoints,
            clients=args.clients,
            seconds=args.seconds,
            workers=args.workers,
        )
        log(f"{scale.name}: each page once, without load")
        if scale.name == "city":
            entry["pages"] = run_json(["benchmarks.probes", "pages", scale.name], env)
        log(f"{scale.name}: indicators of the largest municipality")
        entry["indicators"] = run_json(["benchmarks.probes", "indicators", scale.name], env)
        if scale.name == "national" or len(scales) == 1:
            log(f"{scale.name}: annual report of the largest municipality")
            entry["report"] = run_json(["benchmarks.probes", "report", scale.name], env)
        results["scales"][scale.name] = entry
    log("batch matching: 2,000 pupils, 1,000 volunteers")
    matching_env = django_env(scales[0])
    results["matching"] = run_json(["benchmarks.matching", "--db", "--json"], matching_env)
    results["load_at_end"] = load.loadavg()
    results["seconds"] = round(time.perf_counter() - started)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    from .markdown import write

    Path(args.output).write_text(write(results))
    log(f"wrote {args.output} and {OUT / 'results.json'} ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
