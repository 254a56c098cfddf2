"""Benchmark: undoing a 100,000-DID mass edit next to the mass edit itself (issue 9).

    .venv/bin/python tests/bench/bench_undo.py [--runs 3] [--size 300000] [--edited 100000]
        [--backend sqlite|postgresql|mysql]

Each run builds a fresh database of SIZE DIDs, mass-edits EDITED of them selected by id
(status and tag, one event and one kept row each), then undoes that batch; it prints both
times and their ratio (target <= 1.5x), medians over the runs. The machine is shared:
trust the ratio over the seconds. Servers use the test databases' URLs of tests/conftest.py
with a scratch database named didtui_bench_undo.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import peak_mb  # noqa: E402

TARGET = 1.5
FIRST = 10_000_000_000
SCRATCH = "didtui_bench_undo"


def _profile(kind: str, workdir: Path):
    from didtui.config import Profile

    if kind == "sqlite":
        return Profile(name="bench", database=f"sqlite:///{workdir / 'bench.db'}", user="bench")
    if kind == "postgresql":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {SCRATCH}")
        return Profile(name="bench", database=f"postgresql://postgres@127.0.0.1:5432/{SCRATCH}", user="bench")
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        cur.execute(f"CREATE DATABASE {SCRATCH} CHARACTER SET utf8mb4")
    conn.close()
    return Profile(name="bench", database=f"mysql://root@127.0.0.1:3306/{SCRATCH}", user="bench")


def one_run(kind: str, size: int, edited: int) -> tuple[float, float]:
    from didtui import db as dbmod
    from didtui.core import inventory, undo
    from didtui.core.filters import Selection
    from didtui.core.numbers import NumberSpan
    from didtui.models import DID

    with tempfile.TemporaryDirectory() as tmp:
        database = dbmod.connect(_profile(kind, Path(tmp)), upgrade=True)
        inventory.create_dids([NumberSpan(FIRST, FIRST + size - 1, 11)], tag="gold")
        ids = [i for (i,) in DID.select(DID.id).order_by(DID.id).limit(edited).tuples()]
        start = time.perf_counter()
        inventory.mass_edit(Selection.of_ids(ids), {"status": "reserved", "tag": "blue"})
        edit = time.perf_counter() - start
        batch = undo.list_batches(1)[0].batch
        start = time.perf_counter()
        result = undo.undo(batch)
        back = time.perf_counter() - start
        assert result.restored == edited
        assert DID.select().where(DID.tag == "blue").count() == 0
        database.close()
    return edit, back


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=300_000)
    parser.add_argument("--edited", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql", "mysql"])
    args = parser.parse_args()
    edits, undos = [], []
    for _ in range(args.runs):
        edit, back = one_run(args.backend, args.size, args.edited)
        edits.append(edit)
        undos.append(back)
    edit, back = statistics.median(edits), statistics.median(undos)
    ratio = back / edit
    print(f"{args.backend}: mass edit of {args.edited:,} DIDs {edit:.2f} s (baseline)")
    print(f"{args.backend}: undo of that batch        {back:.2f} s  ratio {ratio:.2f}x (target <= {TARGET}x)")
    print(f"peak memory {peak_mb():.0f} MB")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
