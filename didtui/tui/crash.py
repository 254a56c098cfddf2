"""When the app itself fails (a bug, not bad input): the traceback goes to a report file,
the terminal gets one line naming it, and the process exits non-zero.

Textual's own handling prints a traceback with local variables on the terminal (stored
names and notes among them) and the entry point used to exit 0 regardless, so wrappers
and scripts could not tell a crash from a quit.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import traceback
from importlib.metadata import version
from pathlib import Path

import platformdirs

from didtui import __version__
from didtui.core.text import display_safe

CRASH_DIR_ENV = "DIDTUI_CRASH_DIR"
EXIT_CRASHED = 1  # Textual's own return code for an unhandled exception


def crash_dir() -> Path:
    """$DIDTUI_CRASH_DIR, else `crashes` in the platform's state directory
    (~/.local/state/didtui/crashes on Linux)."""
    env = os.environ.get(CRASH_DIR_ENV)
    return Path(env) if env else Path(platformdirs.user_state_dir("didtui")) / "crashes"


def report_text(error: BaseException) -> str:
    """The report: versions, then the traceback without local variables, control
    characters made visible (the messages may quote stored text)."""
    try:
        textual_version = version("textual")
    except Exception:  # noqa: BLE001 - a report is written whatever is missing
        textual_version = "?"
    head = (
        f"didtui {__version__} crashed at {_dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %z}\n"
        f"python {platform.python_version()} · textual {textual_version} · {platform.platform()}\n"
        f"command: {' '.join(sys.argv)}\n\n"
    )
    body = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return display_safe(head + body, keep="\n")


def write_report(error: BaseException) -> Path | None:
    """Write the crash report (readable by its owner only); its path, or None if it
    could not be written. Never raises: it runs while the app is already failing."""
    try:
        folder = crash_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(report_text(error))
        return path
    except Exception:  # noqa: BLE001 - a failing report must not hide the crash itself
        return None


def crash_line(error: BaseException, path: Path | None, lead: str = "didtui stopped on an internal error") -> str:
    """The one line the terminal shows after a crash (or a toast after a failed step)."""
    what = display_safe(f"{type(error).__name__}: {error}")
    if len(what) > 200:
        what = what[:199] + "…"
    where = f"the report is in {path}" if path else "no report could be written"
    return f"{lead} ({what}); {where}"
