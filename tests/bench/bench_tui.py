"""Benchmark of the full-screen app over 1,000,000 DIDs (issue 3), DataTable as reference.

    .venv/bin/python tests/bench/bench_tui.py [--runs 3] [--size 1000000] [--keep DIR]
        [--backend sqlite|postgresql|mysql]

Builds databases of 10,000 and SIZE DIDs (any SIZE up to 10,000,000), or reuses those a
previous run left: SQLite files in --keep DIR (a build is renamed into place only when
whole), server databases `didtui_bench_tui_<size>` on 127.0.0.1 (PostgreSQL user
postgres, MariaDB root; the app's own range creation loads them, COPY on PostgreSQL and
multi-row INSERT on MariaDB; a table `bench_built` marks a whole build, and --keep keeps
them for the next run, else they are dropped at the end), then
runs the app headless, each measurement in a fresh process, and prints the medians:

- first paint: process start to the first painted DID table (count and rows on screen;
  imports included), and app start to it (<= 0.5 s);
- count line: app start to the summary showing a count, exact or an estimate marked as
  one (<= 0.5 s), and to the exact count;
- page down: median time of one page-down, rows painted, over 50 presses (<= 50 ms);
- filter: enter on `status:blocked tag:berlin` to the filtered rows painted (<= 300 ms),
  and to its exact count shown;
- last row: `G` to the last rows painted (<= 100 ms);
- middle: a scrollbar jump to the middle row, rows painted (no target; a keyless jump);
- peak memory (VmHWM) of the process at 10,000 and at SIZE DIDs (<= 150 MB, within 10%).

Beside each figure: Textual's DataTable loaded with 10,000 of the same rows in the same
run (first paint after adding the rows, page down, re-filling it with the filtered rows,
end), and our figure as a ratio of it. The machine is shared: trust ratios over seconds.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # before the heavy imports: "process start" for first paint

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import peak_mb  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SIZE = (100, 30)
PRESSES = 50
FILTER = "status:blocked tag:berlin"
MAX_SIZE = 10_000_000
TARGETS = {"first_paint": 0.5, "page_down": 0.05, "filter": 0.3, "last_row": 0.1}


# ---- databases ---------------------------------------------------------------------------


SERVERS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/{name}",
    "mysql": "mysql://root@127.0.0.1:3306/{name}",
}


def db_name(size: int) -> str:
    return f"didtui_bench_tui_{size}"


def url_for(backend: str, target: str) -> str:
    """The database URL of a build: a file path for SQLite, a database name on a server."""
    return f"sqlite:///{target}" if backend == "sqlite" else SERVERS[backend].format(name=target)


def admin(backend: str, statement: str) -> list:
    """One statement on the server outside the benchmark's databases (CREATE/DROP DATABASE)."""
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            return list(cur.fetchall())
    finally:
        conn.close()


def server_built(backend: str, name: str) -> bool:
    """The server database exists and its build finished (its `bench_built` table)."""
    if backend == "postgresql":
        if not admin(backend, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            return False
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname=name) as conn:
            return bool(conn.execute("SELECT to_regclass('bench_built')").fetchone()[0])
    found = admin(
        backend,
        f"SELECT 1 FROM information_schema.tables WHERE table_schema = '{name}' AND table_name = 'bench_built'",
    )
    return bool(found)


def build_server(backend: str, name: str, size: int) -> None:
    """SIZE DIDs in a fresh server database `name`, as `build` does for SQLite."""
    admin(backend, f"DROP DATABASE IF EXISTS {name}")
    admin(backend, f"CREATE DATABASE {name}" + (" CHARACTER SET utf8mb4" if backend == "mysql" else ""))
    if backend == "mysql":
        fill_mysql(url_for(backend, name), size)
    else:
        fill(url_for(backend, name), size)
    from didtui import db as dbmod

    dbmod.connect(profile(url_for(backend, name)))
    dbmod.database_proxy.execute_sql("CREATE TABLE bench_built (size BIGINT)")
    dbmod.close()


QUARTERS = [
    ("Telia Carrier", "gold", "in_stock"),
    ("Lumen Wholesale", "silver", "reserved"),
    ("Colt Numbers", "london", "in_stock"),
    ("Sipgate Trunks", "berlin", "blocked"),
]


def profile(url: str, **options):
    """The benchmark's profile. Its numbers (`155500...`, eleven digits) are read at the
    digits level: under the default (valid US numbers) they are refused as too long."""
    from didtui.config import Profile

    return Profile(name="bench", database=url, user="bench", numbers="digits", **options)


