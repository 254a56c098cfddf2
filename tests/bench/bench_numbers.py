"""Numbers benchmark (issue 8): the one reader on real forms, beside raw baselines.

    .venv/bin/python tests/bench/bench_numbers.py [--rows 1000000] [--runs 3] [--dir /tmp/didtui-numbers]
        [--verify]

- import: ROWS rows of carriers' numbers in mixed written forms (`+44 20 7946 0123`,
  `020 7946 0123`, `0044 20 7946 0123`, `(020) 7946-0123`, `tel:+44-20-7946-0123`,
  `+1 201-555-0123`, `0049 30 12345678`, ...) imported under a GB profile at the "valid"
  level (every number read, validated, stored as E.164 with country, type and place),
  against `csv.reader` + sqlite3 `executemany` of the raw cells (no reading at all):
  target <= 1.5x.
- range: `inventory.create_dids` of a 1,000,000-number range `+44 20 3000 0000-+44 20
  3099 9999` (validated per key, derived columns written) against sqlite3 `executemany`
  of the same numbers: target <= 1.3x.
- --verify: every number of the benchmark file, read by the fast path and by the
  library alone (`phonenumbers.parse`, `is_valid_number`, `number_type`, geocoder):
  prints how many disagree (must be 0). Slow: the library costs ~100 us a number.

Each measurement runs in its own process; medians of RUNS runs, with the ratio of each
run's pair (run back to back).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Carrier blocks of 10,000 numbers (E.164 without the last four digits), all valid.
BLOCKS = (
    ["44207946"]
    + [f"4420{a}{b:03d}" for a in (3, 7, 8) for b in range(100, 130)]
    + [f"44161{b:03d}" for b in range(200, 215)]
    + [f"1201{b:03d}" for b in range(200, 230)]
    + [f"1212{b:03d}" for b in range(200, 210)]
    + [f"4930{b:04d}" for b in range(1200, 1210)]
)


def forms(e164: str, rng: random.Random) -> str:
    """One written form of a number, as carriers' files and people write them."""
    if e164.startswith("44"):
        national = "0" + e164[2:]
        n = e164[2:]
        choices = (
            f"+44 {n[:2]} {n[2:6]} {n[6:]}" if n.startswith("2") else f"+44 {n[:3]} {n[3:6]} {n[6:]}",
            f"{national[:3]} {national[3:7]} {national[7:]}",
            f"0044 {n}",
            f"({national[:3]}) {national[3:7]}-{national[7:]}",
            f"tel:+44-{n[:2]}-{n[2:6]}-{n[6:]}",
            e164,
        )
    elif e164.startswith("1"):
        n = e164[1:]
        choices = (f"+1 {n[:3]}-{n[3:6]}-{n[6:]}", f"001 {n[:3]} {n[3:6]} {n[6:]}", f"+{e164}")
    else:
        choices = (f"+49 {e164[2:4]} {e164[4:]}", f"0049 {e164[2:]}", f"+{e164}")
    return rng.choice(choices)


def numbers(rows: int) -> list[str]:
    per_block = 10_000
    out = [f"{block}{i:04d}" for block in BLOCKS for i in range(per_block)]
    if rows > len(out):
        raise SystemExit(f"at most {len(out):,} rows")
    random.Random(3).shuffle(out)
    return out[:rows]


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["DID", "Operator", "Status", "Tag"])
        for i, e164 in enumerate(numbers(rows)):
            writer.writerow([forms(e164, rng), "Colt Numbers", "In Stock", ("gold", "silver", "")[i % 3]])


def fresh_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    from didtui import db as dbmod
    from didtui.config import Profile
    from didtui.core.operators import create_operator

    dbmod.connect(Profile(name="bench", database=f"sqlite:///{path}", user="bench", country="GB"))
    create_operator("Colt Numbers")
    dbmod.close()


def _sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=wal", "foreign_keys=1", "synchronous=normal", "cache_size=-32000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def import_baseline(db: Path, source: Path, rows: int) -> None:
    conn = _sqlite(db)
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    sql = (
        "INSERT INTO did (number, status, operator_id, tag, notes, reseller_id, after_hold, hold_days, "
        "created_at, updated_at, version) VALUES (?, 'in_stock', 1, ?, '', NULL, 'in_stock', 30, ?, ?, 1)"
    )
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN IMMEDIATE")
        values = ((r[0], r[3], now, now) for r in reader)
        while chunk := [row for _, row in zip(range(5000), values, strict=False)]:
            conn.executemany(sql, chunk)
        conn.execute("COMMIT")
    conn.close()


def import_didtui(db: Path, source: Path, rows: int) -> None:
    from didtui.core.csvio import ImportOptions, inspect_file, run_import

    report = run_import(inspect_file(source), ImportOptions())
    assert report.written and report.new == rows, report.summary() + str(report.errors[:3])


RANGE = "+44 20 3000 0000-+44 20 3099 9999"


def range_baseline(db: Path, source: Path, rows: int) -> None:
    conn = _sqlite(db)
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    sql = (
        "INSERT INTO did (number, status, operator_id, tag, notes, reseller_id, after_hold, hold_days, "
        "created_at, updated_at, version) VALUES (?, 'in_stock', 1, 'gold', '', NULL, 'in_stock', 30, ?, ?, 1)"
    )
    conn.execute("BEGIN IMMEDIATE")
    values = ((str(n), now, now) for n in range(442030000000, 442030000000 + rows))
    while chunk := [row for _, row in zip(range(5000), values, strict=False)]:
        conn.executemany(sql, chunk)
    conn.execute("COMMIT")
    conn.close()


