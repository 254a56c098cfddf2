"""What the benchmark scripts share (they run as scripts: `python tests/bench/bench_*.py`)."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_mb() -> float:
    """This process's peak resident memory. Linux keeps ru_maxrss across exec (a child
    would report its parent's peak), so read the address space's own high-water mark."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
