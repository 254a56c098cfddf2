"""The didtui app: four tabs over one database, the background hold sweep, the keymap.

`run_app(context)` is what bare `didtui` runs. It returns when the user quits or the
terminal goes away (SIGHUP over a dropped SSH connection); a crash exits non-zero with
one line naming its report file (didtui/tui/crash.py).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import os
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import WorkerState

from didtui.config import Profile
from didtui.core import changes, session
from didtui.core import sweep as sweeping
from didtui.core.text import display_safe
from didtui.tui import crash
from didtui.tui.keyhelp import help_group
from didtui.tui.keymap import check_keymap
from didtui.tui.keys import OrderedKeys
from didtui.tui.messages import DataChanged, DrillDown
from didtui.tui.screens.batches import BatchesScreen
from didtui.tui.screens.clients import ClientsTab
from didtui.tui.screens.dids import DidsTab
from didtui.tui.screens.help import HelpScreen, palette_commands
from didtui.tui.screens.list_tab import ListTab
from didtui.tui.screens.operators import OperatorsTab
from didtui.tui.screens.packages import PackagesTab
from didtui.tui.screens.resellers import ResellersTab
from didtui.tui.text import literal
from didtui.tui.widgets.did_table import DIDTable
from didtui.tui.widgets.key_bar import KeyBar
from didtui.tui.words import count
from didtui.tui.work import db_call, fire_hook, set_pool_size

TABS = ("dids", "operators", "packages", "clients", "resellers")
WATCH_SECONDS = 2.5
_BUSY = (WorkerState.PENDING, WorkerState.RUNNING)  # how often the app looks for changes made by others


def pick_theme(environ: dict[str, str] | None = None) -> str:
    """`ansi-dark` on 16-colour terminals (TERM=xterm or linux over SSH, COLORTERM not
    forwarded): the terminal's own palette stays readable; a richer theme otherwise."""
    env = os.environ if environ is None else environ
    if env.get("DIDTUI_THEME"):
        return env["DIDTUI_THEME"]
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit") or "256" in env.get("TERM", ""):
        return "textual-dark"
    return "ansi-dark"


TAB_TITLES = {
    "dids": "1 DIDs",
    "operators": "2 Operators",
    "packages": "3 Packages",
    "clients": "4 Clients",
    "resellers": "5 Resellers",
}


