"""The JSON the command line prints: one function per kind of record, and the schema
they follow (field -> JSON types), which docs/cli.md shows and the tests check.

Stable: fields are only ever added. Statuses are their ids (`in_stock`, not "In Stock");
times are ISO 8601 UTC ending in Z; a missing value is null, an empty text "".
"""

from __future__ import annotations

import datetime as _dt
from json.encoder import encode_basestring
from typing import Any

from didtui.cli.output import json_value
from didtui.core.filters import DIDRow
from didtui.core.history import EventRow
from didtui.core.names import Named
from didtui.core.operators import OperatorRow
from didtui.core.owners import Owner
from didtui.core.resellers import ResellerRow
from didtui.core.retail import AccountRow, ClientPackageRow, PackageRow
from didtui.core.undo import BatchRow, UndoResult

STR, INT, BOOL, NULL, LIST, OBJ, NUM = "string", "integer", "boolean", "null", "array", "object", "number"

RESULT: dict[str, tuple[str, ...]] = {
    "ok": (BOOL,),
    "action": (STR,),
    "dry_run": (BOOL,),
    "count": (INT,),
    "batch": (STR, NULL),
    "dids": (LIST,),
    "hooks": (LIST,),
}
BATCH: dict[str, tuple[str, ...]] = {
    "batch": (STR,),
    "short": (STR,),
    "kind": (STR,),
    "actor": (STR,),
    "at": (STR,),
    "dids": (INT,),
    "note": (STR,),
    "undone_by": (STR, NULL),
    "undo_of": (STR, NULL),
}

SCHEMAS: dict[str, dict[str, tuple[str, ...]]] = {
    "did": {
        "id": (INT,),
        "number": (STR,),
        "status": (STR,),
        "operator": (STR, NULL),
        "tag": (STR,),
        "notes": (STR,),
        "client": (STR, NULL),
        "account": (STR, NULL),
        "package": (STR, NULL),
        "reseller": (STR, NULL),
        "after_hold": (STR,),
        "hold_days": (INT,),
        "hold_until": (STR, NULL),
        "version": (INT,),
        "created_at": (STR, NULL),
        "updated_at": (STR, NULL),
    },
    "operator": {"id": (INT,), "name": (STR,), "reseller": (STR, NULL), "dids": (INT,), "by_status": (OBJ,)},
    "package": {"id": (INT,), "name": (STR,), "tags": (LIST,), "allowed_dids": (INT,), "assignments": (INT,)},
    "client": {"id": (INT,), "name": (STR,), "reseller": (STR, NULL), "accounts": (LIST,)},
    "account": {"id": (INT,), "client": (STR,), "name": (STR,), "reseller": (STR, NULL), "active_dids": (INT,)},
    "assignment": {
        "id": (INT,),
        "client": (STR,),
        "account": (STR,),
        "package": (STR,),
        "tags": (LIST,),
        "allowed_dids": (INT,),
        "active": (BOOL,),
        "used": (INT,),
        "remaining": (INT,),
    },
    "event": {
        "at": (STR,),
        "actor": (STR,),
        "number": (STR, NULL),
        "action": (STR,),
        "changes": (OBJ,),
        "batch": (STR,),
    },
    "result": RESULT,
    "sweep": {
        "ok": (BOOL,),
        "action": (STR,),
        "dry_run": (BOOL,),
        "count": (INT,),
        "by_status": (OBJ,),
        "batch": (STR, NULL),
        "at": (STR,),
        "hooks": (LIST,),
    },
    "block": {
        "id": (INT,),
        "name": (STR,),
        "operator": (STR,),
        "reseller": (STR, NULL),
        "first": (STR,),
        "last": (STR,),
        "size": (INT,),
        "by_status": (OBJ,),
        "not_in_inventory": (INT,),
        "in_use_pct": (NUM,),
        "free_pct": (NUM,),
        "longest_free_run": (INT, NULL),
        "bought_on": (STR, NULL),
        "monthly_cost": (STR, NULL),
        "setup_cost": (STR, NULL),
        "monthly_total": (STR, NULL),
        "monthly_unused": (STR, NULL),
        "notes": (STR,),
    },
    "costs": {"by": (STR,), "lines": (LIST,), "total": (OBJ,)},
    "reconcile": {
        "ok": (BOOL,),
        "action": (STR,),
        "operator": (STR,),
        "listed": (INT,),
        "in_sync": (BOOL,),
        "missing": (INT,),
        "gone": (INT,),
        "gone_attached": (INT,),
        "drift": (INT,),
        "samples": (OBJ,),
        "wrong_rows": (LIST,),
        "applied": (OBJ,),
        "left": (INT,),
        "batch": (STR, NULL),
        "report": (STR, NULL),
    },
    "reseller": {"id": (INT,), "name": (STR,), "operators": (INT,), "dids": (INT,), "clients": (INT,)},
    "batch": BATCH,
    "batch_events": {**BATCH, "events": (LIST,), "more": (INT,)},
    "did_history": {"number": (STR,), "exists": (BOOL,), "owners": (LIST,), "events": (LIST,)},
    "undo": {
        **RESULT,
        "undone": (STR,),
        "kind": (STR,),
        "restored": (INT,),
        "recreated": (INT,),
        "deleted": (INT,),
        "blocked": (LIST,),
        "blocked_count": (INT,),
    },
    "error": {"error": (OBJ,)},
}

