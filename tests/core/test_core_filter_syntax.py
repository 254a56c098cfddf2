"""The filter syntax (docs/filters.md): quoting, literal backslashes, exact tags on every
backend, control characters refused; and, as properties, never any other exception."""

from __future__ import annotations

import pytest
from core_helpers import create
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from didtui.config import Profile
from didtui.core import filters, operators, views
from didtui.core.filter_syntax import filter_text, parse_filter_text
from didtui.errors import DidtuiError, InputError
from didtui.models import DID, Operator

# ---- the syntax, without a database ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("4420 status:hold", {"number": "4420", "status": "hold"}),
        ('op:"Colt Numbers" tag:london', {"operator": "Colt Numbers", "tag": "london"}),
        ("op:'Colt Numbers'", {"operator": "Colt Numbers"}),
        (r"op:back\slash", {"operator": r"back\slash"}),
        (r'op:"back\slash"', {"operator": r"back\slash"}),
        (r"op:C:\temp\x", {"operator": r"C:\temp\x"}),
        ("op:O'Brien", {"operator": "O'Brien"}),
        ('op:"say ""hi"""', {"operator": 'say "hi"'}),
        ("op:'it''s'", {"operator": "it's"}),
        ("""op:"it's" """, {"operator": "it's"}),
        ('tag:"gold "', {"tag": "gold "}),
        ('tag:"  two  blanks "', {"tag": "  two  blanks "}),
        ("tag:GOLD", {"tag": "GOLD"}),
        ("tag:-", {"tag": ""}),
        ('tag:""', {"tag": ""}),
        ('tag:"-"', {"tag": "-"}),
        ("s:hold s:stock", {"status": "hold,stock"}),
        ("o:x:y", {"operator": "x:y"}),
        ('"4420"', {"number": "4420"}),
        ("\tOP:x\t", {"operator": "x"}),
        ("", {}),
    ],
)
def test_filter_lines_parse_to_these_values(line: str, values: dict[str, str]) -> None:
    assert parse_filter_text(line) == values


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('op:"Colt', "never closed"),
        ("op:'Colt", "never closed"),
        ('op:"Colt"x', "put a blank after the closing quote"),
        ("foo:bar", "unknown field 'foo'"),
        ("op:", "op: needs a value"),
        ('op:""', "op: needs a value"),
        ("op: Colt", "needs a value"),
        ("op:a op:b", "given twice"),
        ("op:a\x00b", "control character U+0000 at position 5"),
        ("tag:\x1b[2J", "control character U+001B"),
        ("tag:a\x7f", "U+007F"),
        ("tag:a\x85", "U+0085"),
        ("op:a\nb", "U+000A"),
        ("op:\udcff", "invalid character"),
    ],
)
def test_bad_filter_lines_are_one_input_error(line: str, message: str) -> None:
    with pytest.raises(InputError, match="^filter: ") as err:
        parse_filter_text(line)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "values",
    [
        {"operator": "Colt Numbers", "tag": "gold "},
        {"tag": ""},
        {"tag": "-"},
        {"tag": '"quoted"'},
        {"operator": "'lead", "client": 'say "hi"'},
        {"operator": r"back\slash", "status": "hold,stock", "number": "4420"},
    ],
)
def test_filter_text_reads_back_the_same_values(values: dict[str, str]) -> None:
    assert parse_filter_text(filter_text(values)) == values


# Text a person could type or paste, with quotes, colons, backslashes and blanks favoured.
_PIECES = [" ", "\t", '"', "'", '""', ":", "\\", "-", "*", ",", "op:", "tag:", "s:", "4420", "gold"]
_TYPED = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=3)), max_size=12).map("".join)
_TERM = st.tuples(
    st.sampled_from(["", "op:", "o:", "tag:", "t:", "s:", "status:", "client:", "acct:", "r:", "pkg:", "n:", "x:"]),
    st.one_of(
        st.sampled_from(["gold", "GOLD", "-", "hold", "stock", "back\\slash", "44", "*55", "Colt"]), st.text(max_size=6)
    ),
    st.sampled_from(["", '"', "'"]),
).map(lambda t: f"{t[0]}{t[2]}{t[1]}{t[2]}")
_LINES = st.one_of(_TYPED, st.lists(_TERM, max_size=4).map(" ".join))
_PROPERTY = settings(max_examples=200, deadline=None)


@_PROPERTY
@given(_LINES)
def test_any_line_parses_or_is_an_input_error(line: str) -> None:
    try:
        values = parse_filter_text(line)
    except InputError:
        return
    assert set(values) <= {
        "number",
        "status",
        "operator",
        "tag",
        "client",
        "account",
        "reseller",
        "package",
        "block",
        "country",
        "number_type",
        "place",
    }
    assert parse_filter_text(filter_text(values)) == values


_VALUE = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=20)


@_PROPERTY
@given(
    st.fixed_dictionaries(
        {}, optional={"operator": _VALUE.filter(str.strip), "tag": _VALUE, "client": _VALUE.filter(str.strip)}
    )
)
def test_any_values_survive_the_round_trip(values: dict[str, str]) -> None:
    assert parse_filter_text(filter_text(values)) == values


