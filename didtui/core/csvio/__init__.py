"""CSV import and export of DIDs: one core pipeline under the app's wizard and the CLI.

`source` reads files as they come (encoding, delimiter, header), `mapping` names what
each column holds, `importer` validates every row and writes in one transaction, and
`export` streams a filter's DIDs to CSV through the database cursor.
"""

from didtui.core.csvio.export import EXPORT_COLUMNS, check_export_target, default_export_name, export_csv
from didtui.core.csvio.fields import FIELD_LABELS, FIELDS
from didtui.core.csvio.importer import ImportOptions, ImportReport, RowError, run_import, validate
from didtui.core.csvio.mapping import guess_mapping, parse_field, parse_map_specs
from didtui.core.csvio.source import FileInfo, UnusableInput, inspect_file

__all__ = [
    "EXPORT_COLUMNS",
    "FIELDS",
    "FIELD_LABELS",
    "FileInfo",
    "ImportOptions",
    "ImportReport",
    "RowError",
    "UnusableInput",
    "check_export_target",
    "default_export_name",
    "export_csv",
    "guess_mapping",
    "inspect_file",
    "parse_field",
    "parse_map_specs",
    "run_import",
    "validate",
]