DESCRIPTIONS = {
    "did": "one DID (`dids list` prints one per line, `dids show` one document)",
    "operator": "`operators list` (one per line); by_status maps status ids to counts",
    "package": "`packages list` (one per line)",
    "client": "`clients list` (one per line); accounts are their names",
    "account": "`accounts list` (one per line)",
    "assignment": "`assignments list` (one per line): a package assigned to an account",
    "event": "`dids history` (one per line, newest first); changes map a field to [old, new]",
    "result": "every command that changes data (and its --dry-run), plus any fields it adds",
    "sweep": "`didtui --sweep --json`",
    "block": "`blocks list` (one per line); money as decimal strings; longest_free_run with --runs, else null",
    "costs": "`report costs`: lines of {key, numbers, unused, monthly, monthly_unused, setup} and their total",
    "reconcile": "`reconcile`: counts per category, samples ({number, ours, theirs, client, operator, line, urgent})",
    "reseller": "`resellers list` (one per line): what refers to each reseller",
    "batch": "`history batches` (one per line, newest first); short is the id's first 10 digits",
    "batch_events": "`history batch ID`: the batch, its first --limit events (as `event`) and how many more",
    "did_history": '`history did NUMBER`: owners ({client: "client/account", from, to: null while it owns it})'
    " and events (as `event`, newest first); exists is false for a deleted DID",
    "undo": "`undo ID` (a result): batch is the undo's own batch, undone the batch undone; blocked lists"
    " {number, why} (at most a few hundred) of blocked_count DIDs left as they are (with --rest)",
    "error": 'on stderr with --json: {"error": {"code", "exit", "message"}}; a refused undo adds'
    " blocked and blocked_count",
}


def did(row: DIDRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "status": row.status,
        "operator": row.operator or None,
        "tag": row.tag,
        "notes": row.notes,
        "client": row.client or None,
        "account": row.account or None,
        "package": row.package or None,
        "reseller": row.reseller or None,
        "after_hold": row.after_hold,
        "hold_days": row.hold_days,
        "hold_until": json_value(row.hold_until),
        "version": row.version,
        "created_at": json_value(row.created_at),
        "updated_at": json_value(row.updated_at),
    }


def did_line(t: tuple[Any, ...]) -> str:
    """`dids list --json`'s line for a raw row of core/streams.py's `stream_tuples`: the
    same text as `dumps(did(row))` (a test holds them equal), built without the row object
    and the dict, which made the listing 2x slower."""
    return (
        f'{{"id": {t[0]}, "number": {encode_basestring(t[3])}, "status": {encode_basestring(t[1])}, '
        f'"operator": {_text_or_null(t[2])}, "tag": {encode_basestring(t[4] or "")}, '
        f'"notes": {encode_basestring(t[5] or "")}, "client": {_text_or_null(t[6])}, '
        f'"account": {_text_or_null(t[7])}, "package": {_text_or_null(t[9])}, '
        f'"reseller": {_text_or_null(t[8])}, "after_hold": {encode_basestring(t[11])}, '
        f'"hold_days": {t[12]}, "hold_until": {_time(t[10])}, "version": {t[13]}, '
        f'"created_at": {_time(t[17])}, "updated_at": {_time(t[18])}}}'
    )


