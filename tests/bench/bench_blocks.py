"""Benchmark of the operator side (issue 13): the Blocks view and reconciliation.

    .venv/bin/python tests/bench/bench_blocks.py [--size 1000000] [--blocks 10000] [--runs 5]
        [--only view,reconcile] [--workdir DIR]

Builds an SQLite inventory of SIZE DIDs under one operator (mixed statuses) with BLOCKS
blocks covering it, then prints each figure beside its baseline from the same run:

- view: `blocks.list_blocks()` (counts by status per block, one query) against
  `operators.list_operators()` (what the Operators tab reads) over the same DIDs, target
  <= 1.0x ("opens as fast as the Operators tab"); and `blocks.longest_free_runs()`, which
  the view fills in after it has painted, against the same baseline;
- reconcile: `reconcile.reconcile()` of the operator's SIZE-row list (5 numbers fewer and
  5 more than we hold, so every category has rows) against `run_import` of the same file
  into an empty database, target <= 2.0x.

Times are medians of RUNS (the machine is shared: trust ratios over seconds).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import peak_mb  # noqa: E402

from didtui import db as dbmod  # noqa: E402
from didtui.config import Profile  # noqa: E402

FIRST = 10_000_000_000
STATUSES = ["in_stock"] * 6 + ["reserved", "blocked", "archived", "in_stock"]


def build(path: Path, size: int, n_blocks: int) -> None:
    """SIZE DIDs of one operator (no clients: statuses other than Active/Hold), blocks over them."""
    profile = Profile(name="bench", database=f"sqlite:///{path}", user="bench")
    dbmod.connect(profile).close()
    conn = sqlite3.connect(path)
    now = _dt.datetime(2026, 1, 1)
    conn.execute("INSERT INTO operator (name) VALUES ('Telia')")
    rows = (
        (str(FIRST + i), STATUSES[(i * 7) % len(STATUSES)], 1, "", "", "in_stock", 30, now, now, 1) for i in range(size)
    )
    conn.executemany(
        "INSERT INTO did (number, status, operator_id, tag, notes, after_hold, hold_days, created_at, updated_at,"
        " version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    per = max(1, size // n_blocks)
    conn.executemany(
        "INSERT INTO block (name, operator_id, first, last, monthly_cost, notes, created_at)"
        " VALUES (?, 1, ?, ?, 0.25, '', ?)",
        ((f"B{b:05d}", str(FIRST + b * per), str(FIRST + (b + 1) * per - 1), now) for b in range(n_blocks)),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def median_time(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def line(name: str, ours: float, base: float, target: float | None) -> str:
    ratio = ours / base if base else float("inf")
    mark = "" if target is None else (" ok" if ratio <= target else " MISSED")
    goal = f" (target <= {target:.1f}x)" if target else ""
    return f"{name:<34} {ours:8.3f} s   baseline {base:8.3f} s   {ratio:5.2f}x{goal}{mark}"


def bench_view(path: Path, runs: int) -> list[str]:
    from didtui.core import blocks, operators

    dbmod.connect(Profile(name="bench", database=f"sqlite:///{path}", user="bench"))
    operators.list_operators()  # warm the page cache alike for both
    base = median_time(operators.list_operators, runs)
    ours = median_time(blocks.list_blocks, runs)
    runs_time = median_time(blocks.longest_free_runs, max(1, runs // 2))
    dbmod.close()
    return [
        line("blocks view (counts)", ours, base, 1.0),
        line("longest free runs (after paint)", runs_time, base, None),
    ]


def write_list(path: Path, size: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("Number\n")
        for i in range(5, size + 5):
            out.write(f"{FIRST + i}\n")


def bench_reconcile(work: Path, loaded: Path, size: int, runs: int) -> list[str]:
    from didtui.core import reconcile
    from didtui.core.csvio import ImportOptions, inspect_file, run_import

    listing = work / "list.csv"
    write_list(listing, size)
    imports, recs = [], []
    for _ in range(runs):
        empty = work / "empty.db"
        for p in work.glob("empty.db*"):
            p.unlink()
        dbmod.connect(Profile(name="e", database=f"sqlite:///{empty}", user="bench"))
        from didtui.core import operators

        operators.create_operator("Telia")
        info = inspect_file(str(listing))
        t = time.perf_counter()
        run_import(info, ImportOptions(mapping=("did",), operator="Telia"))
        imports.append(time.perf_counter() - t)
        dbmod.close()
        copy = work / "copy.db"
        shutil.copy(loaded, copy)
        dbmod.connect(Profile(name="c", database=f"sqlite:///{copy}", user="bench"))
        info = inspect_file(str(listing))
        t = time.perf_counter()
        report = reconcile.reconcile(info, reconcile.ReconcileOptions(mapping=("did",), operator_id=1))
        recs.append(time.perf_counter() - t)
        assert report.listed == size and report.missing >= 5, report.summary()
        dbmod.close()
    return [line("reconcile (dry run)", statistics.median(recs), statistics.median(imports), 2.0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="view,reconcile")
    parser.add_argument("--workdir")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="didtui-bench-blocks-"))
    work.mkdir(parents=True, exist_ok=True)
    loaded = work / "loaded.db"
    t = time.perf_counter()
    if not loaded.exists():
        build(loaded, args.size, args.blocks)
    print(
        f"# {args.size:,} DIDs in {args.blocks:,} blocks (built in {time.perf_counter() - t:.1f} s), medians of {args.runs}"
    )
    only = set(args.only.split(","))
    out: list[str] = []
    if "view" in only:
        out += bench_view(loaded, args.runs)
    if "reconcile" in only:
        out += bench_reconcile(work, loaded, args.size, max(1, args.runs // 2 + 1))
    for text in out:
        print(text)
    print(f"peak memory {peak_mb():.0f} MB")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
