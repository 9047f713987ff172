from __future__ import annotations

import bisect
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from drift import localfiles
from drift.hashing import compute_sha256
from drift.linemap import JsonLines, YamlLines
from drift.snapshots import Snapshot, document_lines, load_snapshots
from tests.conftest import shared_path
from tests.helpers import model, write_json


def problems_by_file(root: Path) -> dict[str, str]:
    local = load_snapshots(root, root)
    return {problem.file: problem.message for problem in local.problems}


def test_identity_version_hash_and_metadata(tmp_path: Path) -> None:
    with_id = model("md.Bar", "2.0.0")
    without_id = {"type": "object"}
    write_json(tmp_path / "nested" / "bar_snapshot.json", with_id)
    write_json(tmp_path / "plain.json", without_id)
    write_json(tmp_path / "_metadata.json", {"track": "v1", "version": "1.9.0", "fetched_at": "x"})
    local = load_snapshots(tmp_path, tmp_path)
    found = {s.identity: s for s in local.snapshots}
    assert set(found) == {"md.Bar", "plain"}  # _metadata.json is not a schema
    assert found["md.Bar"].version == "2.0.0"  # $core_version wins
    assert found["plain"].version == "1.9.0"  # else the metadata version
    assert found["md.Bar"].file == "nested/bar_snapshot.json"
    assert found["md.Bar"].sha256 == compute_sha256(with_id)
    assert local.metadata is not None
    assert local.metadata.track == "v1"
    assert local.problems == []


def test_yaml_snapshots_hash_like_json(tmp_path: Path) -> None:
    content = model("md.Quote")
    (tmp_path / "quote.yaml").write_text(
        "# a YAML snapshot\n"
        + "\n".join(f"{key}: {json.dumps(value)}" for key, value in content.items())
        + "\ncreated: 2024-01-01\n"
    )
    [snapshot] = load_snapshots(tmp_path, tmp_path).snapshots
    assert snapshot.identity == "md.Quote"
    assert snapshot.content["created"] == "2024-01-01"  # dates stay strings, as in JSON
    assert snapshot.sha256 == compute_sha256({**content, "created": "2024-01-01"})


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{\n  "type": "object",\n  "x": }\n')
    message = problems_by_file(tmp_path)["broken.json"]
    assert message.startswith("3:8: invalid JSON")


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("type: object\nproperties: [a, b\nx: 1\n")
    message = problems_by_file(tmp_path)["broken.yml"]
    assert "invalid YAML" in message
    assert message.split(":")[0].isdigit()


@pytest.mark.parametrize(
    ("text", "kind"), [("[1, 2]", "list"), ('"schema"', "str"), ("null", "null"), ("3", "int")]
)
def test_a_document_that_is_not_an_object(tmp_path: Path, text: str, kind: str) -> None:
    (tmp_path / "odd.json").write_text(text)
    assert (
        f"is a {kind}; a schema snapshot must be a JSON object"
        in problems_by_file(tmp_path)["odd.json"]
    )