def _text_or_null(value: str | None) -> str:
    return encode_basestring(value) if value else "null"


def _time(value: _dt.datetime | str | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):  # SQLite's text form, "YYYY-MM-DD HH:MM:SS[.ffffff]"
        return f'"{value.replace(" ", "T")}Z"'
    return f'"{value.replace(tzinfo=None).isoformat()}Z"'


def operator(row: OperatorRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "reseller": row.reseller or None,
        "dids": row.did_count,
        "by_status": dict(sorted(row.by_status.items())),
    }


def package(row: PackageRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "tags": list(row.tags),
        "allowed_dids": row.allowed_dids,
        "assignments": row.client_packages,
    }


def client(named: Named, reseller: str, accounts: list[str]) -> dict[str, Any]:
    return {"id": named.id, "name": named.name, "reseller": reseller or None, "accounts": accounts}


def account(row: AccountRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "client": row.client,
        "name": row.name,
        "reseller": row.reseller or None,
        "active_dids": row.active_dids,
    }


def assignment(row: ClientPackageRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "client": row.client,
        "account": row.account,
        "package": row.package,
        "tags": list(row.tags),
        "allowed_dids": row.allowed_dids,
        "active": row.active,
        "used": row.used,
        "remaining": row.remaining,
    }


def event(row: EventRow) -> dict[str, Any]:
    return {
        "at": json_value(row.at),
        "actor": row.actor,
        "number": row.did_number,
        "action": row.action,
        "changes": {k: [json_value(x) for x in v] if isinstance(v, list) else v for k, v in row.changes.items()},
        "batch": row.batch,
    }


def reseller(row: ResellerRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "operators": row.operators, "dids": row.dids, "clients": row.clients}


def batch(row: BatchRow) -> dict[str, Any]:
    return {
        "batch": row.batch,
        "short": row.short,
        "kind": row.kind,
        "actor": row.actor,
        "at": json_value(row.at),
        "dids": row.count,
        "note": row.note,
        "undone_by": row.undone_by,
        "undo_of": row.undo_of,
    }


def batch_events(row: BatchRow, events: list[EventRow]) -> dict[str, Any]:
    doc = batch(row)
    doc["events"] = [event(e) for e in events]
    doc["more"] = max(0, row.count - len(events))
    return doc


def did_history(number: str, exists: bool, owners: list[Owner], events: list[EventRow]) -> dict[str, Any]:
    return {
        "number": number,
        "exists": exists,
        "owners": [{"client": o.client, "from": json_value(o.since), "to": json_value(o.until)} for o in owners],
        "events": [event(e) for e in events],
    }


def blocked(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"number": number, "why": why} for number, why in pairs]


def undone(outcome: UndoResult, *, dry_run: bool) -> dict[str, Any]:
    return result(
        "undo",
        outcome.total,
        dry_run=dry_run,
        batch=outcome.undo_batch,
        undone=outcome.batch.batch,
        kind=outcome.batch.kind,
        restored=outcome.restored,
        recreated=outcome.recreated,
        deleted=outcome.deleted,
        blocked=blocked(outcome.blocked),
        blocked_count=outcome.blocked_count,
    )


def result(
    action: str,
    count: int,
    *,
    dry_run: bool = False,
    batch: str | None = None,
    dids: list[str] | None = None,
    hooks: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    doc = {
        "ok": True,
        "action": action,
        "dry_run": dry_run,
        "count": count,
        "batch": None if dry_run else batch,
        "dids": list(dids or []),
        "hooks": list(hooks or []),
    }
    doc.update({k: json_value(v) for k, v in extra.items()})
    return doc


def check(kind: str, doc: dict[str, Any]) -> list[str]:
    """What is wrong with `doc` against SCHEMAS[kind] (missing fields, wrong types)."""
    problems = []
    names = {str: STR, bool: BOOL, int: INT, float: NUM, type(None): NULL, list: LIST, dict: OBJ}
    for field, types in SCHEMAS[kind].items():
        if field not in doc:
            problems.append(f"{kind}: missing {field}")
            continue
        got = names.get(type(doc[field]), type(doc[field]).__name__)
        if got not in types:
            problems.append(f"{kind}.{field}: {got}, expected {'/'.join(types)}")
    return problems
