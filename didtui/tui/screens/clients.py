"""The Clients tab: clients and their accounts above, the highlighted account's client
packages below. Assign, activate/deactivate, and open an account's DIDs to pick/release."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from didtui.core import retail, views
from didtui.core.history import new_batch
from didtui.core.retail import ClientPackageRow
from didtui.core.views import ClientAccountRow
from didtui.tui.keyhelp import help_group
from didtui.tui.messages import DataChanged
from didtui.tui.modals.client_forms import (
    AccountFormScreen,
    AssignPackageScreen,
    ClientFormScreen,
    DeleteClientScreen,
    RenameScreen,
    UnassignScreen,
)
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.modals.pick import PickScreen
from didtui.tui.screens.account_dids import AccountDIDsScreen
from didtui.tui.text import literal
from didtui.tui.widgets.list_table import ListTable
from didtui.tui.words import count
from didtui.tui.work import db_call, fire_hook


@help_group("Clients tab", tab="clients", order=80, target="#clients-tab")
class ClientsTab(Vertical):
    BINDINGS = [
        Binding("n", "new_client", "New client", id="clients.new"),
        Binding("N", "new_account", "New account", id="clients.new_account"),
        Binding("a", "assign", "Assign package", tooltip="Assign a package to the account", id="clients.assign"),
        Binding(
            "t",
            "toggle_active",
            "(De)activate",
            tooltip="Activate / deactivate the client package",
            id="clients.toggle",
        ),
        Binding("u", "unassign", "Un-assign", tooltip="Un-assign the client package", id="clients.unassign"),
        Binding(
            "e",
            "rename",
            "Rename",
            tooltip="Rename the account (a client without one: the client)",
            id="clients.rename",
        ),
        Binding(
            "E", "rename_client", "Rename client", show=False, tooltip="Rename the client", id="clients.rename_client"
        ),
        Binding("delete", "delete", "Delete", tooltip="Delete the account or the client", id="clients.delete"),
        Binding("p", "pick", "Pick", tooltip="Pick DIDs for the client package", id="clients.pick"),
        Binding("d", "account_dids", "Account DIDs", tooltip="The account's DIDs (pick, release)", id="clients.dids"),
        Binding("enter", "open", "Open", show=False, id="clients.open"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="clients.refresh"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.accounts: dict[str, ClientAccountRow] = {}
        self.packages: dict[str, ClientPackageRow] = {}

    def compose(self) -> ComposeResult:
        yield Static("loading…", classes="summary")
        yield ListTable([("Client", 20), ("Account", 18), ("Reseller", 18), ("Active DIDs", 11)], id="accounts-table")
        yield Label(
            "Client packages of the account (enter: its DIDs · t: activate/deactivate · p: pick)",
            id="cp-title",
            classes="section",
        )
        yield ListTable(
            ["ID", ("Package", 20), ("Tags", 22), ("Active", 6), ("Used", 6), ("Allowed", 7), ("Left", 6)],
            id="cp-table",
        )

    @property
    def account_table(self) -> ListTable:
        return self.query_one("#accounts-table", ListTable)

    @property
    def cp_table(self) -> ListTable:
        return self.query_one("#cp-table", ListTable)

    def focus_main(self) -> None:
        self.screen.set_focus(self.account_table)

    def refresh_data(self) -> None:
        db_call(self, views.clients_overview, done=self._show_accounts, group="clients", exclusive=True)

    def action_refresh(self) -> None:
        self.refresh_data()

    def _key(self, row: ClientAccountRow) -> str:
        return f"a{row.account_id}" if row.account_id else f"c{row.client_id}"

    def _show_accounts(self, rows: list[ClientAccountRow]) -> None:
        self.accounts = {self._key(r): r for r in rows}
        self.account_table.set_rows(
            (self._key(r), [r.client, r.account or "(no account: N adds one)", r.reseller, f"{r.active_dids:,}"])
            for r in rows
        )
        clients = len({r.client_id for r in rows})
        self.query_one(".summary", Static).update(
            literal(f"{count(clients, 'client')} · {count(sum(1 for r in rows if r.account_id), 'account')}")
        )
        self._load_packages()

    @property
    def account(self) -> ClientAccountRow | None:
        key = self.account_table.current_key
        return self.accounts.get(key) if key else None

    @property
    def client_package(self) -> ClientPackageRow | None:
        key = self.cp_table.current_key
        return self.packages.get(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "accounts-table":
            event.stop()
            self._load_packages()

    def _load_packages(self) -> None:
        account = self.account
        if account is None or account.account_id is None:
            self.packages = {}
            self.cp_table.set_rows([])
            return
        account_id = account.account_id
        db_call(
            self,
            lambda: retail.list_client_packages(account_id),
            done=self._show_packages,
            group="client-packages",
            exclusive=True,
        )

    def _show_packages(self, rows: list[ClientPackageRow]) -> None:
        self.packages = {str(r.id): r for r in rows}
        self.cp_table.set_rows(
            (
                r.id,
                [
                    r.id,
                    r.package,
                    ", ".join(r.tags),
                    "ending" if r.unassigned else ("yes" if r.active else "no"),
                    r.used,
                    r.allowed_dids,
                    r.remaining,
                ],
            )
            for r in rows
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click: the same as enter
        self._open(event.data_table.id)

    def action_open(self) -> None:
        """enter: on an account, go to its packages; on a package, its DIDs."""
        self._open(self.screen.focused.id if self.screen.focused else None)

    def _open(self, table_id: str | None) -> None:
        if table_id == "accounts-table":
            self.screen.set_focus(self.cp_table)
        else:
            self.action_account_dids()

    # ---- actions ------------------------------------------------------------------------

    def _changed(self, ok: object) -> None:
        if ok:
            self.app.post_message(DataChanged())

    def action_new_client(self) -> None:
        self.app.push_screen(ClientFormScreen(), self._changed)

    def action_new_account(self) -> None:
        account = self.account
        if account is None:
            self.app.notify("create a client first (n)", severity="warning")
            return

        self.app.push_screen(AccountFormScreen(account.client_id, account.client), self._changed)

    def _need_account(self) -> ClientAccountRow | None:
        account = self.account
        if account is None or account.account_id is None:
            self.app.notify("highlight an account first (N adds one to a client)", severity="warning")
            return None
        return account

    def _need_package(self) -> ClientPackageRow | None:
        cp = self.client_package
        if cp is None:
            self.app.notify("this account has no package: assign one with a", severity="warning")
        return cp

    def action_assign(self) -> None:
        account = self._need_account()
        if account is None or account.account_id is None:  # _need_account has said why
            return

        self.app.push_screen(
            AssignPackageScreen(account.account_id, f"{account.client} / {account.account}"), self._changed
        )

    def action_toggle_active(self) -> None:
        cp = self._need_package()
        if cp is None:
            return
        if not cp.active:
            db_call(self, lambda: retail.activate(cp.id), done=lambda n: self._activated(cp, n))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                batch = new_batch()  # the deactivation's history batch, for the after_deactivate hook
                db_call(
                    self, lambda: retail.deactivate(cp.id, batch=batch), done=lambda n: self._deactivated(cp, batch, n)
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Deactivate {cp.package} for {cp.client} / {cp.account}? {count(cp.used, 'Active DID')} will go on Hold.",
                title="Deactivate",
                yes="Deactivate",
            ),
            answered,
        )

    def _activated(self, cp: ClientPackageRow, n: int) -> None:
        self.app.notify(f"activated {cp.package}: {count(n, 'held DID')} Active again")
        self._changed(True)

    def _deactivated(self, cp: ClientPackageRow, batch: str, n: int) -> None:
        self.app.notify(f"deactivated {cp.package}: {count(n, 'DID')} put on Hold")
        fire_hook(self, "after_deactivate", batch=batch, counts={"dids": n})
        self._changed(True)

    def action_pick(self) -> None:
        cp = self._need_package()
        if cp is None:
            return

        self.app.push_screen(PickScreen(cp), self._changed)

    def action_account_dids(self) -> None:
        cp = self._need_package()
        if cp is None:
            return

        self.app.push_screen(AccountDIDsScreen(cp), lambda _: self.refresh_data())

    def action_rename(self) -> None:
        account = self.account
        if account is None:
            return

        if account.account_id is None:
            self.action_rename_client()
            return
        self.app.push_screen(RenameScreen("account", account.account_id, account.account), self._changed)

    def action_rename_client(self) -> None:
        account = self.account
        if account is None:
            return

        self.app.push_screen(RenameScreen("client", account.client_id, account.client), self._changed)

    def action_delete(self) -> None:
        focused = self.screen.focused
        if focused is not None and focused.id == "cp-table":
            self.action_unassign()
            return
        account = self.account
        if account is None:
            return

        self.app.push_screen(
            DeleteClientScreen(account.client_id, account.client, account.account_id, account.account or ""),
            self._changed,
        )

    def action_unassign(self) -> None:
        cp = self._need_package()
        if cp is None:
            return

        self.app.push_screen(UnassignScreen(cp.id, f"{cp.package} from {cp.client} / {cp.account}"), self._changed)
