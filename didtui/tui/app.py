"""The didtui app: four tabs over one database, the background hold sweep, the keymap.

`run_app(context)` is what bare `didtui` runs. It returns when the user quits or the
terminal goes away (SIGHUP over a dropped SSH connection).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import os
import signal
from collections.abc import Iterable
from typing import Any

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from didtui.config import Profile
from didtui.core import session
from didtui.core import sweep as sweeping
from didtui.tui.keyhelp import help_group
from didtui.tui.screens.clients import ClientsTab
from didtui.tui.screens.dids import DataChanged, DidsTab
from didtui.tui.screens.help import HelpScreen, palette_commands
from didtui.tui.screens.operators import OperatorsTab
from didtui.tui.screens.packages import PackagesTab
from didtui.tui.work import db_call, fire_hook, set_pool_size

TABS = ("dids", "operators", "packages", "clients")


def pick_theme(environ: dict[str, str] | None = None) -> str:
    """`ansi-dark` on 16-colour terminals (TERM=xterm or linux over SSH, COLORTERM not
    forwarded): the terminal's own palette stays readable; a richer theme otherwise."""
    env = os.environ if environ is None else environ
    if env.get("DIDTUI_THEME"):
        return env["DIDTUI_THEME"]
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit") or "256" in env.get("TERM", ""):
        return "textual-dark"
    return "ansi-dark"


TAB_TITLES = {"dids": "1 DIDs", "operators": "2 Operators", "packages": "3 Packages", "clients": "4 Clients"}


@help_group("Anywhere", order=10)
class DidApp(App[None]):
    """Tabs (1-4), a footer of the keys that apply, `?` help, ctrl+p palette."""

    CSS_PATH = "app.tcss"
    TITLE = "didtui"
    BINDINGS = [
        Binding("1", "tab('dids')", "DIDs", show=False, id="tab.dids"),
        Binding("2", "tab('operators')", "Operators", show=False, id="tab.operators"),
        Binding("3", "tab('packages')", "Packages", show=False, id="tab.packages"),
        Binding("4", "tab('clients')", "Clients", show=False, id="tab.clients"),
        Binding("ctrl+pagedown,ctrl+right", "next_tab(1)", "Next tab", show=False, id="tab.next"),
        Binding("ctrl+pageup,ctrl+left", "next_tab(-1)", "Previous tab", show=False, id="tab.previous"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("S", "sweep_now", "Sweep now", show=False, id="app.sweep"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self, profile: Profile, keymap: dict[str, str] | None = None, *, sweep_interval: float | None = None
    ) -> None:
        super().__init__()
        self.profile = profile
        self.user_keymap = dict(keymap or {})
        self.sweep_interval = profile.sweep_interval if sweep_interval is None else sweep_interval
        self.last_sweep: str = "not yet"
        self._sweeping = False
        self.sweeps_run = 0
        set_pool_size(profile.pool_size)

    # ---- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self._topbar_text(), id="topbar")
        with TabbedContent(id="tabs"):
            with TabPane(TAB_TITLES["dids"], id="dids"):
                yield DidsTab(hold_days=self.profile.hold_days, max_range=self.profile.max_range, id="dids-tab")
            with TabPane(TAB_TITLES["operators"], id="operators"):
                yield OperatorsTab(id="operators-tab")
            with TabPane(TAB_TITLES["packages"], id="packages"):
                yield PackagesTab(id="packages-tab")
            with TabPane(TAB_TITLES["clients"], id="clients"):
                yield ClientsTab(id="clients-tab")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.theme = pick_theme()
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.sweep_interval and self.sweep_interval > 0:
            self.set_interval(self.sweep_interval, self.scheduled_sweep)
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
        self.query_one("#topbar", Static).update(self._topbar_text())

    # ---- tabs ---------------------------------------------------------------------------

    @property
    def in_form(self) -> bool:
        """A modal form or dialog is open (the sweep waits, number keys type)."""
        return isinstance(self.screen, ModalScreen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in ("tab", "next_tab") and len(self.screen_stack) > 1)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def action_next_tab(self, step: int) -> None:
        current = self.query_one(TabbedContent).active or "dids"
        self.action_tab(TABS[(TABS.index(current) + step) % len(TABS)])

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._focus_tab(event.pane.id or "dids")

    def _focus_tab(self, tab: str) -> None:
        pane = self.query_one(f"#{tab}-tab")
        pane.focus_main()
        if tab != "dids":
            pane.refresh_data()

    def on_dids_tab_back(self, event: DidsTab.Back) -> None:
        self.action_tab(event.tab)

    def on_data_changed(self, event: DataChanged) -> None:
        """DIDs changed: re-read every table that shows them."""
        # The other tabs re-read when they are opened: counting a million DIDs by
        # operator for a tab nobody looks at would only load the database.
        self.query_one(DidsTab).refresh_data()
        active = self.query_one(TabbedContent).active
        if active and active != "dids":
            self.query_one(f"#{active}-tab").refresh_data()
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_data", None)
            if refresh is not None and screen is not self.screen_stack[0]:
                refresh()

    def drill_down(self, values: dict[str, Any], back_to: str) -> None:
        """Open the DIDs tab filtered by `values`; esc there comes back to `back_to`."""
        self.query_one(TabbedContent).active = "dids"
        tab = self.query_one(DidsTab)
        tab.drill_down(values, back_to)
        tab.focus_main()

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
        if result.skipped:  # an import holds the SQLite write lock: the next sweep will do it
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
            self.notify(f"hold sweep released {result.released:,} DIDs")
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

    # ---- help and palette ---------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)


def run_app(context: Any) -> None:
    """Open the profile's database and run the app until quit or hangup."""
    profile = context.open(pooled=True)  # background jobs share pooled server sessions
    app = DidApp(profile, context.config.keymap)
    try:
        app.run()
    finally:
        session.close()
