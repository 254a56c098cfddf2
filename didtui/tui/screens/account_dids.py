"""An account's DIDs (one client package): pick more within the allowance, release."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from didtui.core import retail
from didtui.core.filters import DIDFilter
from didtui.core.retail import ClientPackageRow
from didtui.tui.keyhelp import help_group
from didtui.tui.messages import DataChanged
from didtui.tui.modals.pick import PickScreen
from didtui.tui.screens.dids import DIDListPanel
from didtui.tui.text import literal
from didtui.tui.widgets.did_table import DIDTable
from didtui.tui.widgets.key_bar import KeyBar
from didtui.tui.work import db_call


def package_line(cp: ClientPackageRow) -> str:
    state = "active" if cp.active else "INACTIVE"
    return (
        f"{cp.client} / {cp.account} · package {cp.package} ({state}) · tags {', '.join(cp.tags)} · "
        f"{cp.used} of {cp.allowed_dids} used, {cp.remaining} left"
    )


@help_group("An account's DIDs", order=90)
class AccountPanel(DIDListPanel):
    BINDINGS = [
        Binding("p", "pick", "Pick", id="account.pick"),
        Binding("escape", "back", "Back", id="account.back"),
    ]

    def __init__(self, cp: ClientPackageRow, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cp = cp

    def compose(self) -> ComposeResult:
        yield Static(literal(package_line(self.cp)), id="package-line", classes="section")
        yield from self.compose_summary()
        yield DIDTable(id="account-table")

    def on_mount(self) -> None:
        self.table.load(DIDFilter(client_package_id=self.cp.id))
        self.table.focus()

    def refresh_data(self) -> None:
        super().refresh_data()
        cp_id = self.cp.id
        db_call(self, lambda: retail.client_package(cp_id), done=self._show_package)

    def _show_package(self, cp: ClientPackageRow) -> None:
        self.cp = cp
        self.query_one("#package-line", Static).update(literal(package_line(cp)))

    def action_pick(self) -> None:
        def picked(numbers: list | None) -> None:
            if numbers:
                self.app.post_message(DataChanged())

        self.app.push_screen(PickScreen(self.cp), picked)

    def action_back(self) -> None:
        self.screen.dismiss(None)


class AccountDIDsScreen(Screen[None]):
    """Pushed over the tabs; esc comes back to the Clients tab."""

    def __init__(self, cp: ClientPackageRow) -> None:
        super().__init__()
        self.cp = cp

    def compose(self) -> ComposeResult:
        yield Static(literal(f"didtui · DIDs of {self.cp.client} / {self.cp.account}"), id="topbar")
        yield AccountPanel(self.cp, id="account-panel")
        yield KeyBar()

    def refresh_data(self) -> None:
        self.query_one(AccountPanel).refresh_data()
