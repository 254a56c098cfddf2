"""Bulk work grows linearly with its size (issue 14): each figure at two sizes, the ratio.

    .venv/bin/python tests/bench/bench_growth.py [--small 100000] [--big 1000000] [--runs 3]
        [--backend sqlite|postgresql|mysql] [--only sweep,mass_edit,import,export] [--set NAME=VALUE]

Runs bench_core.py (sweep of SIZE/5 expired holds, mass edit of SIZE/10 DIDs by id, each
with its raw UPDATE + history baseline) and bench_csv.py (on SQLite the CSV import and
export of SIZE rows, with their raw-driver baselines; on PostgreSQL the import beside
`psql \\copy` and the export beside a psycopg cursor) at both sizes, each as its own
process with --runs medians, then prints for each figure our time at both sizes, the
growth (big / small; target <= 11x for 10x the work) and the ratio to the baseline at
each size. The machine is shared: run it more than once and trust ratios over seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORE = ("sweep", "mass_edit")
CSV = ("import", "export")
SLACK = 1.1  # 10x the work in <= 11x the time


def run(script: str, out: Path, *args: str) -> dict:
    cmd = [sys.executable, str(HERE / script), *args, "--json", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if not out.exists():
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "mysql"), default="sqlite")
    parser.add_argument("--only", default=",".join(CORE + CSV))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="MariaDB: to bench_core.py")
    args = parser.parse_args()
    wanted = [f for f in args.only.split(",") if f]
    work = Path(tempfile.mkdtemp(prefix="didtui-bench-growth-"))
    results: dict[int, dict] = {}
    for size in (args.small, args.big):
        found: dict = {}
        core = [f for f in wanted if f in CORE]
        if core:
            found |= run(
                "bench_core.py",
                work / f"core-{size}.json",
                "--backend",
                args.backend,
                "--size",
                str(size),
                "--runs",
                str(args.runs),
                "--only",
                ",".join(core),
                "--scale-work",
                *(a for setting in args.set for a in ("--set", setting)),
            )
        csv_figures = CSV if args.backend in ("sqlite", "postgresql") else ()
        if any(f in csv_figures for f in wanted):
            csv_dir = work / f"csv-{size}"
            found |= run(
                "bench_csv.py",
                work / f"csv-{size}.json",
                "--rows",
                str(size),
                "--runs",
                str(args.runs),
                "--dir",
                str(csv_dir),
                "--backend",
                args.backend,
            )
        results[size] = found
        print(f"measured {size:,}: {json.dumps(found)}", flush=True)

    small, big = results[args.small], results[args.big]
    target = SLACK * args.big / args.small
    print(
        f"\nGrowth, {args.backend}, medians of {args.runs}: {args.small:,} -> {args.big:,} ({args.big / args.small:g}x the work)"
    )
    print(
        f"| figure | ours @{args.small:,} | ours @{args.big:,} | growth (<= {target:g}x) | baseline's growth | vs baseline @small | vs baseline @big |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for figure in wanted:
        if figure not in small:
            continue
        a, b = small[figure]["ours"], big[figure]["ours"]
        base = "raw+events" if "raw+events" in small[figure] else "raw"
        growth = b / a
        print(
            f"| {figure} | {a:.2f} s | {b:.2f} s | {growth:.1f}x {'ok' if growth <= target else 'MISSED'} | "
            f"{big[figure][base] / small[figure][base]:.1f}x | {a / small[figure][base]:.2f}x {base} | {b / big[figure][base]:.2f}x {base} |"
        )


if __name__ == "__main__":
    main()