@help_group("Anywhere", order=10)
class DidApp(OrderedKeys):
    """Tabs (1-5), a footer of the keys that apply, `?` help, ctrl+p palette."""

    CSS_PATH = "app.tcss"
    TITLE = "didtui"
    BINDINGS = [
        Binding("1", "tab('dids')", "DIDs", show=False, id="tab.dids"),
        Binding("2", "tab('operators')", "Operators", show=False, id="tab.operators"),
        Binding("3", "tab('packages')", "Packages", show=False, id="tab.packages"),
        Binding("4", "tab('clients')", "Clients", show=False, id="tab.clients"),
        Binding("5", "tab('resellers')", "Resellers", show=False, id="tab.resellers"),
        Binding("B", "batches", "Batches", show=False, tooltip="Recent batches (undo)", id="app.batches"),
        Binding("ctrl+pagedown,ctrl+right", "next_tab(1)", "Next tab", show=False, id="tab.next"),
        Binding("ctrl+pageup,ctrl+left", "next_tab(-1)", "Previous tab", show=False, id="tab.previous"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("S", "sweep_now", "Sweep now", show=False, id="app.sweep"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        profile: Profile,
        keymap: dict[str, str] | None = None,
        *,
        sweep_interval: float | None = None,
        watch_interval: float | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.user_keymap = dict(keymap or {})
        self.sweep_interval = profile.sweep_interval if sweep_interval is None else sweep_interval
        self.last_sweep: str = "not yet"
        self._sweeping = False
        self.sweeps_run = 0
        self.watch_interval = WATCH_SECONDS if watch_interval is None else watch_interval
        self._marker: tuple[object, ...] | None = None
        self._watching = False
        self.changes_seen = 0
        self.crash_report: Path | None = None
        self.crash_message = ""
        set_pool_size(profile.pool_size)

    # ---- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(literal(self._topbar_text()), id="topbar")
        with TabbedContent(id="tabs"):
            with TabPane(TAB_TITLES["dids"], id="dids"):
                yield DidsTab(hold_days=self.profile.hold_days, max_range=self.profile.max_range, id="dids-tab")
            with TabPane(TAB_TITLES["operators"], id="operators"):
                yield OperatorsTab(id="operators-tab")
            with TabPane(TAB_TITLES["packages"], id="packages"):
                yield PackagesTab(id="packages-tab")
            with TabPane(TAB_TITLES["clients"], id="clients"):
                yield ClientsTab(id="clients-tab")
            with TabPane(TAB_TITLES["resellers"], id="resellers"):
                yield ResellersTab(id="resellers-tab")
        yield KeyBar()

    def on_mount(self) -> None:
        self.theme = pick_theme()
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.sweep_interval and self.sweep_interval > 0:
            self.set_interval(self.sweep_interval, self.scheduled_sweep)
        if self.watch_interval and self.watch_interval > 0:
            self.set_interval(self.watch_interval, self.watch_changes)
        session.on_wait(self._waiting)
        self._focus_tab("dids")
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests)
            pass

    def _hangup(self) -> None:
        """The terminal went away: leave at once, cleanly."""
        self.exit(return_code=0)

    def _topbar_text(self) -> str:
        return f"didtui · profile {self.profile.name} · {self.profile.user} · last sweep {self.last_sweep}"

    def _update_topbar(self) -> None:
        self.query_one("#topbar", Static).update(literal(self._topbar_text()))

    # ---- tabs ---------------------------------------------------------------------------

    @property
    def in_form(self) -> bool:
        """A modal form or dialog is open (the sweep waits, number keys type)."""
        return isinstance(self.screen, ModalScreen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in ("tab", "next_tab", "batches") and len(self.screen_stack) > 1)

    def action_batches(self) -> None:
        self.push_screen(BatchesScreen())

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def action_next_tab(self, step: int) -> None:
        current = self.query_one(TabbedContent).active or "dids"
        self.action_tab(TABS[(TABS.index(current) + step) % len(TABS)])

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._focus_tab(event.pane.id or "dids")

    def _tab_body(self, tab: str) -> DidsTab | ListTab | ClientsTab:
        """What tab `tab` shows (`#<tab>-tab`, composed above)."""
        body = self.screen_stack[0].query_one(f"#{tab}-tab")
        if not isinstance(body, (DidsTab, ListTab, ClientsTab)):
            raise TypeError(f"#{tab}-tab is a {type(body).__name__}, not a tab's body")
        return body

    def _focus_tab(self, tab: str) -> None:
        pane = self._tab_body(tab)
        focused = pane.screen.focused
        # The activation message can arrive after keys typed at start (`/` opened the
        # filter): focus already inside the tab stays where those keys put it.
        if focused is None or pane not in focused.ancestors_with_self:
            pane.focus_main()
        if tab != "dids":
            pane.refresh_data()

    def on_dids_tab_back(self, event: DidsTab.Back) -> None:
        self.action_tab(event.tab)

    def on_data_changed(self, event: DataChanged) -> None:
        """DIDs changed: re-read every table that shows them."""
        # The other tabs re-read when they are opened: counting a million DIDs by
        # operator for a tab nobody looks at would only load the database. The tabs live
        # on the first screen, whatever is open above it; a change reported while the app
        # closes (its tabs already gone) has nothing left to refresh.
        base = self.screen_stack[0] if self.screen_stack else None
        dids = base.query(DidsTab) if base is not None else None
        if base is None or not dids:
            return
        dids.first().refresh_data()
        active = base.query_one(TabbedContent).active
        if active and active != "dids":
            self._tab_body(active).refresh_data()
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_data", None)
            if refresh is not None and screen is not self.screen_stack[0]:
                refresh()

    def on_drill_down(self, event: DrillDown) -> None:
        self.drill_down(event.values, event.back_to)

    def drill_down(self, values: dict[str, Any], back_to: str) -> None:
        """Open the DIDs tab filtered by `values`; esc there comes back to `back_to`."""
        self.query_one(TabbedContent).active = "dids"
        tab = self.query_one(DidsTab)
        tab.drill_down(values, back_to)
        tab.focus_main()

    def keys_may_continue(self) -> bool:
        """Typed-ahead keys wait while a filter is resolved and its first rows load."""
        if any(w.group == "filter" and w.state in _BUSY for w in self.workers):
            return False
        return all(table.total is not None for table in self.screen.query(DIDTable))

    # ---- changes made by others ---------------------------------------------------------

    def watch_changes(self) -> None:
        """Every watch_interval: read the change marker (one cheap query); if it moved
        (another session, the CLI, cron's sweep), re-read what is shown, cursor kept."""
        if self._watching:
            return
        self._watching = True
        db_call(self, changes.marker, done=self._marker_read, failed=self._marker_failed, group="watch")

    def _marker_read(self, marker: tuple[object, ...]) -> None:
        self._watching = False
        if self._marker is not None and marker != self._marker:
            self.changes_seen += 1
            self.post_message(DataChanged())
        self._marker = marker

    def _marker_failed(self, message: str) -> None:
        self._watching = False  # the next tick tries again; errors show on real actions

    # ---- the hold sweep -----------------------------------------------------------------

    def scheduled_sweep(self) -> None:
        """Every sweep_interval: skipped while a form is open or a sweep still runs."""
        if self.in_form:
            return
        self.action_sweep_now()

    def action_sweep_now(self) -> None:
        if self._sweeping:
            return
        self._sweeping = True
        actor = f"{self.profile.user} (sweep)"
        db_call(
            self,
            lambda: sweeping.sweep(actor=actor, skip_if_busy=True),
            done=self._swept,
            failed=self._sweep_failed,
            group="sweep",
        )

    def _swept(self, result: sweeping.SweepResult) -> None:
        self._sweeping = False
        self.sweeps_run += 1
        local = result.at.replace(tzinfo=_dt.UTC).astimezone()
        if result.skipped:  # an import holds the SQLite write lock, or another sweep runs: the next one will do it
            self.last_sweep = f"{local:%H:%M:%S} skipped: {result.skipped}"
        else:
            self.last_sweep = f"{local:%H:%M:%S}" + (f" (released {result.released:,})" if result.released else "")
        self._update_topbar()
        if result.released:
            fire_hook(
                self,
                "after_sweep",
                batch=result.batch,
                counts={"dids": result.released, **result.by_status},
                actor=f"{self.profile.user} (sweep)",
            )
            self.notify(f"hold sweep released {count(result.released, 'DID')}")
            self.post_message(DataChanged())

    def _waiting(self, message: str) -> None:
        """A job's write waits for another session's import (called from the job's thread)."""
        try:
            self.call_from_thread(self.notify, message, title="Waiting", timeout=6)
        except RuntimeError:  # the app's own thread, or shutting down
            pass

    def _sweep_failed(self, message: str) -> None:
        self._sweeping = False
        self.last_sweep = "FAILED"
        self._update_topbar()
        self.notify(f"hold sweep failed: {message}", severity="error", timeout=10)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast is literal text: its messages carry names, notes and core errors
        (docs/untrusted-data.md), so markup is never parsed, whoever asks for it."""
        super().notify(
            display_safe(str(message), keep="\n"),
            title=display_safe(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    async def on_event(self, event: events.Event) -> None:
        # Pasted text lands in inputs, which echo it to the terminal as it is: its escapes
        # become visible stand-ins first (tabs and line breaks are the inputs' own business).
        if isinstance(event, events.Paste) and not event.is_forwarded:
            event.text = display_safe(event.text, keep="\t\n\r")
        await super().on_event(event)

    # ---- crashes -------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """A bug stops the app (Textual's return code 1, re-raised under Pilot); instead
        of a traceback with local variables on the terminal, a report file and one line
        naming it (didtui/tui/crash.py)."""
        self.crash_report = crash.write_report(error)
        self.crash_message = crash.crash_line(error, self.crash_report)
        super()._handle_exception(error)
        # run_app prints the line itself, unwrapped, so the path stays whole on any width.
        self._exit_renderables.clear()

    # ---- help and palette ---------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)


def run_app(context: Any) -> None:
    """Open the profile's database and run the app until quit or hangup."""
    check_keymap(context.config.keymap, str(context.config.path or "config"))
    profile = context.open(pooled=True)  # background jobs share pooled server sessions
    app = DidApp(profile, context.config.keymap)
    try:
        app.run()
    except Exception as exc:  # noqa: BLE001 - failed outside the app's own handler (terminal setup...)
        path = crash.write_report(exc)
        print(crash.crash_line(exc, path), file=sys.stderr)
        raise SystemExit(crash.EXIT_CRASHED) from None
    finally:
        session.close()
    if app.return_code:  # a crash: Textual set 1; one line names the report
        if app.crash_message:
            print(app.crash_message, file=sys.stderr)
        raise SystemExit(app.return_code)
