"""Benchmark of the core's bulk paths against raw-driver baselines (issue 2, section 7).

    .venv/bin/python tests/bench/bench_core.py [--runs 5] [--size 1000000]
        [--backend sqlite|postgresql|mysql] [--only create,sweep,mass_edit,counts] [--workdir DIR]
        [--scale-work] [--undo-baseline] [--json FILE] [--set NAME=VALUE]

Builds fresh databases in a temporary directory and prints, for each figure, our time
next to a raw-driver baseline measured in the same run on an identical copy of the same
database, the ratio and its target, and the peak memory of the process that ran ours:

- create: a range of SIZE DIDs with `inventory.create_dids` (events and planner
  statistics included) vs the driver's `executemany` of the same rows (<= 1.3x; on
  PostgreSQL the baseline is COPY, stricter than executemany, and beside it `psql
  \\copy` of the same rows from a CSV file, run as a subprocess);
- sweep: 200,000 expired holds with `sweep.sweep` (one event each) vs one raw UPDATE
  (<= 1.2x);
- mass_edit: 100,000 DIDs selected by id with `inventory.mass_edit` (one event each) vs a
  raw UPDATE through a temporary table of the ids (<= 1.5x);
- counts: `operators.list_operators` (DID counts by status per operator) over SIZE DIDs vs
  a raw GROUP BY (<= 1.2x);
- beside the write figures, a second raw baseline that also writes one history row per
  DID (INSERT ... SELECT in the same transaction), separating the cost of the history
  from any overhead of ours; with --undo-baseline a third that also keeps each DID's row
  as it was (did_before, what undo restores), as the mass edit does (the sweep writes
  none: its events keep what undo needs, core/sweep.py);
- peak memory: the high-water mark (VmHWM, else ru_maxrss) of the fresh process that
  ran ours (< 200 MB).

Every measurement runs in a fresh subprocess, ours and raw alternating first; with
--runs N the medians are printed (exit 1 if a target is missed). The machine is shared:
trust ratios over seconds, and run it several times. PostgreSQL uses
postgresql://postgres@127.0.0.1:5432, MariaDB mysql://root@127.0.0.1:3306, both with
scratch databases named didtui_bench_*. Each measurement gets its own copy of the base
database: PostgreSQL copies it with CREATE DATABASE ... TEMPLATE, MariaDB (which has no
templates) creates each table as the base's SHOW CREATE TABLE says (indexes and foreign
keys included), fills it with INSERT ... SELECT and analyzes it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collections.abc import Iterator
from typing import Any

from benchlib import peak_mb

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGETS = {"create": 1.3, "sweep": 1.2, "mass_edit": 1.5, "counts": 1.2}
MEMORY_LIMIT_MB = 200
HOLDS = 200_000
EDITED = 100_000
OPERATORS = 6
UNDO_BASELINE = False  # --undo-baseline
FIRST = 10_000_000_000  # 11-digit numbers
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVERS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/{}",
    "mysql": "mysql://root@127.0.0.1:3306/{}",
}

DID_COLUMNS = [
    "number",
    "status",
    "operator_id",
    "tag",
    "notes",
    "reseller_id",
    "after_hold",
    "hold_days",
    "hold_until",
    "client_package_id",
    "created_at",
    "updated_at",
    "version",
]


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0)


# ---- databases ---------------------------------------------------------------------------


def profile_for(backend: str, where: str):
    from didtui.config import Profile

    if backend == "sqlite":
        return Profile(name="bench", database=f"sqlite:///{where}", user="bench")
    return Profile(name="bench", database=SERVERS[backend].format(where), user="bench")


def fresh_schema(backend: str, where: str) -> None:
    """An empty database with our schema at `where` (a file, or a server database name)."""
    from didtui import db as dbmod

    if backend != "sqlite":
        drop_db(backend, where)
        server_admin(backend, f"CREATE DATABASE {where}" + (" CHARACTER SET utf8mb4" if backend == "mysql" else ""))
    database = dbmod.connect(profile_for(backend, where), upgrade=True)
    database.close()


def drop_db(backend: str, name: str) -> None:
    if backend == "postgresql":
        pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        server_admin(backend, f"DROP DATABASE IF EXISTS {name}")


def server_admin(backend: str, *statements: str) -> list[tuple[Any, ...]]:
    """Statements outside the benchmark's databases; the last one's rows."""
    if backend == "postgresql":
        pg_admin(*statements)
        return []
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    rows: list[tuple[Any, ...]] = []
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
                rows = list(cur.fetchall())
    finally:
        conn.close()
    return rows


@contextlib.contextmanager
def server_globals(settings: list[str]) -> Iterator[None]:
    """MariaDB: GLOBAL variables (NAME=VALUE) set for the run and given back their values
    afterwards, e.g. innodb_buffer_pool_size (the default 128 MB is smaller than a
    1M-DID table) and innodb_log_file_size (96 MB of redo log: a 200,000-row sweep's
    transaction forces checkpoints). Both are dynamic in MariaDB 10.11: nothing is
    restarted, nothing persists."""
    wanted = []
    for setting in settings:
        name, _, value = setting.partition("=")
        if not name.isidentifier() or not value.isdigit():
            raise SystemExit(f"--set {setting!r}: use NAME=NUMBER, e.g. innodb_buffer_pool_size=1073741824")
        wanted.append((name, value))
    before = [(name, server_admin("mysql", f"SELECT @@GLOBAL.{name}")[0][0]) for name, _ in wanted]
    try:
        for name, value in wanted:
            server_admin("mysql", f"SET GLOBAL {name} = {value}")
            print(f"  {name} = {value} for this run", flush=True)
        yield
    finally:
        for name, value in reversed(before):
            server_admin("mysql", f"SET GLOBAL {name} = {int(value)}")


def pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def copy_db(backend: str, source: str, target: str) -> None:
    if backend == "sqlite":
        for suffix in ("-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, target)
    elif backend == "postgresql":
        pg_admin(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)", f"CREATE DATABASE {target} TEMPLATE {source}")
    else:
        copy_mariadb(source, target)


def copy_mariadb(source: str, target: str) -> None:
    """MariaDB has no database templates: each table as the source's SHOW CREATE TABLE
    says (CREATE TABLE ... LIKE would drop the foreign keys), its rows by INSERT ...
    SELECT (ids kept), then ANALYZE TABLE, so the copy's plans are the source's."""
    server_admin("mysql", f"DROP DATABASE IF EXISTS {target}", f"CREATE DATABASE {target} CHARACTER SET utf8mb4")
    conn = raw_connect("mysql", target)
    conn.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (source,),
        ).fetchall()
    ]
    for table in tables:
        (_, ddl) = conn.execute(f"SHOW CREATE TABLE `{source}`.`{table}`").fetchone()
        conn.execute(ddl)
        conn.execute(f"INSERT INTO `{table}` SELECT * FROM `{source}`.`{table}`")
    conn.execute(f"ANALYZE TABLE {', '.join(f'`{t}`' for t in tables)}").fetchall()
    conn.close()


class MariaConnection:
    """PyMySQL with the `execute` (returning the cursor) of sqlite3 and psycopg, so one
    baseline serves every backend; autocommit, as didtui's own sessions are."""

    def __init__(self, where: str):
        import pymysql

        self.conn = pymysql.connect(
            host="127.0.0.1", user="root", password="", database=where, autocommit=True, charset="utf8mb4"
        )

    def execute(self, sql: str, params: Any = None) -> Any:
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def executemany(self, sql: str, rows: Any) -> Any:
        cur = self.conn.cursor()
        cur.executemany(sql, list(rows))
        return cur

    def close(self) -> None:
        self.conn.close()


