"""Client forms: new client (name, reseller), new account, assign a package."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from didtui.core import retail, views
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.work import db_call


class ClientFormScreen(FormScreen[bool]):
    TITLE_TEXT = "New client"

    def fields(self) -> ComposeResult:
        yield self.field_row("Name", Input(id="name", compact=True))
        yield self.field_row("Reseller", fields.name_select("reseller", "(none)"))
        yield self.field_row("First account", Input("main", id="account", compact=True))

    def on_mount(self) -> None:
        fields.resellers(self, self.query_one("#reseller", Select))
        self.query_one("#name", Input).focus()

    def submit(self) -> None:
        name = self.query_one("#name", Input).value
        reseller = fields.chosen(self.query_one("#reseller", Select))
        account = self.query_one("#account", Input).value.strip()

        def create() -> str:
            return retail.create_client(name, reseller, account).name

        self.set_busy(True)
        db_call(self, create, done=self._saved, failed=self.show_error)

    def _saved(self, name: str) -> None:
        self.app.notify(f"created client {name}")
        self.dismiss(True)


class AccountFormScreen(FormScreen[bool]):
    def __init__(self, client_id: int, client: str) -> None:
        super().__init__()
        self.client_id = client_id
        self.TITLE_TEXT = f"New account of {client}"

    def fields(self) -> ComposeResult:
        yield self.field_row("Name", Input(id="name", compact=True))

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def submit(self) -> None:
        name = self.query_one("#name", Input).value
        self.set_busy(True)
        db_call(
            self,
            lambda: retail.create_account(self.client_id, name),
            done=lambda a: (self.app.notify(f"created account {a.name}"), self.dismiss(True)),
            failed=self.show_error,
        )


class AssignPackageScreen(FormScreen[bool]):
    SUBMIT_LABEL = "Assign"

    def __init__(self, account_id: int, account: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.TITLE_TEXT = f"Assign a package to {account}"

    def fields(self) -> ComposeResult:
        yield self.field_row("Package", fields.name_select("package", "(choose)"))

    def on_mount(self) -> None:
        fill = self.query_one("#package", Select)
        fields.fill_names(self, fill, views.package_choices)
        fill.focus()

    def submit(self) -> None:
        package = fields.chosen(self.query_one("#package", Select))
        if package is None:
            self.show_error("choose a package (create one on the Packages tab first)")
            return
        self.set_busy(True)
        db_call(
            self,
            lambda: retail.assign_package(self.account_id, package),
            done=lambda _: (self.app.notify("package assigned"), self.dismiss(True)),
            failed=self.show_error,
        )