def test_two_files_with_one_identity_are_both_reported(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", model("md.Bar"))
    write_json(tmp_path / "b" / "md.Bar.json", {"type": "object"})
    local = load_snapshots(tmp_path, tmp_path)
    assert local.snapshots == []
    messages = {p.file: p.message for p in local.problems}
    assert set(messages) == {"a.json", "b/md.Bar.json"}
    assert all("a.json, b/md.Bar.json" in m for m in messages.values())


def test_non_utf8_is_reported_with_the_offset(tmp_path: Path) -> None:
    (tmp_path / "latin1.json").write_bytes('{"title": "caf\u00e9"}'.encode("latin-1"))
    assert "not UTF-8 (byte 0xe9 at offset 14)" in problems_by_file(tmp_path)["latin1.json"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(model("md.X")).encode())
    assert [s.identity for s in load_snapshots(tmp_path, tmp_path).snapshots] == ["md.X"]


def test_symlinks_that_leave_the_schema_dir_are_refused(tmp_path: Path) -> None:
    outside = write_json(tmp_path / "outside" / "secret.json", model("secret"))
    root = tmp_path / "schemas"
    root.mkdir()
    write_json(root / "real.json", model("md.Real"))
    os.symlink(outside, root / "leak.json")
    os.symlink(outside.parent, root / "leakdir")
    os.symlink(root / "real.json", root / "alias_inside.json")  # inside: fine, but a duplicate
    local = load_snapshots(root, tmp_path)
    messages = {p.file: p.message for p in local.problems}
    assert "symlink leaves the schema dir" in messages["schemas/leak.json"]
    assert "symlinked directory leaves the schema dir" in messages["schemas/leakdir"]
    assert "secret" not in {s.identity for s in local.snapshots}
    assert "more than one file" in messages["schemas/real.json"]


def test_a_directory_tree_deeper_than_the_python_stack(tmp_path: Path) -> None:
    folder = tmp_path
    for _ in range(400):
        folder /= "d"
        folder.mkdir()
    write_json(folder / "deep.json", model("md.Deep"))
    write_json(tmp_path / "top.json", model("md.Top"))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(300)  # below the tree's depth (pytest's rmtree needs the default)
    try:
        local = load_snapshots(tmp_path, tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert [s.identity for s in local.snapshots] == ["md.Deep", "md.Top"]  # "d/…" < "top"
    assert local.problems == []


def test_symlink_loops_inside_the_schema_dir_name_the_file(tmp_path: Path) -> None:
    write_json(tmp_path / "real.json", model("md.Real"))
    os.symlink("self.json", tmp_path / "self.json")
    os.symlink("b.json", tmp_path / "a.json")
    os.symlink("a.json", tmp_path / "b.json")
    os.symlink("loopdir", tmp_path / "loopdir")  # no schema suffix: not a candidate
    local = load_snapshots(tmp_path, tmp_path)
    assert [s.identity for s in local.snapshots] == ["md.Real"]
    messages = {p.file: p.message for p in local.problems}
    assert set(messages) == {"self.json", "a.json", "b.json"}
    assert all("symlink loop" in message for message in messages.values())


def test_json_lines_point_at_keys_and_elements() -> None:
    text = '{\n  "a": 1,\n  "b": {\n    "c~d/e": [\n      true,\n      {"x": null}\n    ]\n  }\n}\n'
    lines = JsonLines(text)
    assert lines.line("") == 1
    assert lines.line("/a") == 2
    assert lines.line("/b") == 3
    assert lines.line("/b/c~0d~1e") == 4
    assert lines.line("/b/c~0d~1e/0") == 5
    assert lines.line("/b/c~0d~1e/1/x") == 6
    assert lines.line("/b/c~0d~1e/1/missing/deeper") == 6  # the nearest ancestor
    assert lines.line("/nope") == 1  # the root
    assert lines.line("/b/c~0d~1e/1/x") == 6  # asked again: from the cache


def test_json_lines_take_the_first_of_duplicate_keys() -> None:
    text = '{\n"a": {"x": 1},\n"a": {"y": {"z": 2}},\n"a": 3,\n"b": 4\n}'
    lines = JsonLines(text)
    assert lines.line("/a") == 2
    assert lines.line("/a/x") == 2
    assert lines.line("/a/y/z") == 3  # only the second "a" has it
    assert lines.line("/a/y/missing") == 3
    assert lines.line("/a/missing") == 2  # the nearest ancestor, where it first occurs
    assert lines.line("/b") == 5


def test_json_lines_after_a_bom_and_whitespace() -> None:
    lines = JsonLines('\ufeff\n\n  {\n"a":\n\n  [1,\n\t2]}')
    assert lines.line("") == 3
    assert lines.line("/a") == 4
    assert lines.line("/a/0") == 6
    assert lines.line("/a/1") == 7
    assert JsonLines('\r\n{"a": 1,\r\n "b": 2}').line("/b") == 3  # only \n counts


def test_snapshot_lines_of_a_file_with_a_bom(tmp_path: Path) -> None:
    (tmp_path / "bom.JSON").write_bytes(b'\xef\xbb\xbf{\n  "$schema_id": "x",\n  "type": 1\n}\n')
    [snapshot] = load_snapshots(tmp_path, tmp_path).snapshots
    assert isinstance(snapshot.lines, JsonLines)  # the suffix's case does not matter
    assert snapshot.lines.line("/type") == 3
    assert snapshot.lines.line("/type/deeper") == 3
    assert isinstance(document_lines(Path("s.yml"), "a: 1\n"), YamlLines)


def test_json_lines_of_compact_json() -> None:
    document = {"a": [{"b": 1}, {"c": [2, 3]}], "d": "e"}
    lines = JsonLines(json.dumps(document, separators=(",", ":")))
    for pointer in ("", "/a", "/a/1/c/1", "/d", "/a/5", "/x/y"):
        assert lines.line(pointer) == 1
    lines = JsonLines('{"a": 1, "b": 2,\n"c": {"d": 3, "e": 4}}')
    assert [lines.line(p) for p in ("/a", "/b", "/c", "/c/e", "/c/f")] == [1, 1, 2, 2, 2]


def test_json_lines_into_arrays_of_objects() -> None:
    text = '{"list": [\n  {"a": 1},\n  {\n    "a": 2,\n    "b": [10,\n      20]\n  }\n]}'
    lines = JsonLines(text)
    assert lines.line("/list") == 1
    assert lines.line("/list/0") == 2
    assert lines.line("/list/0/a") == 2
    assert lines.line("/list/1") == 3  # an element is at its first character
    assert lines.line("/list/1/a") == 4
    assert lines.line("/list/1/b/0") == 5
    assert lines.line("/list/1/b/1") == 6
    assert lines.line("/list/1/c") == 3


def test_json_lines_of_missing_array_elements() -> None:
    lines = JsonLines('{\n"list": [\n1,\n2\n],\n"empty": []\n}')
    assert lines.line("/list/1") == 4
    assert lines.line("/list/2") == 2  # out of range: the array
    assert lines.line("/empty/0") == 6
    for token in ("01", "-", "+1", "1e0", " 1", "\u0661", "a"):  # no index of an element
        assert lines.line(f"/list/{token}") == 2


def test_json_lines_of_keys_with_escapes() -> None:
    text = (
        '{\n"a\\"b": 1,\n"\\u00e9": {\n"x\\\\y": 2},\n"\u00e9\u00e9": 3,\n"s/t~u": 4,\n"~2": 5\n}'
    )
    assert json.loads(text) == {'a"b': 1, "é": {"x\\y": 2}, "éé": 3, "s/t~u": 4, "~2": 5}
    lines = JsonLines(text)
    assert lines.line('/a"b') == 2
    assert lines.line("/\u00e9") == 3
    assert lines.line("/\u00e9/x\\y") == 4
    assert lines.line("/\u00e9\u00e9") == 5
    assert lines.line("/s~1t~0u") == 6
    assert lines.line("/~02") == 7
    assert lines.line("/~2") == 1  # not a valid escape, so no key's pointer token


def test_json_lines_below_a_scalar() -> None:
    text = '{\n"n": 1,\n"s": "x/y",\n"t": true,\n"z": null,\n"f": -1.5e3,\n"a": [[]]\n}'
    lines = JsonLines(text)
    for line, pointer in enumerate(("/n", "/s", "/t", "/z", "/f", "/a/0"), start=2):
        assert lines.line(f"{pointer}/0/deeper") == line
        assert lines.line(f"{pointer}/y") == line


def test_yaml_lines() -> None:
    text = "type: object\nproperties:\n  a:\n    type: string\n  list:\n    - 1\n    - x: 2\n"
    lines = YamlLines(text)
    assert lines.line("") == 1
    assert lines.line("/properties/a/type") == 4
    assert lines.line("/properties/list/1") == 7
    assert lines.line("/properties/list/1/x") == 7
    assert lines.line("/properties/list/5") == 5
    assert lines.line("/nope/deeper") == 1
    assert YamlLines("").line("/a") is None  # an empty document has no lines


@pytest.mark.parametrize(
    "parts",
    [
        ("fixtures", "market-data-store", "v1", "telemetry.HealthStatus.json"),
        ("drift", "schemas", "drift-report.schema.json"),
    ],
    ids=["shared-fixture", "report-schema"],
)
def test_json_lines_of_every_pointer_of_a_real_schema(parts: tuple[str, ...]) -> None:
    if parts[0] == "fixtures":
        path = shared_path(*parts)
    else:
        path = Path(__file__).parent.parent.joinpath(*parts)
    text = path.read_text()
    lines = JsonLines(text)
    file_lines = text.splitlines()
    pointers = 0

    def walk(value: object, pointer: str) -> None:
        nonlocal pointers
        line = lines.line(pointer)
        assert line is not None
        pointers += 1
        if pointer:
            key = pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")
            assert f"{json.dumps(key)}" in file_lines[line - 1] or key.isdigit()
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else []
        )
        for key, child in children:
            walk(child, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")

    walk(json.loads(text), "")
    assert pointers > 50


# The full walk JsonLines replaced, kept as the oracle: every pointer's line, with
# setdefault (so the first of duplicate keys), then the nearest ancestor present.
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def oracle_line_map(text: str) -> dict[str, int]:
    newlines = [match.start() for match in re.finditer("\n", text)]
    result: dict[str, int] = {}

    def line_of(pos: int) -> int:
        return bisect.bisect_right(newlines, pos - 1) + 1

    def skip(pos: int) -> int:
        match = _WS.match(text, pos)
        return match.end() if match else pos

    def value(pos: int, pointer: str, line: int) -> int:
        pos = skip(pos)
        result.setdefault(pointer, line)
        char = text[pos] if pos < len(text) else ""
        if char == "{":
            return members(pos + 1, pointer)
        if char == "[":
            return elements(pos + 1, pointer)
        _, end = _DECODER.raw_decode(text, pos)
        return int(end)

    def members(pos: int, pointer: str) -> int:
        pos = skip(pos)
        if text[pos] == "}":
            return pos + 1
        while True:
            pos = skip(pos)
            key_start = pos
            key, pos = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
            pos = skip(pos) + 1
            child = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            pos = skip(value(pos, child, line_of(key_start)))
            if text[pos] == "}":
                return pos + 1
            pos += 1

    def elements(pos: int, pointer: str) -> int:
        pos = skip(pos)
        if text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = skip(pos)
            pos = skip(value(pos, f"{pointer}/{index}", line_of(pos)))
            index += 1
            if text[pos] == "]":
                return pos + 1
            pos += 1

    start = skip(0)
    if text.startswith("\ufeff"):
        start = skip(1)
    value(start, "", line_of(start))
    return result


def oracle_nearest(line_map: dict[str, int], pointer: str) -> int | None:
    while pointer not in line_map:
        if not pointer:
            return None
        pointer = pointer.rsplit("/", 1)[0]
    return line_map[pointer]


def assert_agrees_with_the_oracle(text: str) -> None:
    line_map = oracle_line_map(text)
    suffixes = ("", "/nope", "/0", "/1", "/01", "/-", "/~2", "/a", "/0/a/1")
    pointers = {pointer + suffix for pointer in line_map for suffix in suffixes}
    lines = JsonLines(text)
    got = {pointer: lines.line(pointer) for pointer in sorted(pointers)}
    assert got == {pointer: oracle_nearest(line_map, pointer) for pointer in sorted(pointers)}


KEYS = st.sampled_from(["a", "b", "0", "1", "", "a/b", "~", "~1", "~2", "\u00e9", 'q"', "x\\"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KEYS | st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=24,
)


@settings(max_examples=300, deadline=None)
@given(
    document=DOCUMENTS,
    indent=st.none() | st.integers(0, 3) | st.just("\t"),
    compact=st.booleans(),
    ensure_ascii=st.booleans(),
    sort_keys=st.booleans(),
)
def test_json_lines_agree_with_the_full_walk(
    document: Any, indent: int | str | None, compact: bool, ensure_ascii: bool, sort_keys: bool
) -> None:
    text = json.dumps(
        document,
        indent=indent,
        separators=(",", ":") if compact else None,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
    )
    assert_agrees_with_the_oracle(text)


WHITESPACE = st.sampled_from(["", " ", "\n", "\n  ", "\t", "\r\n", " \n\n "])


@st.composite
def json_texts(draw: st.DrawFn, depth: int = 0) -> str:
    """JSON text with duplicate keys, escaped keys and whitespace anywhere it may go."""

    def ws() -> str:
        return draw(WHITESPACE)

    kinds = ["scalar", "object", "array"] if depth < 4 else ["scalar"]
    kind = draw(st.sampled_from(kinds))
    if kind == "scalar":
        return json.dumps(draw(SCALARS), ensure_ascii=draw(st.booleans()))
    count = draw(st.integers(0, 4))
    if kind == "array":
        items = [ws() + draw(json_texts(depth + 1)) + ws() for _ in range(count)]
        return "[" + (",".join(items) or ws()) + "]"
    members = [
        ws() + json.dumps(draw(KEYS), ensure_ascii=draw(st.booleans())) + ws() + ":"
        + ws() + draw(json_texts(depth + 1)) + ws()
        for _ in range(count)
    ]  # fmt: skip
    return "{" + (",".join(members) or ws()) + "}"


@settings(max_examples=300, deadline=None)
@given(text=json_texts(), bom=st.booleans(), before=WHITESPACE, after=WHITESPACE)
def test_json_lines_agree_with_the_full_walk_on_any_layout(
    text: str, bom: bool, before: str, after: str
) -> None:
    text = before + text + after
    json.loads(text)  # valid JSON (duplicate keys are, for json)
    assert_agrees_with_the_oracle(("\ufeff" if bom else "") + text)


# ---------------------------------------------------------------- fuzzing the loader
# FUZZ_EXAMPLES sets the examples (default 150, to keep the suite fast); a longer run:
# FUZZ_EXAMPLES=20000 python -m pytest tests/test_snapshots.py -k fuzz

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ_SEED = model("md.Fuzz", "1.0.0", price={"type": "number", "minimum": 0}, tags={"enum": ["a"]})
# What breaks parsers: brackets (depth), anchors and aliases (bombs, cycles), tags, numbers
# past double and digit limits, escapes for surrogates, keys YAML reads as non-strings.
FUZZ_TOKENS = st.sampled_from(
    [
        "{", "}", "[", "]", ",", ":", '"', "'", "\\", "\n", "\t", " ", "- ", "? ", "#",
        "&a ", "*a", "&b [*a, *a, *a]", "<<: *a", "!!bool ", "!!int ", "!!float ",
        "!!timestamp ", "!!binary ", "!!set ", "!!omap ", "!!python/none ", "!!str ",
        "1e400", "-1e400", ".nan", ".inf", "NaN", "Infinity", "9" * 120, "0x", "1: ", "on: ",
        "~: ", "2024-01-01", "\\ud800", "\\udc00", "\\u0000", "\ufeff", "\x00", "\x85",
        "\u2028", "---\n", "...\n", "%YAML 1.1\n",
    ]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` after a few random edits; a repeated slice builds depth or size quickly."""
    for _ in range(draw(st.integers(1, 8))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        if edit == "repeat":
            middle = text[start:end] * draw(st.integers(2, 400))
        elif edit == "delete":
            middle = ""
        else:
            middle = draw(FUZZ_TOKENS | st.text(max_size=6))
            middle += text[start:end] if edit == "insert" else ""
        text = text[:start] + middle + text[end:]
    return text


def _fuzz_texts() -> st.SearchStrategy[tuple[bytes, str]]:
    json_text = json.dumps(FUZZ_SEED, indent=2)
    yaml_text = "base: &a {type: string}\n" + yaml.safe_dump(FUZZ_SEED)
    suffixes = st.sampled_from([".json", ".yaml", ".yml"])
    encoded = st.builds(lambda t: t.encode("utf-8", "surrogatepass"), mutated(json_text))
    return st.one_of(
        st.tuples(st.binary(max_size=2048), suffixes),
        st.tuples(encoded, suffixes),
        st.tuples(
            st.builds(lambda t: t.encode("utf-8", "surrogatepass"), mutated(yaml_text)),
            st.sampled_from([".yaml", ".yml"]),
        ),
    )


def _python_yaml_loader() -> Any:
    """PyYAML's pure-Python parser, as on an install without libyaml."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = localfiles.yaml_loader().yaml_implicit_resolvers
    return Loader


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(case=_fuzz_texts(), bom=st.booleans(), python_yaml=st.booleans())
def test_fuzz_any_file_is_a_snapshot_or_a_problem(
    case: tuple[bytes, str], bom: bool, python_yaml: bool
) -> None:
    data, suffix = case
    name = f"fuzz{suffix}"
    loader = _python_yaml_loader() if python_yaml else localfiles.yaml_loader()
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch.object(localfiles, "yaml_loader", return_value=loader),
    ):
        root = Path(tmp)
        (root / name).write_bytes(b"\xef\xbb\xbf" * bom + data)
        local = load_snapshots(root, root)
        [item] = local.snapshots + local.problems
        event(f"{suffix} " + ("snapshot" if isinstance(item, Snapshot) else "problem"))
        if isinstance(item, Snapshot):
            # What the report and the sinks do with a snapshot must work on this one.
            assert isinstance(item.content, dict)
            assert item.sha256 == compute_sha256(item.content)
            json.dumps(item.content, ensure_ascii=False).encode("utf-8")
            item.identity.encode("utf-8")
            for key in item.content:
                assert item.lines.line("/" + key.replace("~", "~0").replace("/", "~1"))
        else:
            assert item.file == name
            assert item.message
