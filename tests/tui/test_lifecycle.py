"""Pilot: the Resellers tab, renaming and deleting clients and accounts, un-assigning,
the Batches view and an undo, owners in the edit form."""

from __future__ import annotations

from textual.widgets import Input

from didtui.core import resellers, retail
from didtui.models import DID, Account, Client, ClientPackage, Reseller
from didtui.tui.screens.batches import BatchesScreen
from tests.tui.conftest import screen_text, table_of, type_text, wait_for


async def test_resellers_tab_new_rename_delete(make_app, seeded):
    northwind = resellers.create_reseller("Northwind")
    DID.update({DID.reseller: northwind.id}).where(DID.number.startswith("1555")).execute()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        await wait_for(pilot, lambda: "Northwind" in screen_text(app) and "30" in screen_text(app), what="counts")
        await pilot.press("n")
        await wait_for(pilot, lambda: "New reseller" in screen_text(app))
        await type_text(pilot, "Southwnd")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Southwnd" in screen_text(app) and "New reseller" not in screen_text(app))
        await pilot.press("G")  # Southwnd sorts last
        await pilot.press("e")
        await wait_for(pilot, lambda: "Rename reseller Southwnd" in screen_text(app))
        await pilot.press("ctrl+u")
        await type_text(pilot, "Southwind")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: Reseller.select().where(Reseller.name == "Southwind").exists())
        await pilot.press("g")  # Northwind: in use, refused without a target
        await pilot.press("delete")
        await wait_for(pilot, lambda: "has 0 operators, 30 DIDs" in screen_text(app), what="what it has")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "move them to another reseller" in screen_text(app), what="refusal")
        assert Reseller.select().count() == 2
        await pilot.press("escape")
        await pilot.press("G")
        await pilot.press("delete")
        await wait_for(pilot, lambda: "Southwind is not in use" in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: Reseller.select().count() == 1, what="deleted")
        await wait_for(pilot, lambda: "Southwind" not in screen_text(app))


async def test_rename_and_delete_clients_and_accounts(make_app, seeded):
    other = retail.create_client("Globex")
    retail.create_account(other.id, "ops")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "ACME" in screen_text(app) and "Globex" in screen_text(app))
        await pilot.press("e")  # ACME / main
        await wait_for(pilot, lambda: "Rename account main" in screen_text(app))
        await pilot.press("ctrl+u")
        await type_text(pilot, "primary")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "primary" in screen_text(app) and "Rename account" not in screen_text(app))
        assert Account.select().where(Account.name == "primary").exists()
        await pilot.press("E")
        await wait_for(pilot, lambda: "Rename client ACME" in screen_text(app))
        await pilot.press("ctrl+u")
        await type_text(pilot, "ACME Corp")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: Client.select().where(Client.name == "ACME Corp").exists())
        # ACME has a package with Active DIDs: deleting is refused, naming them.
        await pilot.press("delete")
        await wait_for(pilot, lambda: "Delete from client ACME Corp" in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "1 package assignment, 3 Active DIDs" in screen_text(app), what="refusal")
        await pilot.press("escape")
        await pilot.press("G")  # Globex / ops: nothing attached
        await pilot.press("delete")
        await wait_for(pilot, lambda: "Delete from client Globex" in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not Account.select().where(Account.name == "ops").exists(), what="deleted")


async def test_unassign_now_after_confirmation(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "Gold 5" in screen_text(app), what="the client package")
        await pilot.press("u")
        await wait_for(pilot, lambda: "3 Active DIDs go on Hold" in screen_text(app), what="preview")
        await pilot.press("enter")  # open the select
        await pilot.press("down", "enter")  # release them now
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Release 3 DIDs now (3 Active, 0 on Hold)" in screen_text(app), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: not ClientPackage.select().exists(), what="removed")
        assert DID.select().where(DID.status == "in_stock").count() == 60


async def test_batches_view_and_an_undo_from_history(make_app, seeded):
    retail.deactivate(seeded["cp"])
    app = make_app()
    async with app.run_test(size=(110, 34)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        await pilot.press("h")
        await wait_for(pilot, lambda: "History of DID" in screen_text(app))
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BatchesScreen) and "deactivate" in screen_text(app))
        text = screen_text(app)
        assert "pick" in text and "create" in text and "client: ACME/main" in text
        await wait_for(pilot, lambda: "15550000000  deactivate: hold_until: → " in screen_text(app), what="changes")
        await pilot.press("u")
        await wait_for(pilot, lambda: "Undo batch" in screen_text(app) and "3 changed back" in screen_text(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: DID.select().where(DID.status == "active").count() == 3, what="undone")
        assert ClientPackage.get_by_id(seeded["cp"]).active
        await wait_for(pilot, lambda: "undo of" in screen_text(app), what="the undo listed")
        await pilot.press("escape")


async def test_edit_form_shows_owners(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        await type_text(pilot, "/")
        await type_text(pilot, "status:active")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "3 DIDs" in screen_text(app), what="filtered")
        await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "ACME/main" in screen_text(app) and "→ now" in screen_text(app), what="owners")
        await pilot.press("escape")


async def test_renaming_a_package_keeps_allowed_dids_changed_meanwhile(make_app, seeded):
    """Allowed DIDs left as shown are not sent back: another session's change stands."""
    from didtui.models import Package
    from didtui.tui.modals.package_form import PackageFormScreen

    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: "Gold 5" in screen_text(app), what="packages")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PackageFormScreen), what="package form")
        package = Package.get(Package.name == "Gold 5")
        retail.update_package(package.id, allowed_dids=10)  # another session, while the form is open
        retail.pick(seeded["cp"], count=4)  # 7 now held: the shown 5 is below that
        app.screen.query_one("#name", Input).value = "Gold"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "saved package Gold" in screen_text(app), what="saved")
        assert (Package.get_by_id(package.id).name, Package.get_by_id(package.id).allowed_dids) == ("Gold", 10)


async def test_package_allowed_dids_not_a_whole_number_changes_nothing(make_app, seeded):
    from didtui.models import Package
    from didtui.tui.modals.package_form import PackageFormScreen

    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: "Gold 5" in screen_text(app), what="packages")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PackageFormScreen), what="package form")
        app.screen.query_one("#name", Input).value = "Gold"
        app.screen.query_one("#allowed", Input).value = "five"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "allowed DIDs must be a whole number" in screen_text(app), what="error")
        assert isinstance(app.screen, PackageFormScreen)
        assert [(p.name, p.allowed_dids) for p in Package.select()] == [("Gold 5", 5)]
