"""Reconcile wizard (`R` on the Operators tab): compare an operator's list with its DIDs,
then apply the chosen actions behind a confirmation.

A face over core/reconcile.py: the file is read like an import (any layout; the DID and
Status columns guessed and changeable), `Compare` is a dry run that changes nothing, and
`Apply` runs the chosen actions in one batch.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Input, Label, Select, Static

from didtui.core import csvio, reconcile
from didtui.core.operators import OperatorRow
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.modals.csv_io import PathSuggester
from didtui.tui.words import count
from didtui.tui.work import db_call

MISSING = [("leave them", "ignore"), ("add as In Stock", "add-in-stock"), ("add as Reserved", "add-reserved")]
GONE = [("leave them", "ignore"), ("archive (never Active/Hold)", "archive")]
SAMPLES_SHOWN = 6


class ReconcileWizard(FormScreen[bool]):
    """Dismissed with True when changes were applied."""

    TITLE_TEXT = "Reconcile an operator's list"
    SUBMIT_LABEL = "Compare"
    DEFAULT_CSS = """
    ReconcileWizard #result { height: auto; margin-top: 1; }
    ReconcileWizard .section-title { text-style: bold; margin-top: 1; }
    """

    def __init__(self, operator: OperatorRow | None = None, path: str = "") -> None:
        super().__init__()
        self.operator = operator
        self._initial = path
        self.info: csvio.FileInfo | None = None
        self.report: reconcile.ReconcileReport | None = None

    def fields(self) -> ComposeResult:
        yield self.field_row(
            "List file",
            Input(self._initial, placeholder="the operator's .csv (→ completes)", id="path",
                  suggester=PathSuggester(), compact=True),
        )  # fmt: skip
        yield self.field_row("Operator", fields.name_select("operator", "(choose)"))
        yield self.field_row(
            "DID column", Select([], id="did_col", allow_blank=True, prompt="(open a file)", compact=True)
        )
        yield self.field_row(
            "Status column", Select([], id="status_col", allow_blank=True, prompt="(none)", compact=True)
        )
        yield Label("What to do (with Apply)", classes="section-title")
        yield self.field_row("Not held", Select(MISSING, id="missing", value="ignore", allow_blank=False, compact=True))
        yield self.field_row("Not listed", Select(GONE, id="gone", value="ignore", allow_blank=False, compact=True))
        yield self.field_row("Archive Active", Input(id="attached", placeholder="numbers, by name only", compact=True))
        yield Static("", id="result")

    def buttons(self) -> ComposeResult:
        yield from super().buttons()
        yield Button("Apply", id="apply", variant="warning", compact=True, disabled=True)

    def on_mount(self) -> None:
        fields.operators(self, self.query_one("#operator", Select), self.operator.id if self.operator else None)
        self.query_one("#path", Input).focus()
        self.show_info("a dry run compares; nothing changes until Apply")
        if self._initial:
            self._inspect(self._initial)

    @on(Input.Submitted, "#path")
    def path_entered(self, event: Input.Submitted) -> None:
        self._inspect(event.value)

    @on(Input.Blurred, "#path")
    def path_left(self, event: Input.Blurred) -> None:
        if event.value and (self.info is None or str(self.info.path) != event.value):
            self._inspect(event.value)

    def _inspect(self, path: str) -> None:
        def read() -> csvio.FileInfo:
            return csvio.inspect_file(path)

        db_call(self, read, done=self._inspected, failed=self.show_error, group="inspect", exclusive=True)

    def _inspected(self, info: csvio.FileInfo) -> None:
        self.info = info
        self.show_error("")
        mapping = csvio.guess_mapping(info)
        options = [(name or f"column {i + 1}", i) for i, name in enumerate(info.columns)]
        did_select = self.query_one("#did_col", Select)
        status_select = self.query_one("#status_col", Select)
        did_select.set_options(options)
        status_select.set_options(options)
        if "did" in mapping:
            did_select.value = mapping.index("did")
        if "status" in mapping:
            status_select.value = mapping.index("status")
        self.show_info(f"{info.width} columns, {info.delimiter_name}-separated; ctrl+s compares (a dry run)")

    def _options(self, *, apply: bool) -> reconcile.ReconcileOptions | None:
        info = self.info
        operator = fields.chosen(self.query_one("#operator", Select))
        did_col = fields.chosen(self.query_one("#did_col", Select))
        if info is None:
            self.show_error("open the operator's list first (type its path, enter)")
            return None
        if operator is None or did_col is None:
            self.show_error("choose the operator and the column that holds the numbers")
            return None
        status_col = fields.chosen(self.query_one("#status_col", Select))
        mapping = ["ignore"] * info.width
        mapping[int(str(did_col))] = "did"
        if status_col is not None and status_col != did_col:
            mapping[int(str(status_col))] = "status"
        attached = tuple(
            t.strip() for t in self.query_one("#attached", Input).value.replace(";", ",").split(",") if t.strip()
        )
        return reconcile.ReconcileOptions(
            mapping=tuple(mapping),
            operator_id=int(str(operator)),
            missing=str(self.query_one("#missing", Select).value) if apply else "ignore",
            gone=str(self.query_one("#gone", Select).value) if apply else "ignore",
            archive_attached=attached,
        )

    def submit(self) -> None:
        self._run(apply=False)

    def _run(self, *, apply: bool) -> None:
        options = self._options(apply=apply)
        if options is None or self.info is None:
            return
        info = self.info
        actor = getattr(getattr(self.app, "profile", None), "user", None)
        self.set_busy(True)
        self.show_info("applying…" if apply else "comparing…")
        db_call(
            self,
            lambda: reconcile.reconcile(info, options, apply=apply, actor=actor),
            done=self._compared,
            failed=self.show_error,
            group="reconcile",
            exclusive=True,
        )

    def _compared(self, report: reconcile.ReconcileReport) -> None:
        self.report = report
        self.set_busy(False)
        lines = [report.headline(), *report.sample_lines(SAMPLES_SHOWN)]
        if report.wrong_rows:
            lines.append(f"  {count(len(report.wrong_rows), 'row')} skipped, first: {report.wrong_rows[0]}")
        if report.batch:
            done = report.applied_text()
            lines.append(f"applied: {done}; {count(report.left, 'difference')} left (batch {report.batch[:12]})")
            self.app.notify(f"reconciled {report.operator}: {done}", markup=False)
        self.query_one("#result", Static).update(Text("\n".join(lines)))
        self.query_one("#apply", Button).disabled = report.in_sync
        self.show_info("in sync" if report.in_sync else "choose what to do, then Apply")
        if report.batch:
            self._applied = True

    def on_other_button(self, button_id: str) -> None:
        if button_id != "apply" or self.report is None:
            return
        missing = str(self.query_one("#missing", Select).value)
        gone = str(self.query_one("#gone", Select).value)
        if missing == "ignore" and gone == "ignore":
            self.show_error("choose what to do with numbers not held or no longer listed")
            return
        report = self.report
        plan = []
        if missing != "ignore":
            plan.append(f"add {count(report.missing, 'number')} ({dict((v, k) for k, v in MISSING)[missing]})")
        if gone == "archive":
            plan.append(f"archive up to {count(report.gone - report.gone_attached, 'number')} no longer listed")

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(apply=True)

        self.app.push_screen(
            ConfirmScreen(f"{report.operator}: {' and '.join(plan)}? One batch, all or nothing.", title="Apply"),
            answered,
        )

    def action_cancel(self) -> None:
        self.dismiss(bool(getattr(self, "_applied", False)))