def ranges(size: int):
    """(operator, tag, status, first, last) of each range the app creates: SIZE DIDs in
    four quarters, each in ranges of at most `MAX_RANGE` numbers (the cap on one range)."""
    from didtui.core.numbers import MAX_RANGE

    if not 0 < size <= MAX_SIZE:
        raise SystemExit(f"--size must be from 1 to {MAX_SIZE:,}")
    quarters = [size // 4 + (1 if i < size % 4 else 0) for i in range(4)]
    for i, (name, tag, status) in enumerate(QUARTERS):
        start = 15_550_000_000 + i * 10_000_000  # room for MAX_SIZE / 4 numbers per quarter
        for first in range(start, start + quarters[i], MAX_RANGE):
            yield name, tag, status, first, min(first + MAX_RANGE, start + quarters[i]) - 1


def fill(url: str, size: int) -> None:
    """SIZE DIDs in four operators/tags/statuses through the app's range creation."""
    from didtui import db as dbmod
    from didtui.core import inventory, operators
    from didtui.core.numbers import parse_numbers

    dbmod.connect(profile(url), upgrade=True)
    ops: dict[str, int] = {}
    for name, tag, status, first, last in ranges(size):
        if name not in ops:
            ops[name] = operators.create_operator(name).id
        inventory.create_dids(parse_numbers(f"{first}-{last}"), operator_id=ops[name], tag=tag, status=status)
    dbmod.close()


def fill_mysql(url: str, size: int) -> None:
    """What `fill` builds, with the server generating the rows: the app's range creation
    sends MariaDB multi-row INSERTs, about 200,000 DIDs a minute on the loaded machine
    (10M: most of an hour). The app creates the first number of each range (its batch,
    its event, the row's values); `INSERT ... SELECT` from the SEQUENCE engine's
    `seq_1_to_N` then copies that DID and that event to the range's other numbers, with
    the ids that follow the seed's (ids in number order without gaps, as the app's load
    gives them: InnoDB would reserve auto-increment ids for INSERT ... SELECT in
    doubling blocks and leave gaps, which the count estimate would see), and the batch
    counts them. Then ANALYZE TABLE, as `create_dids` does after a load."""
    from didtui import db as dbmod
    from didtui.core import inventory, operators
    from didtui.core.numbers import parse_numbers
    from didtui.dialect import dialect
    from didtui.models import DID

    database = dbmod.connect(profile(url), upgrade=True)
    ops: dict[str, int] = {}
    copied = [c for c in DID._meta.columns if c not in ("id", "number")]
    columns = ", ".join(f"`{c}`" for c in copied)
    for name, tag, status, first, last in ranges(size):
        if name not in ops:
            ops[name] = operators.create_operator(name).id
        created = inventory.create_dids(parse_numbers(str(first)), operator_id=ops[name], tag=tag, status=status)
        if last == first:
            continue
        numbers = f"seq_1_to_{last - first}"
        seed = str(first)
        database.execute_sql(
            f"INSERT INTO did (id, number, {columns}) "
            f"SELECT d.id + seq, CAST(%s + seq AS CHAR), {', '.join('d.`' + c + '`' for c in copied)} "
            f"FROM {numbers} JOIN did AS d ON d.number = %s ORDER BY seq",
            (first, seed),
        )
        database.execute_sql(
            "INSERT INTO event (id, at, actor, did_number, action, changes, batch) "
            "SELECT e.id + seq, e.at, e.actor, CAST(%s + seq AS CHAR), e.action, e.changes, e.batch "
            f"FROM {numbers} JOIN event AS e ON e.did_number = %s AND e.batch = %s ORDER BY seq",
            (first, seed, created.batch),
        )
        database.execute_sql("UPDATE batch SET count = count + %s WHERE batch = %s", (last - first, created.batch))
    dialect(database).analyze(database, DID)
    dbmod.close()


def build(path: Path, size: int) -> None:
    """SIZE DIDs in four operators/tags/statuses, the way the app would create them.

    Each quarter is created in ranges of at most `MAX_RANGE` numbers (the cap on one
    range), so any size up to `MAX_SIZE` builds. The file is written under a temporary
    name and renamed when complete: a build that was interrupted is never reused."""
    from didtui import db as dbmod

    partial = path.with_name(path.name + ".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    fill(f"sqlite:///{partial}", size)
    dbmod.connect(profile(f"sqlite:///{partial}"))
    dbmod.database_proxy.obj.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dbmod.close()
    partial.rename(path)


# ---- measurements (each in its own process) ------------------------------------------------


def send_key(app, key: str, character: str | None = None) -> None:
    """The key as the terminal driver delivers it: `pilot.press` also waits for the whole
    process to go idle (tens of ms), which would swamp the figures being measured."""
    from textual import events

    event = events.Key(key, character)
    event.set_sender(app)
    app._driver.send_message(event)


def paint(app) -> None:
    """Compose and write the frame now (what the screen's refresh timer does next tick)."""
    app.screen._on_timer_update()


async def _until(condition, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the table never settled")
        await asyncio.sleep(0.001)


async def measure_ours(url: str) -> dict:
    from didtui.launch import skip_server_drivers

    if url.startswith("sqlite"):
        skip_server_drivers()  # as `didtui` does for an SQLite profile
    from didtui import db as dbmod
    from didtui.tui.app import DidApp
    from didtui.tui.widgets.did_table import DIDTable

    bench = profile(url, sweep_interval=0)
    t_app = time.perf_counter()
    dbmod.connect(bench, pooled=True)
    app = DidApp(bench, {}, sweep_interval=0)
    out: dict = {}
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DIDTable)
        await _until(table.rows_shown)
        paint(app)  # the frame with the rows
        now = time.perf_counter()
        out["first_paint"] = now - T0
        out["first_paint_app"] = now - t_app
        await _until(table.count_shown)
        paint(app)
        out["count_line_app"] = time.perf_counter() - t_app
        await _until(table.is_settled)
        paint(app)
        out["count_shown_app"] = time.perf_counter() - t_app
        times = []
        for _ in range(PRESSES):
            before = table.cursor
            t = time.perf_counter()
            send_key(app, "pagedown")
            await _until(lambda before=before: table.cursor != before and table.is_settled())
            paint(app)
            times.append(time.perf_counter() - t)
            await pilot.pause()
        out["page_down"] = statistics.median(times)
        total = table.total
        t = time.perf_counter()
        table.scroll_to(y=table.total // 2, animate=False, immediate=True)  # a scrollbar drag
        await _until(lambda: table.is_settled() and table.cursor >= table.total // 2)
        paint(app)
        out["middle"] = time.perf_counter() - t
        await pilot.pause()
        await pilot.press("slash", *[{" ": "space", ":": "colon"}.get(c, c) for c in FILTER])
        t = time.perf_counter()
        send_key(app, "enter", "\r")
        await _until(lambda: table.total is not None and table.total != total and table.rows_shown())
        paint(app)
        out["filter"] = time.perf_counter() - t
        await _until(table.is_settled)
        out["filter_count"] = time.perf_counter() - t
        await pilot.pause()
        t = time.perf_counter()
        send_key(app, "G", "G")
        await _until(lambda: table.is_settled() and table.total and table.cursor == table.total - 1)
        paint(app)
        out["last_row"] = time.perf_counter() - t
    out["peak_mb"] = peak_mb()
    return out


async def measure_datatable(url: str) -> dict:
    """Textual's DataTable with 10,000 rows of the same database, the same steps."""
    from textual.app import App
    from textual.widgets import DataTable

    from didtui import db as dbmod
    from didtui.core import filters
    from didtui.core.filters import resolve_filter
    from didtui.tui.widgets.did_table import COLUMNS

    dbmod.connect(profile(url))
    rows = filters.page(None, limit=10_000)

    def cells(row):
        return [c.value(row) for c in COLUMNS]

    class Reference(App):
        def compose(self):
            yield DataTable()

    t_app = time.perf_counter()
    app = Reference()
    out: dict = {}
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        table.add_columns(*[c.title for c in COLUMNS])
        table.add_rows([cells(r) for r in rows])
        table.focus()
        await _until(lambda: table.virtual_size.height >= len(rows))  # rows measured and laid out
        paint(app)
        now = time.perf_counter()
        out["first_paint"] = now - T0
        out["first_paint_app"] = now - t_app
        out["count_shown_app"] = out["first_paint_app"]
        out["count_line_app"] = out["first_paint_app"]
        times = []
        for _ in range(PRESSES):
            before = table.cursor_row
            t = time.perf_counter()
            send_key(app, "pagedown")
            await _until(lambda before=before: table.cursor_row != before)
            paint(app)
            times.append(time.perf_counter() - t)
            await pilot.pause()
        out["page_down"] = statistics.median(times)
        t = time.perf_counter()
        table.scroll_to(y=len(rows) // 2, animate=False, immediate=True)
        paint(app)
        out["middle"] = time.perf_counter() - t
        await pilot.pause()
        t = time.perf_counter()
        filt = resolve_filter(status="blocked", tag="berlin")
        matching = filters.page(filt, limit=10_000)
        table.clear()
        table.add_rows([cells(r) for r in matching])
        await _until(lambda: len(matching) <= table.virtual_size.height <= len(matching) + 2)
        paint(app)
        out["filter"] = time.perf_counter() - t
        out["filter_count"] = out["filter"]
        await pilot.pause()
        t = time.perf_counter()
        send_key(app, "ctrl+end")
        await _until(lambda: table.cursor_row == table.row_count - 1)
        paint(app)
        out["last_row"] = time.perf_counter() - t
    out["peak_mb"] = peak_mb()
    return out


def child(kind: str, url: str) -> None:
    result = asyncio.run(measure_ours(url) if kind == "ours" else measure_datatable(url))
    print(json.dumps(result))


def run_child(kind: str, db: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", db],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} on {db} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- the report --------------------------------------------------------------------------


def median_of(results: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        nargs="?",
        const="",
        help="build (or reuse) the SQLite files in DIR; servers: keep them",
    )
    parser.add_argument("--backend", choices=["sqlite", *SERVERS], default="sqlite")
    parser.add_argument("--build-only", action="store_true", help="build (or find) the databases, measure nothing")
    parser.add_argument("--child", choices=["ours", "datatable"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db)
        return

    urls = {}
    if args.backend == "sqlite":
        if args.keep == "":
            raise SystemExit("--keep DIR: the directory of the SQLite files")
        work = Path(args.keep or tempfile.mkdtemp(prefix="didtui-bench-tui-"))
        work.mkdir(parents=True, exist_ok=True)
        for n in (10_000, args.size):
            path = work / f"dids-{n}.db"
            urls[n] = url_for("sqlite", str(path))
            if not path.exists():
                t = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.bench.bench_tui import build; "
                        f"from pathlib import Path; build(Path({str(path)!r}), {n})",
                    ],
                    check=True,
                    cwd=ROOT,
                )
                print(f"built {n:,} DIDs in {time.perf_counter() - t:.1f} s: {path}")
    else:
        for n in (10_000, args.size):
            name = db_name(n)
            urls[n] = url_for(args.backend, name)
            if not server_built(args.backend, name):
                t = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                        f"from tests.bench.bench_tui import build_server; "
                        f"build_server({args.backend!r}, {name!r}, {n})",
                    ],
                    check=True,
                    cwd=ROOT,
                )
                print(f"built {n:,} DIDs in {time.perf_counter() - t:.1f} s: {args.backend} {name}")
    small, big = urls[10_000], urls[args.size]

    if args.build_only:
        return
    runs: dict[str, list[dict]] = {"big": [], "small": [], "datatable": []}
    for i in range(args.runs):
        order = [("big", "ours", big), ("small", "ours", small), ("datatable", "datatable", small)]
        for name, kind, db in order if i % 2 == 0 else reversed(order):
            runs[name].append(run_child(kind, db))
    big_m, small_m, ref = (median_of(runs[k]) for k in ("big", "small", "datatable"))

    if args.backend != "sqlite" and args.keep is None:
        for n in (10_000, args.size):
            admin(args.backend, f"DROP DATABASE IF EXISTS {db_name(n)}")
    print(f"\ndidtui TUI benchmark: medians of {args.runs} runs, terminal {SIZE[0]}x{SIZE[1]}, {args.backend}")
    print(
        f"{'figure':<34}{'ours @' + format(args.size, ','):>14}{'ours @10,000':>14}"
        f"{'DataTable @10,000':>19}{'ratio':>9}{'target':>10}"
    )

    def line(label: str, key: str, unit: str = "s", target: str = "", compare: bool = True) -> None:
        scale, digits = (1000, 1) if unit == "ms" else (1, 2 if unit == "s" else 1)
        ratio = f"{big_m[key] / ref[key]:>8.2f}x" if compare and ref[key] else f"{'-':>9}"
        print(
            f"{label:<34}{big_m[key] * scale:>11.{digits}f} {unit:<2}{small_m[key] * scale:>11.{digits}f} {unit:<2}"
            f"{ref[key] * scale:>16.{digits}f} {unit:<2}{ratio}{target:>10}"
        )

    line("first paint (process start)", "first_paint", "s", "<= 0.5 s")
    line("first paint (app start)", "first_paint_app", "s", "")
    line("count line, exact or estimate (app)", "count_line_app", "s", "<= 0.5 s")
    line("exact count shown (app start)", "count_shown_app", "s", "")
    line("page down (median of 50)", "page_down", "ms", "<= 50 ms")
    line("jump to the middle (scrollbar)", "middle", "ms", "", compare=False)  # DataTable: rows in memory
    line("apply a filter", "filter", "ms", "<= 300 ms")
    line("apply a filter, exact count", "filter_count", "ms", "")
    line("jump to the last row", "last_row", "ms", "<= 100 ms")
    line("peak memory", "peak_mb", "MB", "<= 150 MB")
    spread = abs(big_m["peak_mb"] - small_m["peak_mb"]) / small_m["peak_mb"] * 100
    print(f"peak memory at {args.size:,} vs 10,000 DIDs: {spread:+.1f}% (target within 10%)")


if __name__ == "__main__":
    main()