def raw_connect(backend: str, where: str):
    """The driver's own connection, set up as didtui sets up its own."""
    if backend == "sqlite":
        import sqlite3

        conn = sqlite3.connect(where, isolation_level=None)
        for pragma in (
            "journal_mode = wal",
            "foreign_keys = 1",
            "synchronous = normal",
            "cache_size = -32000",
            "busy_timeout = 30000",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn
    if backend == "mysql":
        return MariaConnection(where)
    import psycopg

    return psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{where}", autocommit=True)


def did_rows(
    size: int, operator_ids: list[int], at: _dt.datetime, *, cp_hold: int | None = None, cp_active: int | None = None
):
    """The base inventory: SIZE DIDs over the operators, HOLDS of them expired holds."""
    past = at - _dt.timedelta(days=1)
    after = ("in_stock",) * 15 + ("reserved",) * 3 + ("archived",) * 2
    for i in range(size):
        op = operator_ids[i % len(operator_ids)]
        number = f"{FIRST + i:011d}"
        if cp_hold is not None and i % 5 == 0 and i // 5 < HOLDS:
            yield (number, "hold", op, "gold", "", None, after[i % 20], 30, past, cp_hold, at, at, 2)
            continue
        kind = i % 20
        if cp_active is not None and kind == 1 and i < size // 2:
            yield (number, "active", op, "gold", "", None, "in_stock", 30, None, cp_active, at, at, 2)
        elif kind in (2, 3):
            yield (number, "reserved", op, "silver", "", None, "in_stock", 30, None, None, at, at, 1)
        elif kind == 4:
            yield (number, "blocked", op, "silver", "", None, "in_stock", 30, None, None, at, at, 1)
        elif kind == 6:
            yield (number, "archived", op, "", "", None, "in_stock", 30, None, None, at, at, 1)
        else:
            yield (
                number,
                "in_stock",
                op,
                "gold" if i % 2 else "silver",
                "",
                None,
                "in_stock",
                30,
                None,
                None,
                at,
                at,
                1,
            )


def build_base(backend: str, where: str, size: int) -> dict[str, Any]:
    """The shared starting point of sweep, mass_edit and counts."""
    from didtui import db as dbmod
    from didtui.core import operators, retail

    fresh_schema(backend, where)
    database = dbmod.connect(profile_for(backend, where))
    reseller = retail.create_reseller("Bench Reseller")
    ops = [operators.create_operator(f"Operator {i}", reseller.id).id for i in range(OPERATORS)]
    client = retail.create_client("Bench Client", reseller.id)
    package = retail.create_package("Everything", "gold,silver", 1_000_000)
    lapsed = retail.assign_package(retail.create_account(client.id, "lapsed").id, package.id)
    lapsed.active = False
    lapsed.save()
    live = retail.assign_package(retail.create_account(client.id, "live").id, package.id)
    database.close()
    conn = raw_connect(backend, where)
    rows = did_rows(size, ops, now(), cp_hold=lapsed.id, cp_active=live.id)
    if backend == "sqlite":
        conn.execute("BEGIN")
        marks = ", ".join("?" * len(DID_COLUMNS))
        conn.executemany(f"INSERT INTO did ({', '.join(DID_COLUMNS)}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elif backend == "mysql":
        sql = f"INSERT INTO did ({', '.join(DID_COLUMNS)}) VALUES ({', '.join(['%s'] * len(DID_COLUMNS))})"
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 20_000:
                conn.executemany(sql, chunk)
                chunk = []
        if chunk:
            conn.executemany(sql, chunk)
        conn.execute("ANALYZE TABLE did").fetchall()
    else:
        with conn.cursor().copy(f"COPY did ({', '.join(DID_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute("VACUUM ANALYZE did")
    ids = [i for (i,) in conn.execute("SELECT id FROM did WHERE status = 'in_stock' ORDER BY id").fetchall()]
    conn.close()
    chosen = sorted(random.Random(2).sample(ids, min(EDITED, len(ids))))
    return {"edit_ids": chosen, "operators": ops}


# ---- one measurement, in a fresh process -------------------------------------------------


def measure(figure: str, variant: str, backend: str, where: str, size: int, ids_file: str) -> dict[str, Any]:
    ids: list[int] = json.loads(Path(ids_file).read_text()) if ids_file else []
    if variant == "ours":
        return measure_ours(figure, backend, where, size, ids)
    if variant == "psql":
        return measure_psql_copy(where, size)
    return measure_raw(
        figure, backend, where, size, ids, events=variant in ("raw+events", "raw+undo"), undo=variant == "raw+undo"
    )


def measure_ours(figure: str, backend: str, where: str, size: int, ids: list[int]) -> dict[str, Any]:
    from didtui import db as dbmod
    from didtui.core import inventory, operators, sweep
    from didtui.core.filters import Selection
    from didtui.core.numbers import NumberSpan

    database = dbmod.connect(profile_for(backend, where))
    extra: dict[str, Any] = {}
    if figure == "create":
        op = operators.create_operator("Bench Operator")
        start = time.perf_counter()
        created = inventory.create_dids([NumberSpan(FIRST, FIRST + size - 1, 11)], operator_id=op.id, tag="gold")
        elapsed = time.perf_counter() - start
        extra["count"] = created.count
    elif figure == "sweep":
        start = time.perf_counter()
        result = sweep.sweep(actor="bench")
        elapsed = time.perf_counter() - start
        extra["count"] = result.released
    elif figure == "mass_edit":
        selection = Selection.of_ids(ids)
        start = time.perf_counter()
        extra["count"] = inventory.mass_edit(selection, {"tag": "edited"}, actor="bench")
        elapsed = time.perf_counter() - start
    elif figure == "counts":
        start = time.perf_counter()
        rows = operators.list_operators()
        elapsed = time.perf_counter() - start
        extra["count"] = sum(r.did_count for r in rows)
    else:
        raise SystemExit(f"unknown figure {figure}")
    database.close()
    return {"seconds": elapsed, "peak_mb": peak_mb(), **extra}


def measure_raw(
    figure: str, backend: str, where: str, size: int, ids: list[int], *, events: bool = False, undo: bool = False
) -> dict[str, Any]:
    """The driver alone; with `events`, also one history row per DID (INSERT ... SELECT),
    to show what our history costs beyond the bare statement; with `undo`, also each
    DID's row as it was (did_before, what undo restores), which ours keeps too."""
    conn = raw_connect(backend, where)
    p = "?" if backend == "sqlite" else "%s"
    at = now()
    extra: dict[str, Any] = {}

    def begin() -> None:
        conn.execute("BEGIN IMMEDIATE" if backend == "sqlite" else "BEGIN")

    def write_events(action: str, where_sql: str, params: tuple[Any, ...]) -> None:
        if undo:
            kept = "number, status, operator_id, tag, notes, reseller_id, after_hold, hold_days, hold_until, "
            kept += "client_package_id, created_at, updated_at, version, released_at"
            conn.execute(
                f"INSERT INTO did_before (batch, did_id, {kept}) "
                f"SELECT '0123456789abcdef0123456789abcdef', id, {kept} FROM did WHERE {where_sql}",
                params,
            )
        if events:
            conn.execute(
                "INSERT INTO event (at, actor, did_number, action, changes, batch) "
                f"SELECT {p}, 'bench', number, '{action}', '{{\"status\": [\"hold\", \"in_stock\"]}}', "
                f"'0123456789abcdef0123456789abcdef' FROM did WHERE {where_sql}",
                (at, *params),
            )

    if figure == "create":
        conn.execute(f"INSERT INTO operator (name) VALUES ({p})", ("Bench Operator",))
        (op_id,) = conn.execute("SELECT MAX(id) FROM operator").fetchone()
        columns = [
            "number",
            "status",
            "operator_id",
            "tag",
            "notes",
            "reseller_id",
            "after_hold",
            "hold_days",
            "created_at",
            "updated_at",
            "version",
        ]
        rows = (
            (f"{FIRST + i:011d}", "in_stock", op_id, "gold", "", None, "in_stock", 30, at, at, 1) for i in range(size)
        )
        sql = f"INSERT INTO did ({', '.join(columns)}) VALUES ({', '.join([p] * len(columns))})"
        start = time.perf_counter()
        begin()
        (before,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM did").fetchone()
        if backend == "sqlite":
            conn.executemany(sql, rows)
        else:
            with conn.cursor().copy(f"COPY did ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        write_events("create", f"id > {p}", (before,))
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        extra["count"] = size
    elif figure == "sweep":
        start = time.perf_counter()
        begin()
        write_events("sweep", f"status = 'hold' AND hold_until <= {p}", (at,))
        cur = conn.execute(
            "UPDATE did SET status = after_hold, client_package_id = NULL, hold_until = NULL, "
            f"version = version + 1, updated_at = {p} WHERE status = 'hold' AND hold_until <= {p}",
            (at, at),
        )
        extra["count"] = cur.rowcount
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
    elif figure == "mass_edit":
        start = time.perf_counter()
        begin()
        conn.execute("CREATE TEMPORARY TABLE bench_ids (id BIGINT PRIMARY KEY)")
        if backend == "sqlite":
            conn.executemany("INSERT INTO bench_ids (id) VALUES (?)", ((i,) for i in ids))
        elif backend == "mysql":
            for part in range(0, len(ids), 20_000):
                conn.executemany("INSERT INTO bench_ids (id) VALUES (%s)", ((i,) for i in ids[part : part + 20_000]))
        else:
            with conn.cursor().copy("COPY bench_ids (id) FROM STDIN") as copy:
                for i in ids:
                    copy.write_row((i,))
            conn.execute("ANALYZE bench_ids")
        write_events("mass_edit", "id IN (SELECT id FROM bench_ids)", ())
        cur = conn.execute(
            f"UPDATE did SET tag = {p}, version = version + 1, updated_at = {p} WHERE id IN (SELECT id FROM bench_ids)",
            ("edited", at),
        )
        extra["count"] = cur.rowcount
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
    elif figure == "counts":
        start = time.perf_counter()
        rows = conn.execute("SELECT operator_id, status, COUNT(*) FROM did GROUP BY operator_id, status").fetchall()
        elapsed = time.perf_counter() - start
        extra["count"] = sum(r[2] for r in rows)
    else:
        raise SystemExit(f"unknown figure {figure}")
    conn.close()
    return {"seconds": elapsed, "peak_mb": peak_mb(), **extra}


def measure_psql_copy(where: str, size: int) -> dict[str, Any]:
    """PostgreSQL's own client loading the same rows as `create` into the same schema
    (`psql \\copy` from a CSV file written beforehand, untimed): the issue's baseline for
    range creation through COPY (<= 1.3x)."""
    import csv

    conn = raw_connect("postgresql", where)
    conn.execute("INSERT INTO operator (name) VALUES (%s)", ("Bench Operator",))
    (op_id,) = conn.execute("SELECT MAX(id) FROM operator").fetchone()
    conn.close()
    at = now().isoformat(sep=" ")
    columns = "number, status, operator_id, tag, notes, after_hold, hold_days, created_at, updated_at, version"
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as f:
        writer = csv.writer(f)
        for i in range(size):
            writer.writerow((f"{FIRST + i:011d}", "in_stock", op_id, "gold", "", "in_stock", 30, at, at, 1))
        path = f.name
    command = f"\\copy did ({columns}) FROM '{path}' WITH (FORMAT csv, FORCE_NOT_NULL (notes))"
    start = time.perf_counter()
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", where, "-v", "ON_ERROR_STOP=1", "-c", command],
        check=True,
    )
    elapsed = time.perf_counter() - start
    Path(path).unlink()
    return {"seconds": elapsed, "peak_mb": peak_mb(), "count": size}


def run_child(figure: str, variant: str, backend: str, where: str, size: int, ids_file: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        figure,
        variant,
        "--backend",
        backend,
        "--where",
        where,
        "--size",
        str(size),
        "--ids",
        ids_file,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{figure}/{variant} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the whole run ------------------------------------------------------------------------


def one_round(
    backend: str, work: Path, size: int, round_no: int, base: str, ids_file: str, empty: str, figures: list[str]
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    order = ("ours", "raw") if round_no % 2 == 0 else ("raw", "ours")
    for figure in figures:
        results[figure] = {}
        variants = list(order) + (["raw+events"] if figure != "counts" else [])
        if UNDO_BASELINE and figure in ("sweep", "mass_edit"):
            variants.append("raw+undo")
        if figure == "create" and backend == "postgresql":
            variants.append("psql")
        for variant in variants:
            if backend == "sqlite":
                target = str(work / f"{figure}-{variant}.db")
            else:
                target = f"{base}_{figure}_{variant.replace('+', '_')}"
            copy_db(backend, empty if figure == "create" else base, target)
            results[figure][variant] = run_child(
                figure, variant, backend, target, size, ids_file if figure == "mass_edit" else ""
            )
            if backend == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(target + suffix).unlink(missing_ok=True)
            else:
                drop_db(backend, target)
        ours, raw = results[figure]["ours"], results[figure]["raw"]
        if ours["count"] != raw["count"]:
            raise SystemExit(f"{figure}: ours touched {ours['count']} rows, raw {raw['count']}: not the same work")
        same = results[figure].get("raw+events")
        also = f"  (raw+events {same['seconds']:7.3f} s: {ours['seconds'] / same['seconds']:4.2f}x)" if same else ""
        if "raw+undo" in results[figure]:
            undo = results[figure]["raw+undo"]["seconds"]
            also += f"  (raw+undo {undo:7.3f} s: {ours['seconds'] / undo:4.2f}x)"
        if "psql" in results[figure]:
            psql = results[figure]["psql"]["seconds"]
            also += f"  (psql \\copy {psql:7.3f} s: {ours['seconds'] / psql:4.2f}x)"
        print(
            f"  round {round_no + 1} {figure:<9} ours {ours['seconds']:7.3f} s  raw {raw['seconds']:7.3f} s  "
            f"{ours['seconds'] / raw['seconds']:5.2f}x  peak {ours['peak_mb']:5.0f} MB{also}",
            flush=True,
        )
    return results


def main() -> None:
    global HOLDS, EDITED, UNDO_BASELINE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "mysql"), default="sqlite")
    parser.add_argument("--workdir", help="where to build the databases (default: a temporary dir)")
    parser.add_argument("--only", default=",".join(TARGETS), help="figures to measure, comma-separated")
    parser.add_argument("--child", nargs=2, metavar=("FIGURE", "VARIANT"), help=argparse.SUPPRESS)
    parser.add_argument("--where", help=argparse.SUPPRESS)
    parser.add_argument("--ids", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--scale-work",
        action="store_true",
        help=f"sweep SIZE/5 holds and mass-edit SIZE/10 DIDs (default: {HOLDS:,} and {EDITED:,})",
    )
    parser.add_argument(
        "--undo-baseline",
        action="store_true",
        help="sweep and mass_edit: a third raw baseline that also writes the before-images (did_before)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the medians to FILE (bench_growth.py reads it)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="MariaDB: a GLOBAL variable for this run, restored afterwards (repeatable)",
    )
    args = parser.parse_args()
    if args.set and args.backend != "mysql":
        parser.error("--set is for MariaDB")
    if args.scale_work:
        HOLDS, EDITED = args.size // 5, args.size // 10
    UNDO_BASELINE = args.undo_baseline
    if args.child:
        print(json.dumps(measure(*args.child, args.backend, args.where, args.size, args.ids)))
        return

    with server_globals(args.set):
        run_all(args, parser)


def run_all(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="didtui-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.backend == "sqlite":
        base, empty = str(work / "base.db"), str(work / "empty.db")
    else:
        # Names of this run's own (several benchmarks may run at once on one server).
        base, empty = f"didtui_bench_{os.getpid()}_base", f"didtui_bench_{os.getpid()}_empty"
    print(f"didtui core benchmark: {args.backend}, {args.size:,} DIDs, {args.runs} run(s), in {work}", flush=True)
    started = time.perf_counter()
    fresh_schema(args.backend, empty)
    info = build_base(args.backend, base, args.size)
    ids_file = str(work / "edit-ids.json")
    Path(ids_file).write_text(json.dumps(info["edit_ids"]))
    print(f"  base database built in {time.perf_counter() - started:.1f} s", flush=True)

    figures = [f for f in args.only.split(",") if f]
    unknown = set(figures) - set(TARGETS)
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(sorted(unknown))}: use {', '.join(TARGETS)}")
    rounds = [one_round(args.backend, work, args.size, r, base, ids_file, empty, figures) for r in range(args.runs)]

    print(f"\nmedians of {args.runs} run(s), {args.backend}, {args.size:,} DIDs:")
    print(
        f"  {'figure':<34} {'ours':>9} {'raw':>9} {'ratio':>7} {'target':>8}  {'peak MB':>7}"
        f"  {'':6} {'vs raw+events':>13}"
    )

    def n(figure: str) -> int:
        return rounds[0][figure]["ours"]["count"] if figure in rounds[0] else 0

    labels = {
        "create": f"create a range of {n('create'):,}",
        "sweep": f"sweep {n('sweep'):,} expired holds",
        "mass_edit": f"mass edit {n('mass_edit'):,} by id",
        "counts": f"operator counts over {n('counts'):,}",
    }
    worst_peak = 0.0
    all_ok = True
    for figure, target in TARGETS.items():
        if figure not in figures:
            continue
        ours = statistics.median(r[figure]["ours"]["seconds"] for r in rounds)
        raw = statistics.median(r[figure]["raw"]["seconds"] for r in rounds)
        ratio = statistics.median(r[figure]["ours"]["seconds"] / r[figure]["raw"]["seconds"] for r in rounds)
        peak = max(r[figure]["ours"]["peak_mb"] for r in rounds)
        worst_peak = max(worst_peak, peak)
        ok = ratio <= target
        all_ok &= ok
        same = ""
        if "raw+events" in rounds[0][figure]:
            same = f"{statistics.median(r[figure]['ours']['seconds'] / r[figure]['raw+events']['seconds'] for r in rounds):12.2f}x"
        if "raw+undo" in rounds[0][figure]:
            undo = statistics.median(r[figure]["ours"]["seconds"] / r[figure]["raw+undo"]["seconds"] for r in rounds)
            same += f"  vs raw+undo {undo:.2f}x"
        if "psql" in rounds[0][figure]:
            psql = statistics.median(r[figure]["ours"]["seconds"] / r[figure]["psql"]["seconds"] for r in rounds)
            same += f"  vs psql \\copy {psql:.2f}x (<= 1.3x)"
        print(
            f"  {labels[figure]:<34} {ours:8.3f}s {raw:8.3f}s {ratio:6.2f}x {'<= ' + str(target) + 'x':>8}  "
            f"{peak:7.0f}  {'ok' if ok else 'MISSED':6} {same:>13}"
        )
    if args.json:
        medians = {
            figure: {
                variant: statistics.median(r[figure][variant]["seconds"] for r in rounds)
                for variant in rounds[0][figure]
            }
            | {"count": n(figure)}
            for figure in figures
        }
        Path(args.json).write_text(json.dumps(medians))
    print(
        f"  peak memory of our processes: {worst_peak:.0f} MB (limit {MEMORY_LIMIT_MB} MB) "
        f"{'ok' if worst_peak < MEMORY_LIMIT_MB else 'MISSED'}"
    )
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    if args.backend != "sqlite":
        drop_db(args.backend, base)
        drop_db(args.backend, empty)
    sys.exit(0 if all_ok and worst_peak < MEMORY_LIMIT_MB else 1)


if __name__ == "__main__":
    main()
