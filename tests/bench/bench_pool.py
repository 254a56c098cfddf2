"""What one background job of the app costs on a server profile, with and without the pool.

A job is what tui/work.py's db_call runs on a worker thread: take this thread's
connection (core/session.job_connection), run a small core call (one page of the DIDs
table), give the connection back. Before issue 11 each job opened and closed its own
server session; now the session comes from playhouse.pool. Both are timed in the same run
against the same database, from the thread pool the app uses, and printed as a ratio.

    python tests/bench/bench_pool.py [--backend postgresql|mysql] [--jobs 300]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import peewee

from didtui import db as dbmod
from didtui.config import Profile
from didtui.core import filters, inventory, session
from didtui.core.numbers import parse_span
from didtui.models import database_proxy

URLS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/didtui_bench_pool",
    "mysql": "mysql://root@127.0.0.1:3306/didtui_bench_pool",
}


def _admin(kind: str, statement: str) -> None:
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(statement)
    else:
        import pymysql

        conn = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
        with conn.cursor() as cur:
            cur.execute(statement)
        conn.close()


def _job() -> int:
    with session.job_connection(read_only=True):
        return len(filters.page(filters.DIDFilter(), sort="number", limit=50))


def _time_jobs(n: int, workers: int) -> list[float]:
    def one(_: int) -> float:
        start = time.perf_counter()
        _job()
        return (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(one, range(n)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=sorted(URLS), default="postgresql")
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    kind = args.backend
    _admin(kind, "DROP DATABASE IF EXISTS didtui_bench_pool")
    _admin(kind, "CREATE DATABASE didtui_bench_pool")
    try:
        profile = Profile(name="bench", database=URLS[kind], user="bench", pool_size=args.workers + 1)
        pooled = dbmod.connect(profile, upgrade=True, pooled=True)
        inventory.create_dids([parse_span("15550000000-15550009999")])
        pooled.close()
        # Before: the same database object without a pool, as db.make_database built it.
        plain_class = peewee.PostgresqlDatabase if kind == "postgresql" else peewee.MySQLDatabase
        plain = plain_class(pooled.database, **pooled.connect_params)
        figures = {}
        for name, database in (("new connection per job", plain), ("pooled connection", pooled)):
            database_proxy.initialize(database)
            _time_jobs(20, args.workers)  # warm up
            times = _time_jobs(args.jobs, args.workers)
            figures[name] = statistics.median(times)
        base = figures["new connection per job"]
        print(f"{kind}: one background job (a 50-row page), median of {args.jobs}, {args.workers} workers")
        for name, ms in figures.items():
            print(f"  {name:<24} {ms:7.2f} ms   {ms / base:5.2f}x")
        pooled.close_all()
    finally:
        database_proxy.obj.close()
        _admin(kind, "DROP DATABASE IF EXISTS didtui_bench_pool")


if __name__ == "__main__":
    main()