# ---- against the database, on every backend ---------------------------------------------


@pytest.fixture
def tagged(profile: Profile) -> Profile:
    create("15550000001-15550000002", tag="gold")
    create("15550000003", tag="GOLD")
    create("15550000004", tag="gold ")
    create("15550000005", tag="")
    create("15550000006", tag="-")
    create("15550000007", tag="Gold")
    return profile


def _numbers(line: str) -> list[str]:
    values = views.complete_filter_names(parse_filter_text(line))
    filt = filters.resolve_filter(**values)
    return [r.number[-1] for r in filters.page(filt, limit=50)]


def test_tags_compare_exactly_on_every_backend(tagged: Profile) -> None:
    assert _numbers("tag:gold") == ["1", "2"]
    assert _numbers("tag:GOLD") == ["3"]
    assert _numbers('tag:"gold "') == ["4"]
    assert _numbers("tag:-") == ["5"]
    assert _numbers('tag:"-"') == ["6"]
    assert _numbers("tag:gol") == []
    assert filters.count(filters.resolve_filter(tag="Gold")) == 1
    assert filters.count(filters.resolve_filter(tag="")) == 1  # `--tag ""`: DIDs without a tag


def test_sorting_and_paging_by_tag_keep_exact_tags_apart(tagged: Profile) -> None:
    rows = list(filters.iter_rows(None, sort="tag", chunk=2))
    assert sorted(r.tag for r in rows) == sorted(["gold", "gold", "GOLD", "gold ", "", "-", "Gold"])
    assert len({r.id for r in rows}) == 7


def test_backslashes_in_names_are_literal(profile: Profile) -> None:
    slash = operators.create_operator("back\\slash").id
    plain = operators.create_operator("backslash").id
    create("15550000001", operator_id=slash)
    create("15550000002", operator_id=plain)
    assert _numbers(r"op:back\slash") == ["1"]
    assert _numbers(r'op:"back\slash"') == ["1"]
    assert _numbers("op:backslash") == ["2"]
    # Prefixes too: a backslash, % or _ in a prefix is no LIKE wildcard or escape.
    assert _numbers(r"op:BACK\s") == ["1"]
    assert _numbers("op:backs") == ["2"]
    operators.create_operator("50% off")
    operators.create_operator("500 Telecom")
    assert views.complete_name("operator", "50%") == "50% off"
    assert views.complete_name("operator", "5_0") == "5_0"  # no such prefix: left as typed


def test_names_stay_case_insensitive_with_unique_prefixes(profile: Profile) -> None:
    colt = operators.create_operator("Colt Numbers").id
    create("15550000001", operator_id=colt)
    assert _numbers("op:colt") == ["1"]
    assert _numbers('op:"COLT NUMBERS"') == ["1"]


@pytest.mark.parametrize("line", ["op:a\x00b", "tag:a\x00", "client:\x00"])
def test_nul_in_a_filter_is_an_input_error_on_every_backend(profile: Profile, line: str) -> None:
    with pytest.raises(InputError, match="U\\+0000"):
        parse_filter_text(line)
    key, _, value = line.partition(":")
    field = {"op": "operator"}.get(key, key)
    with pytest.raises(InputError, match=f"^{field}: control character U\\+0000"):
        filters.resolve_filter(**{field: value})


def test_a_stored_name_with_control_characters_can_still_be_drilled_into(profile: Profile) -> None:
    hostile = Operator.create(name="op\x1b]0;T\x07x").id  # stored before input rules refused such names
    create("15550000001", operator_id=hostile)
    assert filters.count(filters.resolve_filter(operator="op\x1b]0;T\x07x")) == 1  # Operators tab: enter
    with pytest.raises(InputError, match="U\\+001B"):
        parse_filter_text(filter_text({"operator": "op\x1b]0;T\x07x"}))  # typed: refused


def test_tag_index_serves_exact_tag_filters_on_mariadb(tagged: Profile, backend_name: str) -> None:
    if backend_name != "mysql":
        pytest.skip("the collation of did.tag is a MySQL/MariaDB matter")
    database = DID._meta.database
    collation = database.execute_sql(
        "SELECT COLLATION_NAME FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'did' AND COLUMN_NAME = 'tag'"
    ).fetchone()[0]
    assert collation == "utf8mb4_nopad_bin"
    query = DID.select(DID.id).where(filters.resolve_filter(tag="GOLD").where())
    sql, params = query.sql()
    plan = database.execute_sql("EXPLAIN " + sql, params).fetchall()
    columns = [d[0] for d in database.execute_sql("EXPLAIN " + sql, params).description]
    row = dict(zip(columns, plan[0], strict=True))
    assert row["type"] == "ref" and row["key"] in ("did_tag_number", "did_status_tag_number"), row


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_LINES)
def test_any_line_resolves_to_a_filter_or_a_message(tagged: Profile, line: str) -> None:
    """On every backend: NUL and other characters a server refuses never reach it."""
    try:
        filt = filters.resolve_filter(**views.complete_filter_names(parse_filter_text(line)))
        event(f"counted ({'some' if filters.count(filt) else 'none'})")
    except DidtuiError as exc:
        event(type(exc).__name__)
