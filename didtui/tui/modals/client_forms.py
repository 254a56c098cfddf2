"""Client forms: new client, new account, assign a package; rename, delete, un-assign."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from didtui.core import retail, views
from didtui.core.history import new_batch
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.work import db_call, fire_hook


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
        reseller: int | None = fields.chosen(self.query_one("#reseller", Select))
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
            lambda: retail.create_account(self.client_id, name).name,
            done=self._created,
            failed=self.show_error,
        )

    def _created(self, name: str) -> None:
        self.app.notify(f"created account {name}")
        self.dismiss(True)


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
        package: int | None = fields.chosen(self.query_one("#package", Select))
        if package is None:
            self.show_error("choose a package (create one on the Packages tab first)")
            return
        self.set_busy(True)
        db_call(
            self,
            lambda: retail.assign_package(self.account_id, package),
            done=self._assigned,
            failed=self.show_error,
        )

    def _assigned(self, _: object) -> None:
        self.app.notify("package assigned")
        self.dismiss(True)


class RenameScreen(FormScreen[bool]):
    """Rename a client or an account (`kind`), typo fixes included."""

    def __init__(self, kind: str, row_id: int, name: str) -> None:
        super().__init__()
        self.kind = kind
        self.row_id = row_id
        self.old = name
        self.TITLE_TEXT = f"Rename {kind} {name}"

    def fields(self) -> ComposeResult:
        yield self.field_row("New name", Input(self.old, id="name", compact=True))

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def submit(self) -> None:
        name = self.query_one("#name", Input).value
        rename = retail.rename_client if self.kind == "client" else retail.rename_account
        self.set_busy(True)
        db_call(self, lambda: rename(self.row_id, name).name, done=self._renamed, failed=self.show_error)

    def _renamed(self, new: str) -> None:
        self.app.notify(f"renamed {self.kind} {self.old} to {new}")
        self.dismiss(True)


class DeleteClientScreen(FormScreen[bool]):
    """Delete the highlighted account, or its whole client; refused naming what is attached."""

    SUBMIT_LABEL = "Delete"

    def __init__(self, client_id: int, client: str, account_id: int | None, account: str) -> None:
        super().__init__()
        self.client_id = client_id
        self.client = client
        self.account_id = account_id
        self.account = account
        self.TITLE_TEXT = f"Delete from client {client}"

    def fields(self) -> ComposeResult:
        options = []
        if self.account_id is not None:
            options.append((f"the account {self.account}", "account"))
        options.append((f"the client {self.client} and all its accounts", "client"))
        yield self.field_row("Delete", Select(options, id="what", allow_blank=False, compact=True))

    def on_mount(self) -> None:
        self.show_info("only what has no package assignment can be deleted: un-assign packages first (u)")
        self.query_one("#what", Select).focus()

    def submit(self) -> None:
        what = self.query_one("#what", Select).value
        if what == "account" and self.account_id is not None:
            account_id = self.account_id
            call = lambda: retail.delete_account(account_id)  # noqa: E731
            done = f"deleted account {self.account}"
        else:
            call = lambda: retail.delete_client(self.client_id)  # noqa: E731
            done = f"deleted client {self.client}"
        self.set_busy(True)
        db_call(self, call, done=lambda _: self._deleted(done), failed=self.show_error)

    def _deleted(self, message: str) -> None:
        self.app.notify(message)
        self.dismiss(True)


class UnassignScreen(FormScreen[bool]):
    """Un-assign a package: Active DIDs go on Hold as on deactivation; the assignment goes
    once it holds no DIDs, or now with the held DIDs released to their After Hold status."""

    SUBMIT_LABEL = "Un-assign"

    def __init__(self, cp_id: int, title: str) -> None:
        super().__init__()
        self.cp_id = cp_id
        self.TITLE_TEXT = f"Un-assign {title}"
        self.preview: retail.UnassignPreview | None = None

    def fields(self) -> ComposeResult:
        yield self.field_row(
            "Held DIDs",
            Select(
                [
                    ("wait out their hold; remove it then", "wait"),
                    ("release them now to After Hold; remove it now", "now"),
                ],
                id="when",
                allow_blank=False,
                compact=True,
            ),
        )

    def on_mount(self) -> None:
        self.set_busy(True)
        db_call(self, lambda: retail.unassign_preview(self.cp_id), done=self._previewed, failed=self.show_error)
        self.query_one("#when", Select).focus()

    def _previewed(self, preview: retail.UnassignPreview) -> None:
        self.preview = preview
        self.show_info(
            f"{preview.active:,} Active DIDs go on Hold (as on deactivation); {preview.held:,} DIDs are on Hold already"
        )
        self.set_busy(False)

    def submit(self) -> None:
        preview = self.preview
        if preview is None:
            return
        at_once = self.query_one("#when", Select).value == "now"
        if not at_once:
            self._run(False)
            return
        n = preview.active + preview.held
        self.app.push_screen(
            ConfirmScreen(
                f"Release {n:,} DIDs now ({preview.active:,} Active, {preview.held:,} on Hold) to their After Hold "
                "status, and remove the assignment?",
                title="Un-assign now",
                yes="Release and remove",
            ),
            lambda yes: self._run(True) if yes else None,
        )

    def _run(self, at_once: bool) -> None:
        self.set_busy(True)
        batch = new_batch()  # the un-assign's history batch, for the after_unassign hook
        db_call(
            self,
            lambda: retail.unassign(self.cp_id, at_once=at_once, batch=batch),
            done=lambda moved: self._done(moved, batch),
            failed=self.show_error,
        )

    def _done(self, moved: int, batch: str) -> None:
        fire_hook(self, "after_unassign", batch=batch, counts={"dids": moved})
        self.app.notify(f"un-assigned: {moved:,} DIDs moved")
        self.dismiss(True)
