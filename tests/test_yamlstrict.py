"""Tests for the strict YAML loader."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.problems import DossierError, Problem, Severity
from generator.yamlstrict import (
    MAX_FILE_BYTES,
    YamlDocument,
    dotted,
    load_yaml,
    load_yaml_file,
    require_mapping,
)

PATH = "content/people/x.yaml"


def problems(text: str) -> list[str]:
    with pytest.raises(DossierError) as info:
        load_yaml(text, PATH)
    for problem in info.value.problems:
        assert problem.severity is Severity.ERROR
        assert problem.path == PATH
    return [str(p) for p in info.value.problems]


def only_problem(text: str) -> Problem:
    with pytest.raises(DossierError) as info:
        load_yaml(text, PATH)
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


def file_problems(tmp_path: Path, raw: bytes) -> list[str]:
    file = tmp_path / "x.yaml"
    file.write_bytes(raw)
    with pytest.raises(DossierError) as info:
        load_yaml_file(file, PATH)
    return [str(p) for p in info.value.problems]


# --- scalars stay strings --------------------------------------------------


def test_no_implicit_typing() -> None:
    text = (
        "a: NO\nb: on\nc: 1.10\nd: 012345\ne: 2023-02-30\nf: 2023-11-21\n"
        "g: true\nh: yes\ni: 0x1F\nj: 1e3\nk: .inf\nl: -0\n"
    )
    assert load_yaml(text, PATH).data == {
        "a": "NO",
        "b": "on",
        "c": "1.10",
        "d": "012345",
        "e": "2023-02-30",
        "f": "2023-11-21",
        "g": "true",
        "h": "yes",
        "i": "0x1F",
        "j": "1e3",
        "k": ".inf",
        "l": "-0",
    }


def test_keys_are_strings_too() -> None:
    data = load_yaml("1: a\nyes: b\n1.10: c\n2023-01-01: d\n", PATH).data
    assert data == {"1": "a", "yes": "b", "1.10": "c", "2023-01-01": "d"}


@pytest.mark.parametrize("plain", ["", "~", "null", "Null", "NULL"])
def test_plain_nulls_become_none(plain: str) -> None:
    assert load_yaml(f"a: {plain}\n", PATH).data == {"a": None}


@pytest.mark.parametrize("quoted", ["''", '""', "'~'", '"null"', "'NULL'", "'Null'"])
def test_quoted_nulls_stay_strings(quoted: str) -> None:
    assert load_yaml(f"a: {quoted}\n", PATH).data == {"a": quoted[1:-1]}


def test_other_null_spellings_stay_strings() -> None:
    assert load_yaml("a: nULL\nb: none\nc: None\n", PATH).data == {
        "a": "nULL",
        "b": "none",
        "c": "None",
    }


def test_empty_list_items_and_empty_document() -> None:
    assert load_yaml("- \n- x\n-\n", PATH).data == [None, "x", None]
    assert load_yaml("", PATH).data is None
    assert load_yaml("# only a comment\n", PATH).data is None


def test_quoted_and_plain_text_kept_exactly() -> None:
    text = "a: 'it''s'\nb: \"tab\\there\"\nc:  spaced out  \nd: 'x: y'\n"
    assert load_yaml(text, PATH).data == {
        "a": "it's",
        "b": "tab\there",
        "c": "spaced out",
        "d": "x: y",
    }


def test_flow_collections() -> None:
    assert load_yaml("a: [1, no, {b: ~}]\n", PATH).data == {"a": ["1", "no", {"b": None}]}


def test_block_scalars_keep_text() -> None:
    text = (
        "summary: |\n  line one\n    indented\n  line three\n"
        "note: >\n  folded\n  text\n\n  para\n"
        "last: x\n"
    )
    doc = load_yaml(text, PATH)
    assert doc.data == {
        "summary": "line one\n  indented\nline three\n",
        "note": "folded text\npara\n",
        "last": "x",
    }
    assert doc.position(("summary",)) == (1, 10)
    assert doc.position(("note",)) == (5, 7)
    assert doc.position(("last",)) == (10, 7)
    assert doc.key_position(("last",)) == (10, 1)


def test_all_values_are_plain_types() -> None:
    doc = load_yaml("a: [1, {b: [c, ~]}]\nd: 'e'\n", PATH)

    def check(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                assert type(key) is str
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        else:
            assert value is None or type(value) is str

    check(doc.data)


# --- positions -------------------------------------------------------------

PEOPLE = """\
title: Talks
participants:
  - name: Ann
    role: host
  - name: Bob
    role:   guest
    tags: [a, b]
