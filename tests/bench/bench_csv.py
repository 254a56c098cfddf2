"""CSV import/export benchmark: didtui's pipeline beside raw-driver baselines, same run.

    .venv/bin/python tests/bench/bench_csv.py [--rows 1000000] [--runs 3] [--dir /tmp/didtui-bench]

Import: a ROWS-line CSV (DID, Operator, Status, Tag, Notes) into an empty SQLite database
with didtui's schema, validated and mapped (`didtui.core.csvio.run_import`), against
`csv.reader` feeding plain `sqlite3` executemany into the same schema with no validation.
Export: every DID to CSV (`export_csv`) against a plain sqlite3 cursor over the same joins
feeding `csv.writer`. Each measurement runs in its own process, so its peak RSS is its
own (VmHWM, read in the child); figures are medians of RUNS runs, printed with the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import peak_mb  # noqa: E402

from didtui.core.csvio.export import EXPORT_COLUMNS  # noqa: E402

OPERATORS = ["Telia Carrier", "Lumen Wholesale", "Bandwidth.com", "Colt Numbers", "Sipgate Trunks", "Twilio Elastic"]
STATUSES = ["In Stock", "In Stock", "In Stock", "Reserved", "Blocked", "Archived"]
TAGS = ["gold", "silver", "london", "berlin", "tollfree", ""]
EXPORT_SQL = """
SELECT d.id, d.status, o.name, d.number, d.tag, d.notes, c.name, a.name, r.name, p.name, d.after_hold, d.hold_until,
       d.country, d.number_type, d.place
FROM did d
LEFT JOIN operator o ON o.id = d.operator_id
LEFT JOIN reseller r ON r.id = d.reseller_id
LEFT JOIN client_package cp ON cp.id = d.client_package_id
LEFT JOIN account a ON a.id = cp.account_id
LEFT JOIN client c ON c.id = a.client_id
LEFT JOIN package p ON p.id = cp.package_id
ORDER BY d.number
"""


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["DID", "Operator", "Status", "Tag", "Notes"])
        for i in range(rows):
            writer.writerow(
                [
                    f"{15550000000 + i}",
                    OPERATORS[i // 1000 % 6],
                    rng.choice(STATUSES),
                    TAGS[i % 6],
                    f"order {i // 250} from upstream" if i % 3 else "",
                ]
            )


def fresh_db(path: Path) -> None:
    """An empty database with didtui's schema and the six operators."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    from didtui import db as dbmod
    from didtui.config import Profile
    from didtui.core.operators import create_operator

    dbmod.connect(Profile(name="bench", database=f"sqlite:///{path}", user="bench", numbers="digits"))
    for name in OPERATORS:
        create_operator(name)
    dbmod.close()


def _sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=wal", "foreign_keys=1", "synchronous=normal", "cache_size=-32000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def import_baseline(db: Path, source: Path) -> None:
    conn = _sqlite(db)
    ops = {name: i for i, name in conn.execute("SELECT id, name FROM operator")}
    statuses = {"In Stock": "in_stock", "Reserved": "reserved", "Blocked": "blocked", "Archived": "archived"}
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    sql = (
        "INSERT INTO did (number, status, operator_id, tag, notes, reseller_id, after_hold, hold_days, "
        "created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, NULL, 'in_stock', 30, ?, ?, 1)"
    )
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.execute("BEGIN IMMEDIATE")
        rows = ((r[0], statuses[r[2]], ops[r[1]], r[3], r[4], now, now) for r in reader)
        while chunk := [row for _, row in zip(range(5000), rows, strict=False)]:
            conn.executemany(sql, chunk)
        conn.execute("COMMIT")
    conn.close()


def import_didtui(db: Path, source: Path) -> None:
    from didtui.core.csvio import ImportOptions, inspect_file, run_import

    report = run_import(inspect_file(source), ImportOptions())
    assert report.written and report.new == ROWS_EXPECTED[0], report.summary()


def export_baseline(db: Path, target: Path) -> None:
    conn = _sqlite(db)
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        cursor = conn.execute(EXPORT_SQL)
        while rows := cursor.fetchmany(5000):
            writer.writerows(rows)
    conn.close()


def export_pg_baseline(db: Path, target: Path) -> None:
    """PostgreSQL: psycopg's server-side cursor over the same joins feeding csv.writer."""
    import psycopg

    url = PG.format(name=str(db).removeprefix("pg:"))
    with (
        psycopg.connect(url) as conn,
        conn.cursor(name="export") as cursor,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        cursor.execute(EXPORT_SQL)
        while rows := cursor.fetchmany(5000):
            writer.writerows(rows)


def export_didtui(db: Path, target: Path) -> None:
    from didtui.core.csvio import export_csv

    n = export_csv(target)
    assert n == ROWS_EXPECTED[0], n


# ---- PostgreSQL: our import (COPY underneath) beside `psql \\copy` of the same rows ----

PG = "postgresql://postgres@127.0.0.1:5432/{name}"
STATUS_VALUES = {"In Stock": "in_stock", "Reserved": "reserved", "Blocked": "blocked", "Archived": "archived"}
MAPPED_COLUMNS = "number, status, operator_id, tag, notes, after_hold, hold_days, created_at, updated_at, version"


def pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG.format(name="postgres"), autocommit=True) as conn:
        conn.execute(statement)


