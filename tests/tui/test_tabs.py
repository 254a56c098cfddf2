"""Tabs, drill-down, help, palette, keymap, and the background sweep worker."""

from __future__ import annotations

import datetime as _dt

from didtui.core import retail
from didtui.models import DID
from didtui.tui.screens.help import HelpScreen
from tests.tui.conftest import screen_text, table_of, type_text, wait_for


async def test_drill_down_from_operators_and_back(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Colt" in screen_text(app) and "Telia" in screen_text(app), what="operators")
        assert "30" in screen_text(app)
        await pilot.press("enter")  # Colt sorts first
        await wait_for(
            pilot,
            lambda: "filter: operator Colt" in screen_text(app) and "30 DIDs" in screen_text(app),
            what="drilled down",
        )
        assert "Telia" not in screen_text(app).split("DID ▲")[1]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.query_one("TabbedContent").active == "operators", what="back")
        await pilot.press("1")
        await wait_for(pilot, lambda: "60 DIDs" in screen_text(app) and "filter:" not in screen_text(app))


async def test_help_lists_every_binding_and_keymap_remaps(make_app, seeded):
    app = make_app(keymap={"dids.new": "ctrl+n"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = app.screen.query_one("#help-text").render().plain
        for binding_id in ("dids.new", "dids.mark_all", "operators.drill", "clients.pick", "account.pick", "app.quit"):
            assert binding_id in text
        assert "ctrl+n" in text
        await pilot.press("escape")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "New DIDs" in screen_text(app), what="remapped key opens the form")
        await pilot.press("escape")


async def test_palette_offers_actions(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "mass edit")
        await wait_for(pilot, lambda: "Mass edit the marked DIDs" in screen_text(app), what="palette entry")
        await pilot.press("escape")


async def test_sweep_worker_releases_expired_holds_and_refreshes(make_app, seeded):
    retail.deactivate(seeded["cp"])
    past = _dt.datetime.utcnow() - _dt.timedelta(hours=1)
    DID.update(hold_until=past).where(DID.status == "hold").execute()
    app = make_app(sweep_interval=0.3)
    # What the app tells the person, kept: the header's "(released 3)" lasts only until the
    # next sweep (0.3 s here), which a loaded machine can miss between two looks.
    told: list[str] = []
    notify = app.notify
    app.notify = lambda message, *args, **kwargs: (told.append(str(message)), notify(message, *args, **kwargs))[1]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("released 3 DIDs" in m for m in told), what="sweep ran")
        assert DID.select().where(DID.status == "hold").count() == 0
        assert DID.select().where(DID.status == "in_stock").count() == 60
        await wait_for(
            pilot,
            lambda: (
                table_of(app).is_settled()
                and "Hold" not in screen_text(app).split("DID ▲")[1].replace("Hold until", "")
            ),
        )


async def test_sweep_skips_and_says_so_while_another_session_writes_an_import(make_app, seeded, sqlite_profile):
    """SQLite: an import holding the write lock makes the app's sweep skip, not fail."""
    import json
    import os
    import socket
    from pathlib import Path

    retail.deactivate(seeded["cp"])
    past = _dt.datetime.utcnow() - _dt.timedelta(hours=1)
    DID.update(hold_until=past).where(DID.status == "hold").execute()
    database = Path(sqlite_profile.database.removeprefix("sqlite:///"))
    notice = database.with_name(database.name + "-import-test")
    notice.write_text(
        json.dumps(
            {"actor": "noc-bob", "started": "2026-01-01T10:00:00", "host": socket.gethostname(), "pid": os.getppid()}
        )
    )
    app = make_app(sweep_interval=0.3)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: "skipped: an import by noc-bob" in app.last_sweep, 15, what="sweep skipped")
        assert "FAILED" not in screen_text(app)
        assert DID.select().where(DID.status == "hold").count() == 3
        notice.unlink()
        await wait_for(pilot, lambda: "released 3" in app.last_sweep, 15, what="sweep after the import")


async def test_sweep_waits_while_a_form_is_open(make_app, seeded):
    retail.deactivate(seeded["cp"])
    app = make_app(sweep_interval=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.sweeps_run >= 1, what="a first sweep")
        await pilot.press("n")
        await wait_for(pilot, lambda: "New DIDs" in screen_text(app), what="form open")
        await pilot.pause(0.1)  # a sweep started just before the form has finished
        past = _dt.datetime.utcnow() - _dt.timedelta(hours=1)
        DID.update(hold_until=past).where(DID.status == "hold").execute()
        await pilot.pause(0.6)
        assert DID.select().where(DID.status == "hold").count() == 3
        await pilot.press("escape")
        await wait_for(pilot, lambda: DID.select().where(DID.status == "hold").count() == 0, what="sweep after form")


async def test_delete_operator_refused_then_moves_its_dids(make_app, seeded):
    from didtui.models import Operator

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Colt" in screen_text(app))
        await pilot.press("delete")
        await wait_for(pilot, lambda: "Colt owns 30 DIDs" in screen_text(app), what="delete form")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "nothing was deleted" in screen_text(app), what="refusal shown")
        assert Operator.select().count() == 2
        await pilot.press("enter", "down", "enter")  # move to: Telia
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: Operator.select().count() == 1, what="deleted")
        assert DID.select().where(DID.operator == seeded["telia"]).count() == 60
        await wait_for(pilot, lambda: "Colt" not in screen_text(app) and "60" in screen_text(app))


async def test_database_error_is_shown_not_fatal(make_app, seeded, monkeypatch):
    import peewee

    from didtui.core import filters

    def broken(*args, **kwargs):
        raise peewee.OperationalError("disk I/O error")

    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: "60 DIDs" in screen_text(app))
        monkeypatch.setattr(filters, "page", broken)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "disk I/O error" in screen_text(app), what="error toast")
        monkeypatch.undo()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "60 DIDs" in screen_text(app), what="recovers")


async def test_account_dids_view_pick_marked_numbers_and_release(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "Gold 5" in screen_text(app), what="client package listed")
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: "3 of 5 used, 2 left" in screen_text(app) and table_of(app).is_settled(),
            what="account DIDs view",
        )
        assert "3 DIDs" in screen_text(app)
        await pilot.press("p")
        await wait_for(pilot, lambda: "27 In Stock DIDs free" in screen_text(app), what="pick form")
        await pilot.press("tab", "space", "down", "space")  # mark the first two free numbers
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: "5 of 5 used, 0 left" in screen_text(app) and "5 DIDs" in screen_text(app),
            what="picked and shown",
        )
        assert DID.select().where(DID.status == "active").count() == 5
        await pilot.press("r")
        await wait_for(pilot, lambda: "Release DID 15550000000" in screen_text(app))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: "4 DIDs" in screen_text(app) and "4 of 5 used" in screen_text(app), what="released"
        )
        assert DID.select().where(DID.status == "hold").count() == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Client packages of the account" in screen_text(app), what="back on Clients")
