"""`schema-drift check` against a hostile registry on loopback that writes raw bytes.

Each answer breaks one limit (decoded size, JSON depth, integer size, NaN, a wrong
schema, a Retry-After that would stall the run); each must end in exit 2 with the
schema in `error`, a message naming the URL and the limit, and no traceback.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from drift.cli import main
from drift.documents import MAX_DOCUMENT_BYTES
from tests.conftest import ROOT
from tests.helpers import model, write_json
from tests.hostile import gzip_bomb, hostile_registry, index_of, raw_response, url_of

SCHEMA_PATH = "/schemas/v1/md.Bar.schema"


def document(content_text: str, **overrides: Any) -> bytes:
    """A /schemas answer for md.Bar.schema whose `content` is `content_text`, verbatim."""
    fields = {
        "name": "md.Bar.schema",
        "track": "v1",
        "core_version": "1.0.0",
        "sha256": "0" * 64,
        "$schema_id": "md.Bar",
        "content": "@CONTENT@",
        "deprecated": False,
        "deprecation_note": None,
        **overrides,
    }
    text = json.dumps(fields).replace('"@CONTENT@"', content_text)
    return raw_response(text.encode(), "Content-Type: application/json")


def check(
    tmp_path: Path, answer: bytes, monkeypatch: pytest.MonkeyPatch, *flags: str
) -> tuple[int, str, Any]:
    """Run the check with md.Bar's registry answer replaced by `answer`: (exit, URL, report)."""
    write_json(tmp_path / "local" / "md.Bar.json", model("md.Bar"))
    routes = {"/index": index_of("v1", "md.Bar.schema"), SCHEMA_PATH: answer}
    monkeypatch.chdir(tmp_path)
    with hostile_registry(routes) as server:
        url = url_of(server)
        code = main(
            ["check", "--registry-url", url, "--schema-dir", "local", "--output", "r.json", *flags]
        )
        assert all(b"\r\nAccept-Encoding: gzip, deflate\r\n" in head for head in server.heads)
    return code, url, json.loads((tmp_path / "r.json").read_text())


HOSTILE_ANSWERS = {
    "gzip bomb": (
        raw_response(gzip_bomb(64 << 20), "Content-Encoding: gzip"),
        f"larger than {MAX_DOCUMENT_BYTES} bytes once decoded (limit MAX_DOCUMENT_BYTES",
    ),
    "oversized body": (
        raw_response(b" " * (MAX_DOCUMENT_BYTES + 1)),
        f"larger than {MAX_DOCUMENT_BYTES} bytes as sent (limit MAX_BODY_BYTES)",
    ),
    "stacked codings": (
        raw_response(b"", "Content-Encoding: gzip, gzip"),
        "Content-Encoding 'gzip, gzip' is not accepted",
    ),
    "brotli": (raw_response(b"", "Content-Encoding: br"), "Content-Encoding 'br' is not accepted"),
    "corrupt gzip": (
        raw_response(b"\x1f\x8b not gzip at all", "Content-Encoding: gzip"),
        "DecodingError",
    ),
    "truncated gzip": (
        raw_response(
            gzip.compress(b'{"name": "md.Bar.schema"}' * 50)[:-12], "Content-Encoding: gzip"
        ),
        "DecodingError: gzip body ends early",
    ),
    "deflate bomb": (
        raw_response(zlib.compress(bytes(64 << 20), 9), "Content-Encoding: deflate"),
        f"larger than {MAX_DOCUMENT_BYTES} bytes once decoded (limit MAX_DOCUMENT_BYTES",
    ),
    "corrupt deflate": (
        raw_response(b"\x78\x9c not deflate", "Content-Encoding: deflate"),
        "DecodingError: deflate body",
    ),
    "deep JSON": (
        document('{"a": ' * 300 + "{}" + "}" * 300),
        "nested deeper than 200 levels (limit MAX_NESTING)",
    ),
    "very deep JSON": (document("[" * 200_000 + "]" * 200_000), "(limit MAX_NESTING)"),
    "huge integer": (
        document('{"maximum": ' + "9" * 150 + "}"),
        "integer with 150 digits (limit MAX_INT_DIGITS",
    ),
    "NaN": (document('{"maximum": NaN}'), "NaN is not JSON"),
    "Infinity": (document('{"maximum": -Infinity}'), "-Infinity is not JSON"),
    "huge float": (document('{"maximum": 1e999}'), "1e999 is out of range"),
    "another schema's answer": (
        document("{}", name="md.Other.schema"),
        "answered with schema 'v1'/'md.Other.schema', not the 'v1'/'md.Bar.schema' asked for",
    ),
    "another track's answer": (
        document("{}", track="v2"),
        "answered with schema 'v2'/'md.Bar.schema', not the 'v1'/'md.Bar.schema' asked for",
    ),
    "Retry-After beyond the budget": (
        raw_response(b"", "Retry-After: 99999999999999999999", status="503 Busy"),
        "HTTP 503 (gave up after 1 attempt: the retry budget ran out",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_ANSWERS))
