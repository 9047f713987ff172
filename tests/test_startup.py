"""The action's cold start imports only what its run needs.

How fast it starts is measured in bench/bench_startup.py, never here; these tests
only keep the laziness from regressing silently: entrypoint.py runs in a real
process with `-X importtime`, whose report lists every module the run imported.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from drift.sinks.markdown import html_text, md_text
from tests.conftest import ROOT
from tests.helpers import make_local, make_registry, model, write_json

Serve = Callable[..., RegistryHTTPServer]
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| +(\S+)$", re.MULTILINE)
HTTP_CLIENT = ("h11", "drift.registry.wire")  # an HTTP(S) registry's client
HTTP_LIBRARIES = ("httpx", "httpcore", "anyio")  # for the sinks that post: never for a check
ASKED_FOR_ONLY = (
    "yaml",  # YAML snapshots or a .schema-drift.yml
    "prometheus_client",  # pushgateway-url
    "redis",  # pulse-url
)
# a check runs without an event loop (drift.tasks); a registry directory needs no sockets
EVENT_LOOP = ("asyncio", "concurrent")
NETWORK = ("ssl", "socket", "selectors")
NOT_FOR_THE_ACTION = (
    "argparse",  # the CLI's parser: entrypoint.py uses drift.failure.run_process
    "tempfile",  # drift.files names its temporary file itself
    "html",  # drift.sinks.markdown escapes with html.escape's table
    "github_action_utils",  # drift.sinks.workflow writes the workflow commands
    "uuid",  # what github-action-utils spent most of its import on
    "datetime",  # the report's timestamp is time.strftime's
)
# parts of the diff engine a diff imports only when its schemas have what they judge
DIFF_PARTS = {
    "drift.diff.combinators": "oneOf",  # allOf, anyOf, oneOf, not
    "drift.diff.products": "oneOf",  # a union split into pieces
    "drift.diff.patterns": "pattern",  # a regex compared or matched
    "fractions": "maximum",  # a numeric bound or multipleOf compared
}


def run_entrypoint(
    tmp_path: Path, registry_url: str, schema_dir: Path = ROOT / "examples" / "schemas"
) -> tuple[int, set[str], str]:
    """entrypoint.py with a step's env: exit code, modules and top-level packages imported
    (one set), outputs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    output, summary = tmp_path / "output.txt", tmp_path / "summary.md"
    output.touch()
    summary.touch()
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
        INPUT_REGISTRY_URL=registry_url,
        INPUT_SCHEMA_DIR=str(schema_dir),
        INPUT_REPORT_PATH=str(tmp_path / "drift_report.json"),
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "entrypoint.py")],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    modules = set(IMPORTED.findall(result.stderr))
    assert "drift.action" in modules, result.stderr[-2000:]  # -X importtime's list was read
    packages = {name.split(".")[0] for name in modules}
    return result.returncode, modules | packages, output.read_text()


def test_a_registry_directory_run_imports_no_http_client_and_nothing_unasked(
    tmp_path: Path,
) -> None:
    code, packages, outputs = run_entrypoint(tmp_path, str(ROOT / "examples" / "registry"))
    assert code == 1  # the example drifts: the run went all the way
    assert "status<<" in outputs
    unneeded = (*HTTP_CLIENT, *HTTP_LIBRARIES, *ASKED_FOR_ONLY, *NOT_FOR_THE_ACTION)
    assert sorted(packages & {*unneeded, *EVENT_LOOP, *NETWORK}) == []
    assert "drift.diff" in packages  # the example drifts, so its changes were diffed


def test_a_run_where_nothing_drifted_imports_no_diff_engine(tmp_path: Path) -> None:
    registry = ROOT / "examples" / "registry"
    synced = tmp_path / "synced"
    for path in (registry / "schemas" / "v1").glob("*.schema.json"):
        content = json.loads(path.read_text(encoding="utf-8"))["content"]
        write_json(synced / f"{content['$schema_id']}.json", content)
    code, modules, outputs = run_entrypoint(tmp_path, str(registry), synced)
    assert code == 0
    assert "synced=" in outputs or "synced<<" in outputs
    assert sorted(name for name in modules if name.startswith("drift.diff")) == []
    assert sorted(modules & {*EVENT_LOOP, *NETWORK}) == []


def _diff_one(tmp_path: Path, old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """The modules a check imports when md.Trade's one property `p` went from old to new."""
    registry = make_registry(
        tmp_path / "registry", [Published("md.Trade", model("md.Trade", p=old))]
    )
    local = make_local(tmp_path / "schemas", {"md.Trade": model("md.Trade", p=new)})
    code, modules, _ = run_entrypoint(tmp_path, str(registry), local)
    assert code == 1  # it drifted
    assert "drift.diff.engine" in modules
    return modules


def test_a_diff_imports_only_the_parts_of_the_engine_its_schemas_need(tmp_path: Path) -> None:
    modules = _diff_one(tmp_path, {"type": "string"}, {"type": "integer"})
    assert sorted(modules & DIFF_PARTS.keys()) == []


def test_a_diff_imports_each_part_of_the_engine_when_its_schemas_need_it(
    tmp_path: Path,
) -> None:
    def union(pattern: str, maximum: int) -> dict[str, Any]:
        return {"oneOf": [{"type": "string", "pattern": pattern}, {"maximum": maximum}]}

    modules = _diff_one(tmp_path, union("^[a-z]+$", 10), union("^[a-z]{2,}$", 5))
    assert sorted(modules & DIFF_PARTS.keys()) == sorted(DIFF_PARTS)


def test_an_http_registry_run_imports_its_client_and_still_nothing_unasked(
    tmp_path: Path, serve_registry: Serve
) -> None:
    server = serve_registry(ROOT / "examples" / "registry")
    code, packages, _ = run_entrypoint(tmp_path, server.url)
    assert code == 1
    # the detection sees a lazy import when one happens
    assert {*HTTP_CLIENT, "socket", "threading"} <= packages
    unneeded = {*HTTP_LIBRARIES, *ASKED_FOR_ONLY, *NOT_FOR_THE_ACTION, *EVENT_LOOP}
    assert sorted(packages & unneeded) == []
    assert "ssl" not in packages  # a plain http:// registry loads no TLS


@given(st.text())
def test_markdown_escapes_as_html_escape_does(text: str) -> None:
    one_line = text.replace("\r", " ").replace("\n", " ")
    assert html_text(text) == html.escape(one_line, quote=True)
    escaped = html.escape(one_line, quote=False)
    assert md_text(text) == "".join("\\" + c if c in "\\`*_[]|~" else c for c in escaped)
