"""Command-line benchmark: shell completion and `dids list --json`, each beside a
baseline from the same run, at a million DIDs.

    .venv/bin/python tests/bench/bench_cli.py [--size 166667] [--runs 5] [--dir /tmp/didtui-bench-cli]

- Completion: `--operator <TAB>` and `pick <TAB>` (names from the database) as the shell
  runs them (a new process each time), against `didtui --version` (the same start-up,
  no database). Wall and CPU seconds; the difference is what the names cost.
- Listing: `dids list --json` of every DID into a pipe, against `didtui export -o -` of
  the same DIDs (CSV through a raw cursor); time to the first line against the first
  line of the export.
Figures are medians of RUNS runs, each printed with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIDTUI = str(Path(sys.executable).with_name("didtui"))


def timed(argv: list[str], env: dict[str, str], first_line: bool = False) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) to run argv (or to its first stdout line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    if first_line:
        proc.stdout.readline()
        wall = time.perf_counter() - start
        proc.kill()
        proc.wait()
    else:
        for _ in iter(lambda: proc.stdout.read(1 << 16), b""):
            pass
        proc.wait()
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median(argv: list[str], env: dict[str, str], runs: int, first_line: bool = False) -> tuple[float, float]:
    results = [timed(argv, env, first_line) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def show(name: str, value: tuple[float, float], base: tuple[float, float], base_name: str) -> None:
    print(
        f"{name:<34} wall {value[0]:7.3f} s  cpu {value[1]:6.3f} s   "
        f"({value[0] / base[0]:.2f}x / {value[1] / base[1]:.2f}x {base_name})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=166_667, help="DIDs per operator (six operators)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", default="/tmp/didtui-bench-cli")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(f'[profiles.bench]\ndatabase = "sqlite:///{folder / "bench.db"}"\nuser = "bench"\n')
    env = dict(os.environ, DIDTUI_CONFIG=str(config))
    subprocess.run([DIDTUI, "demo", "--if-empty", "--size", str(args.size)], env=env, check=True)

    version = median([DIDTUI, "--version"], env, args.runs)
    print(f"{'didtui --version (baseline)':<34} wall {version[0]:7.3f} s  cpu {version[1]:6.3f} s")
    for words, cword in (("didtui dids list --operator ", 4), ("didtui pick ", 2)):
        tab = dict(env, _DIDTUI_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(cword))
        show(f"complete: {words.strip()} <TAB>", median([DIDTUI], tab, args.runs), version, "--version")

    runs = max(1, args.runs // 2)
    export_first = median([DIDTUI, "export", "-o", "-"], env, runs, first_line=True)
    list_first = median([DIDTUI, "dids", "list", "--json"], env, runs, first_line=True)
    print(f"{'export -o - first line (baseline)':<34} wall {export_first[0]:7.3f} s")
    show("dids list --json first line", list_first, export_first, "export")
    export_all = median([DIDTUI, "export", "-o", "-"], env, runs)
    list_all = median([DIDTUI, "dids", "list", "--json"], env, runs)
    print(f"{'export -o - all (baseline)':<34} wall {export_all[0]:7.3f} s  cpu {export_all[1]:6.3f} s")
    show("dids list --json all", list_all, export_all, "export")


if __name__ == "__main__":
    main()
