"""The benchmark scripts still run: tiny sizes, and only their counts asserted, never times."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def run_script(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_bench_check_runs_and_the_fast_path_costs_two_requests() -> None:
    out = run_script(
        "bench/bench_check.py", "--n", "40", "--latency-ms", "0", "--repeat", "1",
        "--skip-baseline", "--python", sys.executable,
    )  # fmt: skip
    assert "WARNING" not in out
    summaries = dict(re.findall(r"^(all-\w+) n=40 .*?requests=(\d+)", out, re.MULTILINE))
    assert summaries == {"all-synced": "2", "all-drifted": "41"}
    assert f"CLI run by {sys.executable}" in out


def test_bench_diff_runs_and_rates_every_pair() -> None:
    out = run_script("bench/bench_diff.py", "--n", "20", "--repeat", "1", "--skip-adversarial")
    pattern = r"^diff n=20 (\S+) .* none=(\d+) cosmetic=(\d+) compatible=(\d+) breaking=(\d+)"
    rated = {m[0]: sum(map(int, m[1:])) for m in re.findall(pattern, out, re.MULTILINE)}
    assert rated == {"full/lenient": 20, "backward/strict": 20}


def test_bench_startup_runs_every_cell_with_the_exit_code_its_schemas_call_for() -> None:
    out = run_script(
        "bench/bench_startup.py", "--python", sys.executable, "--runs", "1",
        "--importtime-runs", "1", "--layout", "installed,source",
    )  # fmt: skip
    assert "WARNING" not in out  # an unexpected exit code, or an import the run does not need
    cells = dict(re.findall(r"^startup (\S+) runs=1 .* exit=(\S+)", out, re.MULTILINE))
    expected = {"example": "1", "synced": "0", "drifted": "1"}
    assert cells == {
        f"{layout}/{registry}/{schemas}": code
        for layout in ("installed", "source")
        for registry in ("dir", "http")
        for schemas, code in expected.items()
    }