meta:
  nested:
    deep: here
"""


def test_positions_of_values_and_keys() -> None:
    doc = load_yaml(PEOPLE, PATH)
    assert doc.position(()) == (1, 1)
    assert doc.key_position(()) == (1, 1)
    assert doc.position(("title",)) == (1, 8)
    assert doc.key_position(("title",)) == (1, 1)
    assert doc.position(("participants",)) == (3, 3)
    assert doc.key_position(("participants",)) == (2, 1)
    assert doc.position(("participants", 0)) == (3, 5)
    assert doc.position(("participants", 1, "role")) == (6, 13)
    assert doc.key_position(("participants", 1, "role")) == (6, 5)
    assert doc.position(("participants", 1, "tags", 1)) == (7, 15)
    assert doc.position(("meta", "nested", "deep")) == (10, 11)
    assert doc.key_position(("meta", "nested", "deep")) == (10, 5)


def test_list_items_have_no_key_position() -> None:
    doc = load_yaml(PEOPLE, PATH)
    assert doc.key_position(("participants", 1)) == doc.position(("participants", 1)) == (5, 5)


def test_missing_keys_fall_back_to_nearest_parent() -> None:
    doc = load_yaml(PEOPLE, PATH)
    assert doc.position(("participants", 1, "email")) == (5, 5)
    assert doc.key_position(("participants", 1, "email")) == (5, 5)
    assert doc.position(("participants", 7, "role")) == (3, 3)
    assert doc.position(("nope", "x")) == (1, 1)


def test_positions_in_flow_mappings() -> None:
    doc = load_yaml("a: {b: c, d: [e, f]}\n", PATH)
    assert doc.position(("a", "b")) == (1, 8)
    assert doc.key_position(("a", "d")) == (1, 11)
    assert doc.position(("a", "d", 1)) == (1, 18)


def test_dotted() -> None:
    assert dotted(("participants", 2, "role")) == "participants.2.role"
    assert dotted(()) == ""


# --- refusals --------------------------------------------------------------


def test_duplicate_key() -> None:
    assert problems("title: x\nname: a\nname: b\n") == [
        "content/people/x.yaml:3:1: name: duplicate key 'name' (first defined on line 2)"
    ]


def test_duplicate_key_nested_and_in_flow() -> None:
    problem = only_problem("people:\n  - name: a\n    role: x\n    role: y\n")
    assert problem.field == "people.0.role"
    assert (problem.line, problem.col) == (4, 5)
    assert problem.message == "duplicate key 'role' (first defined on line 3)"
    assert problems("a: {b: 1, b: 2}\n") == [
        "content/people/x.yaml:1:11: a.b: duplicate key 'b' (first defined on line 1)"
    ]


def test_same_key_in_different_mappings_is_fine() -> None:
    assert load_yaml("- name: a\n- name: b\n", PATH).data == [{"name": "a"}, {"name": "b"}]


def test_anchor_and_alias() -> None:
    assert problems("a: &x one\nb: *x\n") == [
        "content/people/x.yaml:1:4: a: anchors are not allowed ('&x')",
        "content/people/x.yaml:2:4: b: aliases are not allowed ('*x')",
    ]


def test_billion_laughs_refused_fast() -> None:
    bomb = "\n".join(
        [
            'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
            *(
                f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]"
                for a, b in zip("abcdefgh", "bcdefghi", strict=True)
            ),
        ]
    )
    start = time.perf_counter()
    with pytest.raises(DossierError) as info:
        load_yaml(bomb, PATH)
    assert time.perf_counter() - start < 1.0
    messages = [p.message for p in info.value.problems]
    assert messages[0] == "anchors are not allowed ('&a')"
    assert "aliases are not allowed ('*a')" in messages


def test_problem_flood_is_capped() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 500) + "]\n"
    found = problems(text)
    assert len(found) == 101
    assert found[-1] == "content/people/x.yaml: too many problems; stopped after the first 100"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "run: !!python/object/apply:os.system ['echo hi']\n",
            "content/people/x.yaml:1:6: run: tags are not allowed "
            "('!!python/object/apply:os.system')",
        ),
        ("a: !!str 1\n", "content/people/x.yaml:1:4: a: tags are not allowed ('!!str')"),
        ("a: !custom x\n", "content/people/x.yaml:1:4: a: tags are not allowed ('!custom')"),
        ("a: ! x\n", "content/people/x.yaml:1:4: a: tags are not allowed ('!')"),
        ("a: !!map {b: c}\n", "content/people/x.yaml:1:4: a: tags are not allowed ('!!map')"),
        ("- !!seq [b]\n", "content/people/x.yaml:1:3: 0: tags are not allowed ('!!seq')"),
        ("!!str k: v\n", "content/people/x.yaml:1:1: tags are not allowed ('!!str')"),
        ("!!map\na: b\n", "content/people/x.yaml:1:1: tags are not allowed ('!!map')"),
    ],
)
def test_tags_refused(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_python_tag_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(DossierError):
        load_yaml(f"a: !!python/object/apply:os.system ['touch {marker}']\n", PATH)
    assert not marker.exists()


def test_multiple_documents() -> None:
    expected = (
        "content/people/x.yaml:3:1: only one document is allowed per file; a second one starts here"
    )
    assert problems("a: 1\nb: 2\n---\nc: 3\n") == [expected]
    # An explicit start marker before the only document is fine.
    assert load_yaml("---\na: 1\n...\n", PATH).data == {"a": "1"}
    # The second document is not even parsed, so its errors do not show.
    assert problems("a: 1\n---\n: : [\n") == [
        "content/people/x.yaml:2:1: only one document is allowed per file; a second one starts here"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "? [a, b]\n: c\n",
            "content/people/x.yaml:1:3: complex keys (a list or mapping used as a key) "
            "are not allowed",
        ),
        (
            "x:\n  {a: b}: c\n",
            "content/people/x.yaml:2:3: x: complex keys (a list or mapping used as a key) "
            "are not allowed",
        ),
    ],
)
def test_complex_keys(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_merge_key() -> None:
    assert problems("a:\n  <<: {b: c}\n  d: e\n") == [
        "content/people/x.yaml:2:3: a: merge keys ('<<') are not allowed"
    ]
    # Quoted, it is just an odd key.
    assert load_yaml("'<<': x\n", PATH).data == {"<<": "x"}


@pytest.mark.parametrize("key", ["~", "null", "NULL", "''", '""'])
def test_null_or_empty_keys(key: str) -> None:
    assert problems(f"a: 1\n{key}: x\n") == [
        "content/people/x.yaml:2:1: keys must not be empty or null"
    ]


def test_empty_explicit_key() -> None:
    assert problems("m:\n  ?\n  : v\n") == [
        "content/people/x.yaml:2:4: m: keys must not be empty or null"
    ]


def test_several_problems_reported_together_in_order() -> None:
    assert problems("b: *z\na: &q 1\na: 2\n") == [
        "content/people/x.yaml:1:4: b: aliases are not allowed ('*z')",
        "content/people/x.yaml:2:4: a: anchors are not allowed ('&q')",
        "content/people/x.yaml:3:1: a: duplicate key 'a' (first defined on line 2)",
    ]


# --- syntax errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: b: c\n", "content/people/x.yaml:1:5: mapping values are not allowed here"),
        (
            "a: [b, c\n",
            "content/people/x.yaml:2:1: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence starting at line 1, column 4)",
        ),
        (
            "a: 'open\n",
            "content/people/x.yaml:2:1: found unexpected end of stream "
            "(while scanning a quoted scalar starting at line 1, column 4)",
        ),
        # A quote left open runs on to the next quote mark: named where it opens.
        (
            'name: "Wang Yi\ncountry: china\nsummary: Says "no" often\n',
            "content/people/x.yaml:1:7: name: the quoted value that opens here closes only "
            'on line 3; is its closing " missing?',
        ),
        (
            "a: 1\nb: 'open\nc: 'd'\n",
            "content/people/x.yaml:2:4: b: the quoted value that opens here closes only on "
            "line 3; is its closing ' missing?",
        ),
        (
            "a: 1\nb:\n  - 'open\n  - 'c'\n",
            "content/people/x.yaml:3:5: the quoted value that opens here closes only on "
            "line 4; is its closing ' missing?",
        ),
        # A key without its colon: named on its own line, not where PyYAML gave up.
        (
            "name: Wang Yi\ncountry china\nsummary: x\n",
            "content/people/x.yaml:2:1: expected ':' after a key (write `key: value`)",
        ),
        (
            "a:\n\t- b\n",
            "content/people/x.yaml:2:1: found character '\\t' that cannot start any token",
        ),
        (
            "a: \x07\n",
            "content/people/x.yaml:1:4: unacceptable character #x0007: "
            "special characters are not allowed",
        ),
    ],
)
def test_syntax_errors(text: str, expected: str) -> None:
    found = problems(text)
    assert found == [expected]
    assert "\n" not in found[0]


def test_syntax_error_has_empty_field_and_no_chained_traceback() -> None:
    with pytest.raises(DossierError) as info:
        load_yaml("x:\n  - a\n  b: c\n", PATH)
    (problem,) = info.value.problems
    assert problem.field == ""
    assert (problem.line, problem.col) == (3, 3)
    assert info.value.__suppress_context__ or info.value.__context__ is None


# --- nesting ---------------------------------------------------------------


def test_depth_64_is_accepted() -> None:
    data = load_yaml("[" * 64 + "]" * 64, PATH).data
    for _ in range(63):
        assert isinstance(data, list) and len(data) == 1
        data = data[0]
    assert data == []


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 500 + "]" * 500, "1:65"),
        ("{a: " * 500 + "}" * 500, "1:257"),
        ("".join("  " * i + "a:\n" for i in range(500)), "65:129"),
        ("".join("  " * i + "-\n" for i in range(500)), "65:129"),
        ("- " * 500 + "x\n", "1:129"),
    ],
)
def test_deep_nesting_refused_without_recursion_error(text: str, where: str) -> None:
    assert problems(text) == [f"content/people/x.yaml:{where}: nesting is deeper than 64 levels"]


# --- top-level shape -------------------------------------------------------


def test_top_level_list_loads_but_require_mapping_refuses() -> None:
    doc = load_yaml("- a\n- b\n", PATH)
    assert doc.data == ["a", "b"]
    with pytest.raises(DossierError) as info:
        require_mapping(doc)
    assert [str(p) for p in info.value.problems] == [
        "content/people/x.yaml:1:1: expected a mapping at the top level, got a list"
    ]


@pytest.mark.parametrize(
    ("text", "got"),
    [("just text\n", "a string"), ("", "an empty document"), ("~\n", "an empty document")],
)
def test_require_mapping_other_shapes(text: str, got: str) -> None:
    with pytest.raises(DossierError) as info:
        require_mapping(load_yaml(text, PATH))
    assert [p.message for p in info.value.problems] == [
        f"expected a mapping at the top level, got {got}"
    ]


def test_require_mapping_accepts_mapping() -> None:
    require_mapping(load_yaml("a: b\n", PATH))


def test_document_is_frozen() -> None:
    doc = load_yaml("a: b\n", PATH)
    assert isinstance(doc, YamlDocument)
    assert doc.path == PATH
    with pytest.raises(AttributeError):
        doc.data = {}  # type: ignore[misc]


# --- files -----------------------------------------------------------------


def test_file_cp1252_names_line(tmp_path: Path) -> None:
    raw = "title: x\nb: ok\nquote: \u201chi\u201d\n".encode("cp1252")
    assert file_problems(tmp_path, raw) == [
        "content/people/x.yaml:3: not valid UTF-8 at line 3 (byte 0x93). Save the file as UTF-8."
    ]


def test_file_bad_byte_line_counts_crlf_and_cr(tmp_path: Path) -> None:
    assert file_problems(tmp_path, b"a: 1\r\nb: 2\r\nc: \xe9\r\n")[0].startswith(
        "content/people/x.yaml:3: not valid UTF-8 at line 3 "
    )
    assert file_problems(tmp_path, b"a: 1\rb: 2\rc: 3\rd: \xff\r")[0].startswith(
        "content/people/x.yaml:4: not valid UTF-8 at line 4 "
    )


def test_file_bom_stripped(tmp_path: Path) -> None:
    file = tmp_path / "x.yaml"
    file.write_bytes(b"\xef\xbb\xbfname: caf\xc3\xa9\nn: 1\n")
    doc = load_yaml_file(file, PATH)
    assert doc.data == {"name": "caf\u00e9", "n": "1"}
    assert doc.key_position(("name",)) == (1, 1)
    assert doc.path == PATH


def test_file_crlf_and_cr_same_as_lf(tmp_path: Path) -> None:
    lf = "a: 1\nb: |\n  x\n  y\nc:\n  - d\n"
    results = []
    for ending in ["\n", "\r\n", "\r"]:
        file = tmp_path / "x.yaml"
        file.write_bytes(lf.replace("\n", ending).encode())
        doc = load_yaml_file(file, PATH)
        results.append((doc.data, doc.position(("c", 0)), doc.position(("b",))))
    assert results[0] == (
        {"a": "1", "b": "x\ny\n", "c": ["d"]},
        (6, 5),
        (2, 4),
    )
    assert results[1] == results[0] == results[2]
    assert load_yaml(lf.replace("\n", "\r\n"), PATH).data == results[0][0]


def test_file_oversize(tmp_path: Path) -> None:
    assert file_problems(tmp_path, b"#" * (MAX_FILE_BYTES + 1)) == [
        "content/people/x.yaml: file is larger than 1 MiB"
    ]
    file = tmp_path / "ok.yaml"
    file.write_bytes(b"a: b\n" + b"#" * (MAX_FILE_BYTES - 5))
    assert load_yaml_file(file, PATH).data == {"a": "b"}


def test_file_binary(tmp_path: Path) -> None:
    assert file_problems(tmp_path, b"a: b\n\x00\x01\x02") == [
        "content/people/x.yaml: looks like a binary file (contains NUL bytes)"
    ]
    # UTF-16 text is full of NULs too: with its byte order mark, it is named for what it is.
    assert file_problems(tmp_path, "a: b\n".encode("utf-16")) == [
        "content/people/x.yaml:1: saved as UTF-16; save the file as UTF-8"
    ]
    assert file_problems(tmp_path, "a: b\n".encode("utf-16-le")) == [
        "content/people/x.yaml: looks like a binary file (contains NUL bytes)"
    ]


def test_file_missing(tmp_path: Path) -> None:
    with pytest.raises(DossierError) as info:
        load_yaml_file(tmp_path / "nope.yaml", PATH)
    (problem,) = info.value.problems
    assert problem.path == PATH
    assert problem.message.startswith("cannot read file: ")


def test_file_syntax_error_uses_display_path(tmp_path: Path) -> None:
    assert file_problems(tmp_path, b"a: 1\r\nb: c: d\r\n") == [
        "content/people/x.yaml:2:5: mapping values are not allowed here"
    ]


# --- properties ------------------------------------------------------------

YAMLISH = st.text(alphabet="ab1 :-?[]{},&*!|>'\"#~\n\t%<@`.\\\r\ufeff\x85\u2028\x07", max_size=80)


def _check_result(text: str) -> None:
    try:
        doc = load_yaml(text, PATH)
    except DossierError as exc:
        assert exc.problems
        assert all(p.path == PATH for p in exc.problems)
        return
    assert isinstance(doc.data, dict | list | str) or doc.data is None
    assert doc.position(()) == (1, 1)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_only_raises_dossier_error(text: str) -> None:
    _check_result(text)


@settings(max_examples=500, deadline=None)
@given(YAMLISH)
def test_yamlish_text_only_raises_dossier_error(text: str) -> None:
    _check_result(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=60))
def test_arbitrary_bytes_file_only_raises_dossier_error(tmp_path_factory: Any, raw: bytes) -> None:
    file = tmp_path_factory.mktemp("h") / "x.yaml"
    file.write_bytes(raw)
    try:
        load_yaml_file(file, PATH)
    except DossierError as exc:
        assert exc.problems