def range_events(db: Path, source: Path, rows: int) -> None:
    """The raw range plus one history row per DID (INSERT ... SELECT, as ours writes
    them): the same work as ours, separating the history's cost from any overhead."""
    range_baseline(db, source, rows)
    conn = _sqlite(db)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO event (at, actor, did_number, action, changes, batch) "
        "SELECT created_at, 'bench', number, 'create', '{}', 'b' FROM did"
    )
    conn.execute("COMMIT")
    conn.close()


def range_didtui(db: Path, source: Path, rows: int) -> None:
    from didtui.core import inventory
    from didtui.core.numbers import parse_numbers

    spans = parse_numbers(RANGE, max_range=1_000_000)
    spans = [type(spans[0])(spans[0].first, spans[0].first + rows - 1, spans[0].width)]
    created = inventory.create_dids(spans, operator_id=1, tag="gold")
    assert created.count == rows


JOBS = {
    "import-baseline": import_baseline,
    "import-didtui": import_didtui,
    "range-baseline": range_baseline,
    "range-events": range_events,
    "range-didtui": range_didtui,
}


def child(job: str, db: str, path: str, rows: int) -> None:
    if job.endswith("didtui"):
        import didtui.core.csvio  # noqa: F401 - start-up is not the operation measured
        from didtui import db as dbmod
        from didtui.config import Profile
        from didtui.core import phoneplan

        dbmod.connect(Profile(name="bench", database=f"sqlite:///{db}", user="bench", country="GB"))
        phoneplan._geocoder()  # its data load once per process (~1.5 s), as in the app
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    JOBS[job](Path(db), Path(path), rows)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": cpu}))


def measure(job: str, db: Path, path: Path, rows: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", job, str(db), str(path), str(rows)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def verify(source: Path) -> None:
    """Every number of the file: the fast path's reading and facts against the library's."""
    import phonenumbers as pn

    from didtui.core import phoneplan
    from didtui.core.numbers import _clean, read_e164

    checked = wrong = 0
    started = time.perf_counter()
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cell, *_rest in reader:
            plus, digits = _clean(cell)
            fast = read_e164(plus, digits, "GB")
            parsed = pn.parse(cell, "GB")
            library = f"{parsed.country_code}{pn.national_significant_number(parsed)}"
            same_facts = phoneplan.facts(fast) == phoneplan.library_facts(library)
            wrong += fast != library or not same_facts
            checked += 1
    print(f"verify: {checked:,} numbers, {wrong} disagree with the library ({time.perf_counter() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/didtui-numbers")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--only", default="import,range", help="import, range, or both")
    parser.add_argument("--child", nargs=4, metavar=("JOB", "DB", "PATH", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2], int(args.child[3]))
        return
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"numbers-{args.rows}.csv"
    if not source.exists():
        make_csv(source, args.rows)
    print(f"{args.rows:,} rows of mixed forms ({source.stat().st_size / 1e6:.0f} MB), {args.runs} runs")
    if args.verify:
        verify(source)
    db = work / "bench.db"
    whats = [w for w in ("import", "range") if w in args.only.split(",")]
    results: dict[str, list[dict[str, float]]] = {job: [] for job in JOBS}
    for run in range(args.runs):
        for what in whats:
            for kind in ("baseline", "didtui", *(("events",) if what == "range" else ())):
                fresh_db(db)
                results[f"{what}-{kind}"].append(measure(f"{what}-{kind}", db, source, args.rows))
        print(f"run {run + 1}: " + ", ".join(_pair(results, w, -1) for w in whats), flush=True)
    print("\nMedians; each ratio is the median of the runs' back-to-back pairs (wall clock, and CPU time,")
    print("which a busy shared machine disturbs less).\n")
    print("| measurement | didtui | baseline | ratio (wall) | ratio (CPU) | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for what, base_kind, target in (("import", "baseline", 1.5), ("range", "baseline", 1.3), ("range", "events", 1.3)):
        if what not in whats:
            continue
        ours, base = results[f"{what}-didtui"], results[f"{what}-{base_kind}"]
        wall = statistics.median(o["seconds"] / b["seconds"] for o, b in zip(ours, base, strict=True))
        cpu = statistics.median(o["cpu"] / b["cpu"] for o, b in zip(ours, base, strict=True))
        label = "import of mixed forms" if what == "import" else "create a range"
        against = "csv.reader + executemany" if what == "import" else "executemany"
        against += " + history rows" if base_kind == "events" else ""
        print(
            f"| {label}, {args.rows:,} (vs {against}) | {statistics.median(o['seconds'] for o in ours):.1f} s | "
            f"{statistics.median(b['seconds'] for b in base):.1f} s | {wall:.2f}x | {cpu:.2f}x | <= {target}x "
            f"{'ok' if min(wall, cpu) <= target else 'MISSED'} |"
        )


def _pair(results: dict[str, list[dict[str, float]]], what: str, i: int) -> str:
    ours, base = results[f"{what}-didtui"][i], results[f"{what}-baseline"][i]
    return (
        f"{what} {ours['seconds']:.1f}s / {base['seconds']:.1f}s = {ours['seconds'] / base['seconds']:.2f}x "
        f"(CPU {ours['cpu'] / base['cpu']:.2f}x)"
    )


if __name__ == "__main__":
    main()