def test_each_hostile_answer_is_an_error_naming_the_url(
    case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer, problem = HOSTILE_ANSWERS[case]
    code, url, report = check(tmp_path, answer, monkeypatch)
    assert code == 2
    [item] = report["schemas"]
    assert item["status"] == "error"
    assert item["error"].startswith(f"registry {url}: GET {SCHEMA_PATH}: "), item["error"]
    assert problem in item["error"]
    stderr = capsys.readouterr().err
    assert problem in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw deflate", "identity"])
def test_gzip_and_deflate_answers_are_decoded(
    coding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = model("md.Bar", "1.1.0")
    text = json.dumps(
        {"name": "md.Bar.schema", "track": "v1", "core_version": "1.1.0", "content": content}
    ).encode()
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # deflate without zlib's wrapper, as some send
    wire = {
        "gzip": gzip.compress(text),
        "deflate": zlib.compress(text),
        "raw deflate": raw.compress(text) + raw.flush(),
        "identity": text,
    }[coding]
    header = coding.rsplit(maxsplit=1)[-1]
    code, _, report = check(
        tmp_path, raw_response(wire, f"Content-Encoding: {header}"), monkeypatch
    )
    assert code == 1
    [item] = report["schemas"]
    assert item["status"] == "drift"
    assert item["registry_version"] == "1.1.0"


@cache
def big_bomb() -> bytes:
    return raw_response(gzip_bomb(300 << 20), "Content-Encoding: gzip")


# The check in a fresh process that reports its own peak: VmHWM is the high-water mark
# of the process image since exec. (getrusage's ru_maxrss would not do: Linux carries
# over the RSS of the forked pytest process, which is larger than the check's.)
MEASURED_CHECK = """
import sys
from drift.cli import main
code = main(["check", "--registry-url", sys.argv[1], "--schema-dir", "local", "--output", "r.json"])
status = open("/proc/self/status").read()
print(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
sys.stdout.flush()
raise SystemExit(code)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_300_mb_gzip_bomb_fails_in_a_small_process(tmp_path: Path) -> None:
    """A real process: its peak RSS stays far below the bomb's decoded size."""
    answer = big_bomb()
    assert len(answer) < 400_000  # ~300 KB on the wire
    write_json(tmp_path / "local" / "md.Bar.json", model("md.Bar"))
    routes = {"/index": index_of("v1", "md.Bar.schema"), SCHEMA_PATH: answer}
    with hostile_registry(routes) as server:
        result = subprocess.run(
            [sys.executable, "-c", MEASURED_CHECK, url_of(server)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    assert f"{url_of(server)}: GET {SCHEMA_PATH}" in result.stderr
    assert "limit MAX_DOCUMENT_BYTES" in result.stderr
    assert "Traceback" not in result.stderr
    peak_mb = int(result.stdout.split()[-1]) / 1024  # VmHWM is in kB
    assert peak_mb < 150, f"peak RSS {peak_mb:.0f} MB"


def test_an_oversized_body_is_not_fetched_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body past the transport's limit would come back just as large: no retry."""
    write_json(tmp_path / "local" / "md.Bar.json", model("md.Bar"))
    routes = {
        "/index": index_of("v1", "md.Bar.schema"),
        SCHEMA_PATH: raw_response(b" " * (MAX_DOCUMENT_BYTES + 1)),
    }
    monkeypatch.chdir(tmp_path)
    with hostile_registry(routes) as server:
        argv = ["check", "--registry-url", url_of(server), "--schema-dir", "local", "--quiet"]
        assert main(argv) == 2
        assert server.paths.count(SCHEMA_PATH) == 1
    report = json.loads((tmp_path / "drift_report.json").read_text())
    assert "gave up" not in report["schemas"][0]["error"]
