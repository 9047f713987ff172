"""Local files made to break the reader: each one is an error naming the file, never a hang,
a traceback or a blown memory budget. Every case runs the real CLI in a subprocess with a
timeout, so a hang fails the test instead of blocking the suite."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from drift.documents import MAX_DOCUMENT_BYTES, MAX_NESTING
from drift.localfiles import MAX_YAML_BYTES
from drift.registry.build import Published
from tests.conftest import validate_report
from tests.helpers import make_local, make_registry, model, write_json

TIMEOUT = 120  # seconds: far above a normal run; only a hang or a runaway parse gets there


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drift", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )


def alias_bomb() -> str:
    """Nine levels of nine references: about 3.9e8 strings once expanded, in 400 bytes."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def write(name: str, data: str | bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")

    return make


def fifo(folder: Path) -> None:
    os.mkfifo(folder / "fifo.json")


def unix_socket(folder: Path) -> None:
    # bind() takes at most ~107 bytes of path: bind the short relative name from inside.
    here = Path.cwd()
    os.chdir(folder)
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind("sock.json")
    finally:
        os.chdir(here)


def self_link(folder: Path) -> None:
    (folder / "loop.json").symlink_to("loop.json")


def link_loop(folder: Path) -> None:
    (folder / "ping.json").symlink_to("pong.json")
    (folder / "pong.json").symlink_to("ping.json")


def dangling(folder: Path) -> None:
    (folder / "dangling.json").symlink_to("nowhere.json")


def ten_megabytes(folder: Path) -> None:
    with (folder / "big.json").open("wb") as handle:
        handle.write(b'{"description": "')
        handle.truncate(10 * 1024 * 1024)  # a sparse file: the size is what matters