def fresh_pg(name: str) -> None:
    """An empty PostgreSQL database with didtui's schema and the six operators (ids 1-6)."""
    from didtui import db as dbmod
    from didtui.config import Profile
    from didtui.core.operators import create_operator

    pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {name}")
    dbmod.connect(Profile(name="bench", database=PG.format(name=name), user="bench", numbers="digits"), upgrade=True)
    for op in OPERATORS:
        create_operator(op)
    dbmod.close()


def make_mapped_csv(source: Path, target: Path) -> None:
    """The source's rows as the did table stores them (operator ids, status values), for
    psql to load without any mapping: the strictest baseline."""
    ops = {name: i + 1 for i, name in enumerate(OPERATORS)}
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    with source.open(newline="", encoding="utf-8") as handle, target.open("w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(handle), csv.writer(out)
        next(reader)
        for r in reader:
            writer.writerow((r[0], STATUS_VALUES[r[2]], ops[r[1]], r[3], r[4], "in_stock", 30, now, now, 1))


def make_events_csv(source: Path, target: Path) -> None:
    """One history event per DID of the source, as the import writes them (the event
    table's columns): what the "same rows" baseline loads beside the DIDs."""
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    changes = json.dumps({"imported": source.name})
    with source.open(newline="", encoding="utf-8") as handle, target.open("w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(handle), csv.writer(out)
        next(reader)
        for r in reader:
            writer.writerow((now, "bench", r[0], "import", changes, "0123456789abcdef0123456789abcdef"))


def import_psql(db: Path, source: Path) -> None:
    """`psql \\copy` of the DIDs alone (source: the mapped CSV), or with their events in
    the same transaction (source: "DIDS|EVENTS", the two files)."""
    name = str(db).removeprefix("pg:")
    dids, _, events = str(source).partition("|")
    commands = [f"\\copy did ({MAPPED_COLUMNS}) FROM '{dids}' WITH (FORMAT csv, FORCE_NOT_NULL (tag, notes))"]
    if events:
        commands.append(
            f"\\copy event (at, actor, did_number, action, changes, batch) FROM '{events}' WITH (FORMAT csv)"
        )
    command = ["psql", "-q", "-1", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-v", "ON_ERROR_STOP=1"]
    for c in commands:
        command += ["-c", c]
    subprocess.run(command, check=True)


def main_postgresql(args: argparse.Namespace, work: Path, source: Path) -> None:
    """Our import beside `psql \\copy` of the same DIDs (the issue's baseline) and beside
    `psql \\copy` of every row ours writes: the DIDs and one history event each."""
    name = f"didtui_bench_csv_{os.getpid()}"
    mapped = work / f"dids-{args.rows}-mapped.csv"
    events = work / f"dids-{args.rows}-events.csv"
    if not mapped.exists():
        make_mapped_csv(source, mapped)
    if not events.exists():
        make_events_csv(source, events)
    inputs = {"import-psql": mapped, "import-psql-events": Path(f"{mapped}|{events}"), "import-didtui": source}
    results: dict[str, list[dict]] = {job: [] for job in (*inputs, "export-pg-baseline", "export-didtui")}
    try:
        for run in range(args.runs):
            order = list(inputs) if run % 2 == 0 else list(reversed(inputs))
            for job in order:
                fresh_pg(name)
                results[job].append(measure(job, Path(f"pg:{name}"), inputs[job], args.rows))
                if job == "import-didtui":  # export what it imported
                    kinds = ("export-pg-baseline", "export-didtui")
                    for kind in kinds if run % 2 == 0 else reversed(kinds):
                        target = work / f"{kind}.csv"
                        results[kind].append(measure(kind, Path(f"pg:{name}"), target, args.rows))
            ours = results["import-didtui"][-1]["seconds"]
            base, both = (results[j][-1]["seconds"] for j in ("import-psql", "import-psql-events"))
            print(
                f"run {run + 1}: import {ours:.1f}s / psql \\copy {base:.1f}s = {ours / base:.2f}x; "
                f"/ with the events {both:.1f}s = {ours / both:.2f}x; export "
                f"{results['export-didtui'][-1]['seconds']:.1f}s / {results['export-pg-baseline'][-1]['seconds']:.1f}s",
                flush=True,
            )
    finally:
        pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def median(job: str) -> float:
        return statistics.median(r["seconds"] for r in results[job])

    def ratio(job: str, ours: str = "import-didtui") -> float:
        pairs = zip(results[ours], results[job], strict=True)
        return statistics.median(o["seconds"] / b["seconds"] for o, b in pairs)

    ours, base = median("import-didtui"), median("import-psql")
    print(
        f"| import {args.rows:,} rows, PostgreSQL | {ours:.1f} s | psql \\copy {base:.1f} s | {ratio('import-psql'):.2f}x | "
        f"<= 1.3x {'ok' if ratio('import-psql') <= 1.3 else 'MISSED'} |"
    )
    print(
        f"| same, beside psql \\copy of the DIDs and their events | {ours:.1f} s | "
        f"{median('import-psql-events'):.1f} s | {ratio('import-psql-events'):.2f}x | |"
    )
    exported, raw = median("export-didtui"), median("export-pg-baseline")
    print(
        f"| export {args.rows:,} rows, PostgreSQL | {exported:.1f} s | psycopg cursor + csv.writer {raw:.1f} s | "
        f"{ratio('export-pg-baseline', 'export-didtui'):.2f}x | |"
    )
    if args.json:
        figures = {"import": {"ours": ours, "raw": base}, "export": {"ours": exported, "raw": raw}}
        Path(args.json).write_text(json.dumps(figures))


ROWS_EXPECTED = [0]
JOBS = {
    "import-psql": import_psql,
    "import-psql-events": import_psql,
    "import-baseline": import_baseline,
    "import-didtui": import_didtui,
    "export-baseline": export_baseline,
    "export-pg-baseline": export_pg_baseline,
    "export-didtui": export_didtui,
}


def child(job: str, db: str, path: str, rows: int) -> None:
    """One measurement, in this process: prints seconds and peak RSS as JSON."""
    ROWS_EXPECTED[0] = rows
    if job.endswith("didtui"):
        # Connecting (and importing the modules) is start-up, not the operation measured.
        import didtui.core.csvio  # noqa: F401
        from didtui import db as dbmod
        from didtui.config import Profile

        url = PG.format(name=db.removeprefix("pg:")) if db.startswith("pg:") else f"sqlite:///{db}"
        dbmod.connect(Profile(name="bench", database=url, user="bench", numbers="digits"))
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    JOBS[job](Path(db), Path(path))
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    # The child's own high-water mark: ru_maxrss survives exec, so it would report the
    # parent's peak whenever the parent (which writes the CSV) grew larger than the child.
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb()}))


