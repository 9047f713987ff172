"""The benchmark scripts still run: tiny sizes, and only their counts asserted, never times."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

REDIS_SERVER = "/usr/bin/redis-server"


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


def test_bench_watch_runs_and_every_event_ends_in_one_drift_event() -> None:
    if not os.access(REDIS_SERVER, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {REDIS_SERVER} is not installed")
        pytest.skip(f"{REDIS_SERVER} is not installed (apt-get install redis-server)")
    out = run_script(
        "bench/bench_watch.py", "--events", "4", "--latency-ms", "0", "--idle-seconds", "0.2"
    )
    assert re.findall(r"^(paced|burst) n=(\d+) ", out, re.MULTILINE) == [
        ("paced", "4"),
        ("burst", "4"),
    ]
    assert "watcher handled=8 drifts" in out
    assert re.search(r"^idle cpu=[\d.]+% of one core", out, re.MULTILINE)


def test_bench_compare_runs_and_counts_the_changed_schemas() -> None:
    out = run_script(
        "bench/bench_compare.py", "--n", "30", "--changed", "5", "--repeat", "1", "--skip-check",
        "--python", sys.executable,
    )  # fmt: skip
    assert "WARNING" not in out
    assert re.search(r"^compare n=30 changed=5 read=\S+ compare=\S+ drift=5$", out, re.MULTILINE)
    assert "30 snapshots" in out


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