# (file, how to make it in the schema dir, what the error says)
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("fifo.json", fifo, "is a FIFO (named pipe), not a regular file"),
    ("sock.json", unix_socket, "is a socket, not a regular file"),
    ("loop.json", self_link, "symlink loop"),
    ("ping.json", link_loop, "symlink loop"),
    ("dangling.json", dangling, "dangling symlink (→ nowhere.json)"),
    ("big.json", ten_megabytes, f"larger than {MAX_DOCUMENT_BYTES} bytes"),
    ("deep.json", write("deep.json", nested(100_000)), "limit MAX_NESTING"),
    ("deep300.json", write("deep300.json", nested(300)), "limit MAX_NESTING"),
    # libyaml stops at 1000 levels ("maximum nesting depth"); PyYAML's Python parser at
    # its recursion limit (MAX_NESTING): either way the message says nesting.
    ("deep.yaml", write("deep.yaml", "x: " + nested(100_000)), "nest"),
    ("deep300.yaml", write("deep300.yaml", "x: " + nested(300)), "limit MAX_NESTING"),
    ("big.yaml", write("big.yaml", "x: [" + "1, " * (MAX_YAML_BYTES // 3) + "1]"), "MAX_YAML"),
    ("bomb.yaml", write("bomb.yaml", alias_bomb()), "limit MAX_NODES"),
    ("recursive.yaml", write("recursive.yaml", "a: &x\n  b: *x\n"), "recursive YAML alias"),
    ("intkeys.yaml", write("intkeys.yaml", "properties: {1: a, b: c}\n"), "key 1 is not a string"),
    ("nan.yaml", write("nan.yaml", "minimum: .nan\n"), "NaN and Infinity are not allowed"),
    ("inf.json", write("inf.json", '{"maximum": 1e400}'), "1e400 is out of range"),
    ("bigint.json", write("bigint.json", '{"maximum": %s}' % ("9" * 200)), "MAX_INT_DIGITS"),
    ("bigint.yaml", write("bigint.yaml", "maximum: %s\n" % ("9" * 200)), "more than 100 digits"),
    ("tag.yaml", write("tag.yaml", "x: !!bool maybe\n"), "does not fit its explicit tag"),
    ("date.yaml", write("date.yaml", "x: !!timestamp 2024-01-01\n"), "no JSON equivalent"),
    ("latin1.json", write("latin1.json", b'{"title": "caf\xe9"}'), "not UTF-8 (byte 0xe9"),
    ("empty.json", write("empty.json", b""), "1:1: invalid JSON"),
    ("empty.yaml", write("empty.yaml", b""), "the document is a null;"),
    ("surrogate.json", write("surrogate.json", '{"title": "\\ud800"}'), "lone UTF-16 surrogate"),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A schema dir whose two snapshots are in sync with a registry directory: exit 0."""
    schemas = {"md.Bar": model("md.Bar"), "md.Quote": model("md.Quote")}
    make_registry(tmp_path / "registry", [Published(f"{k}.schema", v) for k, v in schemas.items()])
    make_local(tmp_path / "schemas", schemas)
    return tmp_path


def check(repo: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, str]]]:
    result = cli("check", "--registry-url", "registry", "--schema-dir", "schemas", cwd=repo)
    assert "Traceback" not in result.stderr, result.stderr
    report = validate_report(json.loads((repo / "drift_report.json").read_text(encoding="utf-8")))
    return result, {item["file"]: item for item in report["schemas"] if "file" in item}


def test_the_clean_repo_passes(repo: Path) -> None:
    result, items = check(repo)
    assert result.returncode == 0, result.stderr
    assert {item["status"] for item in items.values()} == {"synced"}


@pytest.mark.parametrize(("name", "make", "message"), CASES, ids=[case[0] for case in CASES])
def test_check_reports_the_file_and_exits_2(
    repo: Path, name: str, make: Callable[[Path], None], message: str
) -> None:
    make(repo / "schemas")
    result, items = check(repo)
    assert result.returncode == 2, result.stderr
    item = items[f"schemas/{name}"]
    assert item["status"] == "error"
    assert message in item["error"]
    assert f"schemas/{name}" in result.stderr
    assert message in result.stderr
    # The others are still checked.
    assert items["schemas/md.Bar.json"]["status"] == "synced"


@pytest.mark.parametrize(("name", "make", "message"), CASES, ids=[case[0] for case in CASES])
def test_diff_names_the_file_and_exits_2(
    repo: Path, name: str, make: Callable[[Path], None], message: str
) -> None:
    make(repo / "schemas")
    result = cli("diff", f"schemas/{name}", "schemas/md.Bar.json", cwd=repo)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"schema-drift: error: OLD: schemas/{name}"), line
    assert message in line


def test_diff_refuses_a_device_and_a_directory(repo: Path) -> None:
    (repo / "folder.json").mkdir()
    for path, kind in (("/dev/zero", "a character device"), ("folder.json", "a directory")):
        result = cli("diff", "schemas/md.Bar.json", path, cwd=repo)
        assert result.returncode == 2
        assert f"NEW: {path}: is {kind}, not a regular file" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_bom_is_read_and_hashed_without_it(repo: Path) -> None:
    content = model("md.Bar")
    text = json.dumps(content, indent=2)
    (repo / "schemas" / "md.Bar.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result, items = check(repo)
    assert result.returncode == 0, result.stderr
    assert items["schemas/md.Bar.json"]["status"] == "synced"


def test_a_directory_named_like_a_snapshot_is_walked_not_read(repo: Path) -> None:
    folder = repo / "schemas" / "x.json"
    write_json(folder / "md.Extra.json", model("md.Extra"))
    result, items = check(repo)
    assert result.returncode == 1  # md.Extra is missing in the registry: no error
    assert items["schemas/x.json/md.Extra.json"]["status"] == "missing_in_registry"
    assert "schemas/x.json" not in items


def test_metadata_that_is_a_fifo_is_an_error(repo: Path) -> None:
    os.mkfifo(repo / "schemas" / "_metadata.json")
    result, items = check(repo)
    assert result.returncode == 2
    assert "is a FIFO" in items["schemas/_metadata.json"]["error"]


def test_a_yaml_config_is_bounded_too(repo: Path) -> None:
    (repo / "bomb.yml").write_text(alias_bomb())
    (repo / "deep.yml").write_text("ignore: " + nested(300) + "\n")
    os.mkfifo(repo / "fifo.yml")
    cases = (("bomb.yml", "MAX_NODES"), ("deep.yml", "MAX_NESTING"), ("fifo.yml", "is a FIFO"))
    for name, message in cases:
        result = cli(
            "check", "--registry-url", "registry", "--schema-dir", "schemas", "--config", name,
            cwd=repo,
        )  # fmt: skip
        assert result.returncode == 2
        assert name in result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_pull_never_reads_or_replaces_a_fifo(repo: Path) -> None:
    make_registry(
        repo / "registry",
        [Published("md.Bar.schema", model("md.Bar")), Published("md.New.schema", model("md.New"))],
    )
    os.mkfifo(repo / "schemas" / "md.New.json")
    os.mkfifo(repo / "schemas" / "_metadata.json")
    result = cli("pull", "--registry-url", "registry", "--schema-dir", "schemas", cwd=repo)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "FAILED schemas/md.New.json: is a FIFO (named pipe)" in result.stderr
    assert "not overwritten" in result.stderr
    assert (repo / "schemas" / "md.New.json").is_fifo()
    assert (repo / "schemas" / "_metadata.json").is_fifo()


def test_nesting_just_inside_the_limit_is_checked(repo: Path) -> None:
    """MAX_NESTING levels pass, and a change at the bottom is found and placed."""
    leaf: object = {"type": "string", "enum": ["a"]}  # levels: itself and the list
    for _ in range((MAX_NESTING - 4) // 2):
        leaf = {"type": "object", "properties": {"p": leaf}}  # two levels each
    local = {**model("md.Deep"), "properties": {"p": leaf}}  # and two more
    assert depth(local) == MAX_NESTING
    remote = json.loads(json.dumps(local).replace('"string"', '"integer"'))
    make_registry(repo / "registry", [Published("md.Deep.schema", remote)])
    (repo / "schemas" / "md.Bar.json").unlink()
    (repo / "schemas" / "md.Quote.json").unlink()
    write_json(repo / "schemas" / "md.Deep.json", local)
    result, items = check(repo)
    assert result.returncode == 1, result.stderr
    assert items["schemas/md.Deep.json"]["status"] == "drift"


# -- a registry kept as a directory gets the same guards as the snapshots ------------------


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _deep(path: Path) -> None:
    path.write_text('{"name": "md.Bar", "content": ' + nested(MAX_NESTING + 50) + "}")


def _huge(path: Path) -> None:
    with path.open("wb") as out:
        out.truncate(MAX_DOCUMENT_BYTES + 1)


def _nan(path: Path) -> None:
    path.write_text('{"name": "md.Bar", "track": "v1", "content": {"maximum": NaN}}')


@pytest.mark.parametrize(
    ("target", "spoil", "said"),
    [
        ("schema", _fifo, "FIFO"),
        ("index", _fifo, "is not a regular file"),
        ("schema", _deep, "nested deeper than"),
        ("schema", _huge, "larger than"),
        ("schema", _nan, "NaN"),
    ],
    ids=["schema-fifo", "index-fifo", "schema-deep", "schema-huge", "schema-nan"],
)
def test_a_hostile_registry_directory_is_an_error_naming_the_file(
    tmp_path: Path, target: str, spoil: Callable[[Path], None], said: str
) -> None:
    bar = model("md.Bar")
    changed = dict(bar, title="changed")  # drifted: its registry document must be read
    make_local(tmp_path / "local", {"md.Bar": bar})
    registry = make_registry(tmp_path / "registry", [Published("md.Bar", changed)])
    path = registry / "index.json" if target == "index" else registry / "schemas/v1/md.Bar.json"
    spoil(path)
    result = cli("check", "--registry-url", "registry", "--schema-dir", "local", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert said in result.stderr
    assert path.name in result.stderr
    report = tmp_path / "drift_report.json"
    if target == "index":  # refused as a bad --registry-url, before any check: no report
        assert not report.exists()
    else:
        validate_report(json.loads(report.read_text()))