def measure(job: str, db: Path, path: Path, rows: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", job, str(db), str(path), str(rows)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/didtui-bench")
    parser.add_argument("--json", metavar="FILE", help="also write the medians to FILE (bench_growth.py reads it)")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql"), default="sqlite", help="postgresql: import only, beside psql"
    )
    parser.add_argument("--child", nargs=4, metavar=("JOB", "DB", "PATH", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2], int(args.child[3]))
        return
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"dids-{args.rows}.csv"
    if not source.exists():
        make_csv(source, args.rows)
    if args.backend == "postgresql":
        main_postgresql(args, work, source)
        return
    print(
        f"{args.rows:,} rows, {source.stat().st_size / 1e6:.0f} MB CSV, {args.runs} runs, SQLite {sqlite3.sqlite_version}"
    )
    results: dict[str, list[dict]] = {job: [] for job in JOBS}
    db = work / "bench.db"
    for run in range(args.runs):
        for kind in ("baseline", "didtui"):
            fresh_db(db)
            results[f"import-{kind}"].append(measure(f"import-{kind}", db, source, args.rows))
        # Export from the database didtui just imported (identical content to the baseline's).
        for kind in ("baseline", "didtui"):
            target = work / f"export-{kind}.csv"
            results[f"export-{kind}"].append(measure(f"export-{kind}", db, target, args.rows))
        line = ", ".join(
            f"{what} {results[what + '-didtui'][-1]['seconds']:.1f}s / {results[what + '-baseline'][-1]['seconds']:.1f}s"
            f" = {results[what + '-didtui'][-1]['seconds'] / results[what + '-baseline'][-1]['seconds']:.2f}x"
            for what in ("import", "export")
        )
        print(f"run {run + 1} (didtui / baseline): {line}", flush=True)

    def median(job: str, key: str) -> float:
        return statistics.median(r[key] for r in results[job])

    def median_ratio(what: str, key: str) -> float:
        pairs = zip(results[f"{what}-didtui"], results[f"{what}-baseline"], strict=False)
        return statistics.median(ours[key] / base[key] for ours, base in pairs)

    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    what: {"ours": median(f"{what}-didtui", "seconds"), "raw": median(f"{what}-baseline", "seconds")}
                    for what in ("import", "export")
                }
            )
        )
    print()
    print("Medians; the ratio is the median of each run's didtui/baseline pair (run back to back).")
    print()
    print("| measurement | didtui | baseline | ratio (wall) | target | ratio (CPU) | peak RSS didtui / baseline |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for what, target in (("import", 1.5), ("export", 1.3)):
        ours, base = median(f"{what}-didtui", "seconds"), median(f"{what}-baseline", "seconds")
        ratio = median_ratio(what, "seconds")
        print(
            f"| {what} {args.rows:,} rows | {ours:.1f} s | {base:.1f} s | {ratio:.2f}x | <= {target}x "
            f"{'ok' if ratio <= target else 'MISSED'} | {median_ratio(what, 'cpu'):.2f}x | "
            f"{median(f'{what}-didtui', 'peak_mb'):.0f} MB / {median(f'{what}-baseline', 'peak_mb'):.0f} MB |"
        )


if __name__ == "__main__":
    main()
