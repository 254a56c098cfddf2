"""Guessing what the columns of a headerless file hold: only fields the values are valid
for; the rest stays ignored and the mapping line says so (CLI and wizard)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from csv_helpers import inventory, snapshot, static_text, wait_for, write
from textual.app import App
from textual.widgets import Input

from didtui import db as dbmod
from didtui.cli import cli
from didtui.core.csvio import guess_mapping, inspect_file
from didtui.core.csvio.mapping import describe_mapping, parse_map_specs, unfit_columns
from didtui.tui.modals.csv_io import ImportWizard

# Another billing system's export: the number, a numeric id, two flags, dates, an amount.
BILLING = "".join(
    f"+44207946{i:04d},{9000 + i},{i % 2},0,2024-03-{1 + i % 28:02d},2024-03-01 10:1{i % 10}:00,{i}.50\n"
    for i in range(40)
)


def test_a_billing_export_maps_only_its_number_column(tmp_path):
    info = inspect_file(write(tmp_path, BILLING), header=False)
    mapping = guess_mapping(info)
    assert mapping == ("did",) + ("ignore",) * 6
    assert unfit_columns(info, mapping) == [1, 2, 3, 4, 5, 6]
    line = describe_mapping(info, parse_map_specs(info, ["1=DID"]))
    assert line == (
        "mapping: 'Column 1' → DID (left ignored, their values fit no field: "
        "'Column 2', 'Column 3', 'Column 4', 'Column 5', 'Column 6', 'Column 7')"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Names and statuses are recognised wherever they are.
        ("Telia,15551230001,Blocked,gold\nColt,15551230002,Reserved,silver\n", ("operator", "did", "status", "tag")),
        # A numeric id before the operator: the id stays ignored, the name is the operator.
        ("15551230001,17,Telia\n15551230002,18,Colt\n", ("did", "ignore", "operator")),
        # Flags are not statuses, dates are not tags, a status column is not an operator.
        (
            "15551230001,1,2024-01-02,In Stock\n15551230002,0,2024-01-03,Reserved\n",
            ("did", "ignore", "ignore", "status"),
        ),
        # Y/N and true/false flags are neither names nor notes.
        ("15551230001,Y,true,Telia\n15551230002,N,false,Colt\n", ("did", "ignore", "ignore", "operator")),
        # Two status columns: the second one is After Hold when its values may be one.
        ("15551230001,Hold,Reserved\n15551230002,Active,In Stock\n", ("did", "status", "after_hold")),
        # A short id column before the numbers is not the DID column.
        ("7,15551230001,Telia\n8,15551230002,Colt\n", ("ignore", "did", "operator")),
        # Free text after the names: notes.
        (
            "15551230001,Telia,gold,ported from BT on 3 May\n15551230002,Colt,gold,new\n",
            ("did", "operator", "tag", "notes"),
        ),
    ],
)
def test_content_guessing_takes_only_fields_the_values_fit(tmp_path, text, expected):
    info = inspect_file(write(tmp_path, text), header=False)
    assert guess_mapping(info) == expected


@pytest.fixture
def run(profile, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.test]\ndatabase = "{profile.database}"\nuser = "cli-user"\n', encoding="utf-8")

    def invoke(*args: str):
        result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
        dbmod.connect(profile)
        return result

    return invoke


def test_the_billing_export_imports_with_only_its_number_mapped(run, tmp_path):
    path = write(tmp_path, BILLING, "billing.csv")
    before = snapshot()
    args = ("import", str(path), "--no-header", "--map", "1=DID", "--operator", "Legacy", "--create-operators")
    result = run(*args, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "unknown status" not in result.output
    assert "left ignored, their values fit no field: 'Column 2', 'Column 3'" in result.output
    assert snapshot() == before
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "imported 40 DIDs (40 new, 0 updated)" in result.output
    got = inventory()
    assert len(got) == 40 and got["442079460007"] == ("in_stock", "Legacy", "", "", "in_stock")


def test_a_column_mapped_by_hand_is_not_reported_as_unfit(tmp_path):
    info = inspect_file(write(tmp_path, BILLING), header=False)
    mapping = parse_map_specs(info, ["2=Notes", "3=Ignore"])
    assert unfit_columns(info, mapping) == [2, 3, 4, 5, 6]
    assert "'Column 2' → Notes" in describe_mapping(info, mapping)


class Host(App):
    def __init__(self, screen) -> None:
        super().__init__()
        self.modal = screen

    def on_mount(self) -> None:
        self.push_screen(self.modal)


async def test_the_wizard_says_which_columns_fit_no_field(sqlite_profile, tmp_path):
    path = write(tmp_path, BILLING)
    app = Host(ImportWizard())
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen
        wizard.query_one("#path", Input).value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: wizard.query_one("#step2").display and len(wizard.mapping()) == 7)
        assert wizard.mapping() == ("did",) + ("ignore",) * 6
        detected = static_text(wizard, "#detected")
        assert "left on Ignore, their values fit no field: Column 2, Column 3, Column 4" in detected
