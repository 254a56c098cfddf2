"""CSV import wizard and export dialog of the DIDs tab (keys i and x).

Both are faces over didtui.core.csvio: the wizard reads the file's detected options,
previews its first rows with a mapping under each column, validates every row (nothing
written) and then imports all or nothing, or the good rows with an error file. Every
file and database job runs in a thread worker with its own connection, shows progress
and stops on esc (the core rolls back: nothing is half-written).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import HorizontalScroll, Vertical
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from didtui.core import csvio, views
from didtui.core.csvio.importer import ImportReport, default_errors_path
from didtui.core.csvio.mapping import unfit_note
from didtui.core.filters import DIDFilter, count
from didtui.core.outfile import STDOUT_NAMES
from didtui.core.statuses import AFTER_HOLD, LABELS, SETTABLE
from didtui.core.text import display_safe
from didtui.errors import OutputError
from didtui.tui import words
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.text import literal, message
from didtui.tui.work import db_call, fire_hook

ERRORS_SHOWN = 8
PREVIEW_SHOWN = 5
DELIMITERS = [("detect", ""), ("comma ,", ","), ("semicolon ;", ";"), ("tab", "\t"), ("pipe |", "|")]
HEADERS = [("detect", "detect"), ("first row", "yes"), ("none", "no")]


class PathSuggester(Suggester):
    """Completes a file path from the directory it names (right arrow accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, prefix = os.path.split(expanded)
        try:
            with os.scandir(folder or ".") as entries:
                names = sorted(
                    e.name + ("/" if e.is_dir() else "")
                    for e in entries
                    if e.name.startswith(prefix) and (prefix.startswith(".") or not e.name.startswith("."))
                )
        except OSError:
            return None
        names = [n for n in names if n != prefix]
        if not names:
            return None
        csvs = [n for n in names if n.lower().endswith((".csv", ".txt", ".tsv", "/"))]
        best = (csvs or names)[0]
        return value[: len(value) - len(prefix)] + best


def _progress_to(screen: FormScreen, bar: ProgressBar) -> Callable[[int, int], None]:
    def progress(done: int, total: int) -> None:
        try:
            screen.app.call_from_thread(bar.update, total=max(total, 1), progress=min(done, total))
        except RuntimeError:
            pass

    return progress


class ImportWizard(FormScreen[int]):
    """Dismissed with the number of DIDs imported (created or updated), or None."""

    TITLE_TEXT = "Import DIDs from CSV"
    DEFAULT_CSS = """
    ImportWizard #mapping { height: auto; max-height: 11; }
    ImportWizard .map-col { width: 22; height: auto; padding: 0 1 0 0; }
    ImportWizard .map-name { text-style: bold; width: 100%; }
    ImportWizard .map-values { color: $text-muted; width: 100%; }
    ImportWizard .section-title { text-style: bold; margin-top: 1; }
    ImportWizard #summary { height: auto; margin-top: 1; }
    ImportWizard .field-row { height: 1; }
    ImportWizard .field-row > Input, ImportWizard .field-row > Select { width: 1fr; }
    """

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self._initial = path or ""
        self.info: csvio.FileInfo | None = None
        self.report: ImportReport | None = None
        self._cancel = threading.Event()
        self._job: str | None = None
        self._mapping_version = 0

    # ---- layout -----------------------------------------------------------------

    def fields(self) -> ComposeResult:
        yield Label("1. File", classes="section-title")
        yield self.field_row(
            "Path",
            Input(
                self._initial,
                placeholder="path of a .csv file (→ completes)",
                id="path",
                suggester=PathSuggester(),
                compact=True,
            ),
        )
        yield self.field_row("Delimiter", Select(DELIMITERS, id="delimiter", value="", allow_blank=False, compact=True))
        yield self.field_row(
            "Header row", Select(HEADERS, id="header", value="detect", allow_blank=False, compact=True)
        )
        yield self.field_row(
            "Encoding",
            Input(placeholder="detect (UTF-8, with or without BOM, else Windows-1252)", id="encoding", compact=True),
        )
        yield Static("", id="detected")
        with Vertical(id="step2"):
            yield Label("2. Columns: choose what each one holds", classes="section-title")
            yield HorizontalScroll(id="mapping")
            yield Label("3. Policies", classes="section-title")
            yield self.field_row(
                "If existing",
                Select(
                    [("skip them", "skip"), ("update them from the file", "update"), ("refuse those rows", "stop")],
                    id="on_existing",
                    value="skip",
                    allow_blank=False,
                    compact=True,
                ),
            )
            yield self.field_row(
                "Unknown ops",
                Select(
                    [("refuse those rows", "stop"), ("create them", "create")],
                    id="unknown_operators",
                    value="stop",
                    allow_blank=False,
                    compact=True,
                ),
            )
            yield self.field_row(
                "New resellers",
                Select(
                    [("refuse those rows", "stop"), ("create them", "create")],
                    id="unknown_resellers",
                    value="stop",
                    allow_blank=False,
                    compact=True,
                ),
            )
            yield Label("4. Defaults, for new DIDs whose row leaves the cell empty", classes="section-title")
            yield self.field_row(
                "Operator", Select([], id="d_operator", prompt="(none)", allow_blank=True, compact=True)
            )
            yield self.field_row(
                "Status",
                Select(
                    [(LABELS[s], s.value) for s in SETTABLE],
                    id="d_status",
                    value=SETTABLE[0].value,
                    allow_blank=False,
                    compact=True,
                ),
            )
            yield self.field_row("Tag", Input(id="d_tag", compact=True))
            yield self.field_row(
                "After hold",
                Select(
                    [(LABELS[s], s.value) for s in AFTER_HOLD],
                    id="d_after_hold",
                    value=AFTER_HOLD[0].value,
                    allow_blank=False,
                    compact=True,
                ),
            )
            yield Static("", id="summary")
        yield ProgressBar(id="progress", show_eta=True)

    def buttons(self) -> ComposeResult:
        yield Button("Read", id="read", variant="primary", compact=True)
        yield Button("Validate", id="validate", compact=True)
        yield Button("Import all", id="import_all", compact=True)
        yield Button("Import good rows", id="import_good", compact=True)
        yield Button("Close", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(".form").add_class("wide")
        self.query_one("#step2").display = False
        self.query_one("#progress").display = False
        self._refresh_buttons()
        self.query_one("#path", Input).focus()
        self.show_info("type the file's path (→ completes it), then enter or ctrl+s to read it")

        def names() -> list[tuple[str, int]]:
            return views.operator_choices()

        db_call(
            self,
            names,
            done=lambda rows: self.query_one("#d_operator", Select).set_options(
                [(literal(name), name) for name, _ in rows]
            ),
            failed=self.show_error,
            group="names",
        )

    # ---- state ------------------------------------------------------------------

    def _refresh_buttons(self) -> None:
        busy = self._job is not None
        report = self.report
        self.query_one("#read", Button).disabled = busy
        self.query_one("#validate", Button).disabled = busy or self.info is None
        self.query_one("#import_all", Button).disabled = busy or report is None or not report.ok
        self.query_one("#import_good", Button).disabled = (
            busy or report is None or report.ok or (report.new + report.updated) == 0
        )

    def _invalidate(self) -> None:
        if self.report is not None:
            self.report = None
            self.query_one("#summary", Static).update("settings changed: validate again")
        self._refresh_buttons()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id in ("delimiter", "header"):
            if self.info is not None:
                self._read()
        elif event.select.id != "d_operator" or self.report is not None:
            self._invalidate()

    @on(Input.Changed, "#d_tag")
    def _tag_changed(self) -> None:
        self._invalidate()

    @on(Input.Submitted, "#path, #encoding")
    def _path_submitted(self) -> None:
        self._read()

    def submit(self) -> None:
        """ctrl+s: the next step."""
        if self._job is not None:
            return
        if self.info is None or self._path_text() != str(self.info.path):
            self._read()
        elif self.report is None:
            self._validate()
        elif self.report.ok:
            self._import(skip_invalid=False)
        else:
            self.show_error("some rows are wrong: fix the file, or use Import good rows")

    def on_other_button(self, button_id: str) -> None:
        actions = {
            "read": self._read,
            "validate": self._validate,
            "import_all": lambda: self._import(skip_invalid=False),
            "import_good": lambda: self._import(skip_invalid=True),
        }
        self.show_error("")
        actions[button_id]()

    def action_cancel(self) -> None:
        if self._job is not None:
            self._cancel.set()  # the core checks it between chunks and rolls back
            self.show_info(f"cancelling the {self._job}…")
            return
        self.dismiss(None)

    # ---- step 1: read -----------------------------------------------------------

    def _path_text(self) -> str:
        return str(Path(self.query_one("#path", Input).value.strip()).expanduser())

    def _read(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.show_error("type the path of the CSV file to import")
            return
        delimiter: str | None = fields.picked(self.query_one("#delimiter", Select)) or None
        header = {"detect": None, "yes": True, "no": False}[fields.picked(self.query_one("#header", Select))]
        encoding = self.query_one("#encoding", Input).value.strip() or None

        def inspect() -> csvio.FileInfo:
            return csvio.inspect_file(text, encoding=encoding, delimiter=delimiter, header=header)

        self.show_error("")
        self.show_info("reading…")
        db_call(self, inspect, done=self._read_done, failed=self._read_failed, group="read", exclusive=True)

    def _read_failed(self, message: str) -> None:
        self.info = None
        self.report = None
        self.query_one("#step2").display = False
        self.query_one("#detected", Static).update("")
        self.show_info("")
        self.show_error(message)
        self._refresh_buttons()

    def _read_done(self, info: csvio.FileInfo) -> None:
        self.run_worker(self._after_read(info), group="mapping", exclusive=True, exit_on_error=False)

    async def _after_read(self, info: csvio.FileInfo) -> None:
        self.info = info
        self.report = None
        mapping = csvio.guess_mapping(info)
        note = unfit_note(info, mapping)
        detected = f"read as: {info.describe()}" + (f"\n{note}" if note else "")
        self.query_one("#detected", Static).update(literal(detected, keep="\n"))
        await self._show_mapping(info, mapping)
        self.query_one("#step2").display = True
        self.query_one("#summary", Static).update("")
        self.show_info("check the mapping under each column, then Validate (ctrl+s)")
        self._refresh_buttons()

    async def _show_mapping(self, info: csvio.FileInfo, mapping: tuple[str, ...]) -> None:
        box = self.query_one("#mapping", HorizontalScroll)
        await box.remove_children()
        self._mapping_version += 1
        options = [(csvio.FIELD_LABELS[f], f) for f in csvio.FIELDS]
        columns = []
        for index, name in enumerate(info.columns):
            values = [row[index] if index < len(row) else "" for row in info.preview[:PREVIEW_SHOWN]]
            columns.append(
                Vertical(
                    Label(literal(name[:20]), classes="map-name"),
                    Select(
                        options,
                        value=mapping[index],
                        allow_blank=False,
                        compact=True,
                        id=f"map-{self._mapping_version}-{index}",
                        classes="map-select",
                    ),
                    Static(message("\n".join(display_safe(v[:20]) for v in values)), classes="map-values"),
                    classes="map-col",
                )
            )
        await box.mount_all(columns)

    def mapping(self) -> tuple[str, ...]:
        return tuple(fields.picked(select) for select in self.query("#mapping Select.map-select").results(Select))

    # ---- step 2: validate -------------------------------------------------------

    def _options(self) -> csvio.ImportOptions:
        return csvio.ImportOptions(
            mapping=self.mapping(),
            operator=fields.chosen(self.query_one("#d_operator", Select)),
            status=fields.picked(self.query_one("#d_status", Select)),
            tag=self.query_one("#d_tag", Input).value.strip(),
            after_hold=fields.picked(self.query_one("#d_after_hold", Select)),
            hold_days=getattr(getattr(self.app, "profile", None), "hold_days", 30),
            on_existing=fields.picked(self.query_one("#on_existing", Select)),
            create_operators=self.query_one("#unknown_operators", Select).value == "create",
            create_resellers=self.query_one("#unknown_resellers", Select).value == "create",
        )

    def _start(self, job: str, text: str, size: int) -> ProgressBar:
        """A job over a file of `size` bytes begins: its progress bar, shown."""
        self._job = job
        self._cancel.clear()
        self._refresh_buttons()
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=max(size, 1), progress=0)
        self.show_info(text + " (esc cancels)")
        return bar

    def _stop(self) -> None:
        self._job = None
        self.query_one("#progress").display = False
        self._refresh_buttons()

    def _cancelled(self) -> Callable[[], bool]:
        worker = get_current_worker()
        return lambda: self._cancel.is_set() or worker.is_cancelled

    def _validate(self) -> None:
        if self.info is None:
            self._read()
            return
        info, options = self.info, self._options()
        progress = _progress_to(self, self._start("validation", "validating every row…", info.size))

        def run() -> ImportReport:
            return csvio.validate(info, options, progress=progress, cancel=self._cancelled())

        db_call(self, run, done=self._validated, failed=self._failed, group="csv")

    def _validated(self, report: ImportReport) -> None:
        self._stop()
        self.report = report
        summary = self.query_one("#summary", Static)
        summary.update(message(self._describe(report)))
        if report.ok:
            self.show_info(f"{report.summary()}\nevery row is good: Import all (ctrl+s) writes them in one go")
        else:
            self.show_info(
                f"{self._describe(report, 3)}\nnothing was written. Import good rows writes the others "
                f"and the wrong ones to {default_errors_path(report_path(self.info)).name} beside the input"
            )
        self._refresh_buttons()

    def _describe(self, report: ImportReport, shown: int = ERRORS_SHOWN) -> str:
        lines = [report.summary()]
        lines += [f"  {error}" for error in report.errors[:shown]]
        more = report.wrong_rows - min(len(report.errors), shown)
        if more > 0:
            lines.append(f"  … and {words.count(more, 'more wrong row')}")
        return "\n".join(lines)

    def _failed(self, message: str) -> None:
        self._stop()
        self.show_info("")
        self.show_error(message)

    # ---- step 3: import ---------------------------------------------------------

    def _import(self, *, skip_invalid: bool) -> None:
        if self.info is None or self.report is None:
            return
        info, options = self.info, self._options()
        errors = default_errors_path(info.path) if skip_invalid else None
        progress = _progress_to(self, self._start("import", "importing…", info.size))

        def run() -> ImportReport:
            return csvio.run_import(
                info,
                options,
                skip_invalid=skip_invalid,
                errors_path=errors,
                progress=progress,
                cancel=self._cancelled(),
            )

        db_call(self, run, done=self._imported, failed=self._failed, group="csv")

    def _imported(self, report: ImportReport) -> None:
        self._stop()
        if not report.written:  # the inventory changed since validation
            self.report = report
            self.query_one("#summary", Static).update(message(self._describe(report)))
            self.show_info("")
            self.show_error("nothing was imported: rows are wrong now (the inventory changed since validation)")
            self._refresh_buttons()
            return
        fire_hook(
            self,
            "after_import",
            batch=report.batch,
            counts={"dids": report.imported, "new": report.new, "updated": report.updated},
        )
        text = f"imported {words.count(report.imported, 'DID')} ({report.new:,} new, {report.updated:,} updated)"
        if report.errors_path:
            text += f"; {words.count(report.wrong_rows, 'rejected row')} in {report.errors_path}"
        self.app.notify(text, timeout=8)
        self.dismiss(report.imported)


def report_path(info: csvio.FileInfo | None) -> Path:
    return info.path if info is not None else Path("input.csv")


class ExportDialog(FormScreen[str]):
    """Export every DID matching the DIDs tab's filter; dismissed with the path written, or None."""

    TITLE_TEXT = "Export DIDs to CSV"
    SUBMIT_LABEL = "Export"

    def __init__(self, filt: DIDFilter | None = None, sort: str = "number") -> None:
        super().__init__()
        self.filt = filt or DIDFilter()
        self.sort = sort
        self._cancel = threading.Event()
        self._exporting = False
        self._confirmed: str | None = None

    def fields(self) -> ComposeResult:
        yield Static(literal(f"DIDs: {self.filt.describe()}"), id="what")
        yield self.field_row("File", Input(str(Path.cwd() / csvio.default_export_name()), id="path", compact=True))
        yield ProgressBar(id="progress", show_eta=True)

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        path = self.query_one("#path", Input)
        path.focus()
        path.cursor_position = len(path.value)
        filt = self.filt
        db_call(self, lambda: count(filt), done=self._counted, failed=self.show_error, group="count")

    def _counted(self, n: int) -> None:
        if not self._exporting:
            self.show_info(f"{words.count(n, 'DID')} match ({self.filt.describe()}); ctrl+s writes them all")

    @on(Input.Submitted, "#path")
    def _submitted(self) -> None:
        self.action_submit()

    def submit(self) -> None:
        if self._exporting:
            return
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.show_error("type the path of the file to write")
            return
        if text in STDOUT_NAMES:
            self.show_error("the app cannot write to standard output (it draws the screen there): name a file")
            return
        try:
            target = csvio.check_export_target(text)
        except OutputError as exc:
            self.show_error(str(exc))
            return
        question = {
            "replace": f"{Path(text).name} exists: press ctrl+s again to replace it",
            "stream": f"{text} is {target.what}: the export is written into it; press ctrl+s again",
        }.get(target.kind)
        if question and self._confirmed != text:
            self._confirmed = text
            self.show_error(question)
            return
        self._exporting = True
        self._cancel.clear()
        self.set_busy(True)
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.show_info("exporting… (esc cancels)")
        progress = _progress_to(self, bar)
        filt, sort = self.filt, self.sort

        def run() -> str:
            worker = get_current_worker()
            csvio.export_csv(
                target,
                filt,
                sort,
                progress=progress,
                cancel=lambda: self._cancel.is_set() or worker.is_cancelled,
                wait_for_reader=False,  # a pipe nobody reads would hang the job where esc cannot reach it
            )
            return target.shown

        db_call(self, run, done=self._exported, failed=self._failed, group="csv")

    def _exported(self, shown: str) -> None:
        self.dismiss(shown)

    def _failed(self, message: str) -> None:
        self._exporting = False
        self.query_one("#progress").display = False
        self.show_info("")
        self.show_error(message)

    def action_cancel(self) -> None:
        if self._exporting:
            self._cancel.set()
            self.show_info("cancelling…")
            return
        self.dismiss(None)


__all__ = ["ExportDialog", "ImportWizard", "PathSuggester"]
