"""What the open app's change watch costs: `changes.marker()` every 2.5 s, at 1M DIDs.

    python tests/bench/bench_changes.py [--backend postgresql|sqlite] [--size 1000000]

Builds SIZE DIDs and SIZE events (bench_core's base inventory, events added with COPY /
executemany), then times, on one connection as the app's worker would use it:
  - `changes.marker()`: the watch's one query (newest event id, small-table summaries);
  - baseline: `SELECT 1` (a round trip) and a 100-row keyset page of the DID table
    (what the table reads on every scroll).
Each figure is the median of RUNS calls, printed beside the baselines as a ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core

RUNS = 50


def add_events(backend: str, where: str, size: int) -> None:
    conn = bench_core.raw_connect(backend, where)
    at = bench_core.now()
    rows = (
        (at, "bench", f"{bench_core.FIRST + i:011d}", "create", '{"status": ["", "in_stock"]}', "b1")
        for i in range(size)
    )
    columns = "at, actor, did_number, action, changes, batch"
    if backend == "sqlite":
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO event ({columns}) VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    else:
        with conn.cursor().copy(f"COPY event ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute("VACUUM ANALYZE event")
    conn.close()


def median_ms(fn, runs: int = RUNS) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-changes-")
    where = f"{work}/changes.db" if args.backend == "sqlite" else "didtui_bench_changes"
    started = time.perf_counter()
    bench_core.build_base(args.backend, where, args.size)
    add_events(args.backend, where, args.size)
    print(
        f"built {args.size:,} DIDs and {args.size:,} events on {args.backend} in {time.perf_counter() - started:.0f} s"
    )

    from didtui import db as dbmod
    from didtui.core import changes, filters

    database = dbmod.connect(bench_core.profile_for(args.backend, where))
    round_trip = median_ms(lambda: database.execute_sql("SELECT 1").fetchall())
    page = median_ms(lambda: filters.page(sort="number", limit=100))
    marker = median_ms(changes.marker)
    print(f"SELECT 1 (baseline)        {round_trip:8.2f} ms")
    print(f"keyset page, 100 rows      {page:8.2f} ms")
    print(
        f"changes.marker()           {marker:8.2f} ms   {marker / round_trip:5.1f}x SELECT 1, {marker / page:5.2f}x a page"
    )
    print(f"every 2.5 s: {marker / 2500 * 100:.3f}% of one connection's time")
    database.close()
    if args.backend == "postgresql":
        bench_core.pg_admin(f"DROP DATABASE IF EXISTS {where} WITH (FORCE)")


if __name__ == "__main__":
    main()
