"""Benchmark `schema-drift compare` on git revisions, beside `check`'s figures.

    python bench/bench_compare.py [--n 1000] [--changed 100] [--repeat 5]
                                  [--latency-ms 20] [--skip-check] [--python PATH]

A git repository with N pydantic-style schemas (bench_check's generator) in
`schemas/`, committed twice: `base`, and `head` where --changed of them gained a
required property. Measured:
  read       one side: the N-schema dir at a git revision (GitSource.load, in-process),
             beside reading the same files from disk (the schema dir source)
  compare    the CLI: `schema-drift compare git:base:schemas git:head:schemas`
  check      bench_check's all-synced and all-drifted scenarios (N schemas, a registry
             on loopback with --latency-ms), for comparison (--skip-check to skip)
A benchmark, not a gate: it always exits 0 and marks missed targets with MISS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_check

from drift.snapshots import load_snapshots
from drift.sources.git import GitSource
from drift.sources.spec import git_side

READ_MAX_SECONDS = 0.3
COMPARE_MAX_SECONDS = 1.0
REFERENCE_N, REFERENCE_CHANGED = 1000, 100


def git(cwd: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(cwd),
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def write_schemas(folder: Path, schemas: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for schema in schemas:
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        (folder / f"{schema['$schema_id']}.json").write_text(text, encoding="utf-8")


def make_repository(root: Path, n: int, changed: int, seed: int) -> None:
    rng = random.Random(seed)
    schemas = [bench_check.make_schema(rng, i) for i in range(1, n + 1)]
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_schemas(root / "schemas", schemas)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "tag", "base")
    for index in rng.sample(range(n), changed):
        schemas[index] = bench_check.drifted(schemas[index])
    write_schemas(root / "schemas", schemas)
    git(root, "commit", "-qam", "head")
    git(root, "tag", "head")
    git(root, "gc", "-q")  # packed, as a fresh clone is


def time_read(root: Path, repeat: int) -> tuple[list[float], int]:
    side = git_side("base", "schemas")
    times, count = [], 0
    for _ in range(repeat + 1):  # the first run warms the page cache and the imports
        started = time.perf_counter()
        local = asyncio.run(GitSource(side, root).load())
        times.append(time.perf_counter() - started)
        count = len(local.snapshots)
    return times[1:], count


def time_disk(root: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        load_snapshots(root / "schemas", root)
        times.append(time.perf_counter() - started)
    return times[1:]


def time_compare(
    root: Path, python: str, repeat: int
) -> tuple[list[float], list[float], dict[str, Any]]:
    """Wall times and CPU times (user + sys of the CLI and its git children, by os.wait4:
    on a busy machine the CPU time says what the wall time cannot)."""
    command = [
        python, "-m", "drift", "compare", "git:base:schemas", "git:head:schemas",
        "--output", "compare.json", "--fail-on", "never", "--quiet",
    ]  # fmt: skip
    times, cpu, report = [], [], {}
    for _ in range(repeat + 1):
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - started)
        cpu.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"compare exited {os.waitstatus_to_exitcode(status)}")
        report = json.loads((root / "compare.json").read_text())
    return times[1:], cpu[1:], report


def check_figures(args: argparse.Namespace, workdir: Path) -> list[bench_check.Measured]:
    check_args = bench_check.parse_args(
        ["--n", str(args.n), "--latency-ms", str(args.latency_ms), "--repeat", str(args.repeat),
         "--skip-baseline", "--python", args.python]
    )  # fmt: skip
    rng = random.Random(args.seed)
    local = [bench_check.make_schema(rng, i) for i in range(1, args.n + 1)]
    results = []
    for scenario in bench_check.SCENARIOS:
        fixture = bench_check.write_fixture(workdir / "check", scenario, local)
        print(f"measuring check {scenario} ...", file=sys.stderr, flush=True)
        results.append(bench_check.measure(fixture, check_args, workdir))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=REFERENCE_N, help="schemas per revision")
    parser.add_argument("--changed", type=int, default=REFERENCE_CHANGED, help="changed in head")
    parser.add_argument("--repeat", type=int, default=5, help="runs measured (after a warm-up)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="check's registry latency")
    parser.add_argument("--skip-check", action="store_true", help="leave check's figures out")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--python", default=sys.executable, help="interpreter for the CLI")
    args = parser.parse_args(argv)
    if args.n < 1 or not 0 <= args.changed <= args.n or args.repeat < 1:
        parser.error("--n and --repeat must be >= 1, and 0 <= --changed <= --n")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench_check.compile_bytecode()
    reference = args.n == REFERENCE_N and args.changed == REFERENCE_CHANGED
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        workdir = Path(tmp)
        root = workdir / "repo"
        print(f"building a repository of {args.n} schemas ...", file=sys.stderr, flush=True)
        make_repository(root, args.n, args.changed, args.seed)
        read, count = time_read(root, args.repeat)
        disk = time_disk(root, args.repeat)
        compared, cpu, report = time_compare(root, args.python, args.repeat)
        checks = [] if args.skip_check else check_figures(args, workdir)

    counts = report["counts"]
    read_median, compare_median = statistics.median(read), statistics.median(compared)
    print(f"\nschema-drift compare: n={args.n} changed={args.changed} repeat={args.repeat}")
    print(f"CLI run by {args.python}\n")
    print(f"{'what':<34} {'median':>8} {'best':>8}  notes")
    print(f"{'read git:base:schemas (in-proc)':<34} {read_median:>7.3f}s {min(read):>7.3f}s  "
          f"{count} snapshots")  # fmt: skip
    print(f"{'read the same dir from disk':<34} {statistics.median(disk):>7.3f}s "
          f"{min(disk):>7.3f}s")  # fmt: skip
    print(f"{'compare git:base git:head (CLI)':<34} {compare_median:>7.3f}s "
          f"{min(compared):>7.3f}s  counts {counts}")  # fmt: skip
    print(f"{'  its CPU time (with git)':<34} {statistics.median(cpu):>7.3f}s "
          f"{min(cpu):>7.3f}s")  # fmt: skip
    for result in checks:
        print(f"{'check ' + result.fixture.scenario + ' (CLI)':<34} "
              f"{result.check_median:>7.3f}s {result.check_best:>7.3f}s  "
              f"{result.requests} requests at {args.latency_ms:g} ms")  # fmt: skip
    print()
    expected = {"synced": args.n - args.changed, "drift": args.changed}
    if any(counts.get(key) != value for key, value in expected.items()):
        print(f"WARNING: expected {expected}, the report counts {counts}")
    print(f"targets (n={REFERENCE_N}, {REFERENCE_CHANGED} changed): read <= {READ_MAX_SECONDS}s, "
          f"compare <= {COMPARE_MAX_SECONDS}s")  # fmt: skip
    misses = []
    if reference and read_median > READ_MAX_SECONDS:
        misses.append(f"read {read_median:.2f}s > {READ_MAX_SECONDS}s")
    if reference and compare_median > COMPARE_MAX_SECONDS:
        misses.append(f"compare {compare_median:.2f}s > {COMPARE_MAX_SECONDS}s")
    line = (
        f"compare n={args.n} changed={args.changed} read={read_median:.3f}s "
        f"compare={compare_median:.3f}s drift={counts.get('drift')}"
    )
    print(line + (f"  MISS ({'; '.join(misses)})" if misses else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
