"""drift.localfiles: the bounded reader and the YAML parser under snapshots, diff and config."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from drift import localfiles
from drift.documents import MAX_NESTING, DocumentError, loads_json
from drift.localfiles import (
    NotRegularFile,
    UnusableFile,
    located,
    parse_yaml,
    read_bytes,
    read_text,
    yaml_loader,
)


@pytest.fixture(params=["libyaml", "python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Both YAML back ends: libyaml when PyYAML has it, else PyYAML's pure-Python parser."""
    if request.param == "python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML has no libyaml")
    yaml_loader.cache_clear()
    yield request.param
    monkeypatch.undo()
    yaml_loader.cache_clear()


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    (tmp_path / "x.json").write_bytes(data)
    assert read_bytes(tmp_path / "x.json") == data
    (tmp_path / "empty.json").write_bytes(b"")
    assert read_bytes(tmp_path / "empty.json") == b""


def test_a_file_larger_than_its_stat_size_is_cut_at_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """/proc files report size 0: the reader stops after limit + 1 bytes all the same."""
    monkeypatch.setattr(localfiles, "MAX_DOCUMENT_BYTES", 10)
    status = Path("/proc/self/status")
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("needs Linux /proc")
    with pytest.raises(UnusableFile, match=r"\(11 bytes;"):
        read_bytes(status)


def test_a_character_device_is_refused_without_reading() -> None:
    with pytest.raises(NotRegularFile, match="is a character device, not a regular file"):
        read_bytes(Path("/dev/zero"))


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile, match="is a directory"):
        read_bytes(tmp_path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnusableFile, match="cannot read: No such file") as caught:
        read_bytes(tmp_path / "nowhere.json")
    assert not isinstance(caught.value, NotRegularFile)


def test_utf8_with_and_without_a_bom(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes('\ufeff{"é": 1}'.encode())
    assert read_text(tmp_path / "a.json") == '{"é": 1}'
    (tmp_path / "b.json").write_bytes(b'{"\xc3": 1}')
    with pytest.raises(UnusableFile, match=r"not UTF-8 \(byte 0xc3 at offset 2\)"):
        read_text(tmp_path / "b.json")


def test_located() -> None:
    assert located("a.json", "3:8: invalid JSON: x") == "a.json:3:8: invalid JSON: x"
    assert located("a.json", "is a FIFO") == "a.json: is a FIFO"
    assert located("a.json", "key 1: oops") == "a.json: key 1: oops"


def test_yaml_dates_stay_strings_and_values_are_json(loader: str) -> None:
    assert parse_yaml("created: 2024-01-01\nn: 1.5\nok: true\nlist: [a, ~]\n") == {
        "created": "2024-01-01",
        "n": 1.5,
        "ok": True,
        "list": ["a", None],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: " + "[" * 600 + "]" * 600, "nest"),
        ("x: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), "limit MAX_NESTING"),
        ("".join(" " * i + "k:\n" for i in range(600)) + " " * 600 + "v\n", "nest"),
        ("a: &x\n  b: *x\n", "recursive YAML alias"),
        ("{[1]: 2}", "invalid YAML"),
        ("? {a: 1}\n: 2\n", "invalid YAML"),
        ("on: 1\n", "key True is not a string"),
        ("x: -.inf\n", "NaN and Infinity are not allowed"),
        ("x: !!int 0x\n", "does not fit its type"),
        ("x: " + "9" * 5000 + "\n", "does not fit its type"),
        ("x: !!float 1e999\n", "NaN and Infinity"),
        ("x: !!timestamp nope\n", "does not fit its explicit tag"),
        ("x: !!binary aGk=\n", "a YAML bytes value has no JSON equivalent"),
        ("x: !!set {a}\n", "a YAML set value"),
        ("x: !!python/object:os.system {}\n", "invalid YAML"),
        ("a: 1\n---\nb: 2\n", "invalid YAML"),
    ],
)
def test_yaml_that_is_refused(loader: str, text: str, message: str) -> None:
    with pytest.raises(UnusableFile) as caught:
        parse_yaml(text)
    assert message in str(caught.value)


def test_a_lone_surrogate_escape_in_yaml_is_refused(loader: str) -> None:
    # libyaml refuses the escape itself; PyYAML's own parser builds the string.
    with pytest.raises(UnusableFile, match=r"surrogate|invalid Unicode"):
        parse_yaml('x: "\\ud800"\n')


def test_yaml_larger_than_its_limit_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(yaml, "load", no_parse)
    text = "x: " + "é" * (localfiles.MAX_YAML_BYTES // 2)  # fewer characters than bytes
    assert len(text) < localfiles.MAX_YAML_BYTES
    with pytest.raises(UnusableFile, match="limit MAX_YAML_BYTES"):
        parse_yaml(text)


@pytest.mark.parametrize(
    "data",
    [
        '{"a": "\\ud800"}',
        '{"\\uDC00": 1}',
        b'{"a": "\xed\xa0\x80"}',  # the UTF-8 form json's surrogatepass lets through
        '{"a": "\\ud800"}'.encode("utf-16-le"),
    ],
)
def test_lone_surrogates_are_refused_in_json(data: str | bytes) -> None:
    with pytest.raises(DocumentError, match="lone UTF-16 surrogate"):
        loads_json(data)


def test_paired_surrogate_escapes_are_text() -> None:
    assert loads_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
    assert loads_json(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1.5, "b": -0.0, "c": 12345678901234567890, "d": "caf\\u00e9", "e": [true, null]}',
        '{"x": 1e308, "y": 5e-324, "z": "\\ud83d\\ude00", "w": {"": []}}',
        "[" * MAX_NESTING + "]" * MAX_NESTING,
    ],
)
def test_loads_json_parses_as_json_loads(text: str) -> None:
    """The snapshot hash depends on the parsed values: they must be json.loads' own."""
    assert json.dumps(loads_json(text), sort_keys=True) == json.dumps(
        json.loads(text), sort_keys=True
    )


def test_a_fifo_opens_without_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(NotRegularFile, match="is a FIFO"):
        read_bytes(tmp_path / "pipe.json")
