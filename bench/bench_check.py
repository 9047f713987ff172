"""Benchmark `schema-drift check` against a local registry server with injected latency.

    python bench/bench_check.py [--n 1000] [--latency-ms 20] [--concurrency 16]
                                [--repeat 3] [--skip-baseline] [--python PATH]

Two scenarios, each with N pydantic-style schemas served by RegistryHTTPServer:
  all-synced   the local snapshots equal the registry (the fast path: index + one probe)
  all-drifted  every registry schema gained a property and a bumped $core_version

For each: the CLI run as a subprocess (wall time, registry requests, the child's own
peak RSS via os.wait4), the engine called in-process, and the old nightly script's
approach (one sequential GET per schema on a keep-alive httpx.Client) as the baseline.
The drift package is byte-compiled first, as an installed copy is. A benchmark,
not a gate: it always exits 0 and marks missed targets with MISS.
"""

from __future__ import annotations

import argparse
import compileall
import copy
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import drift
from drift.engine import check
from drift.hashing import compute_sha256
from drift.registry.build import Published, write_registry_dir
from drift.registry.server import RegistryHTTPServer
from drift.settings import load_settings

TRACK = "v1"
SCENARIOS = ("all-synced", "all-drifted")
REFERENCE_N = 1000
REFERENCE_LATENCY_MS = 20.0
SYNCED_MAX_SECONDS = 0.35
SYNCED_MAX_REQUESTS = 3
SYNCED_MIN_RATIO = 70.0
DRIFTED_MAX_SECONDS = 2.0
MAX_RSS_MB = 150.0

FIELD_NAMES = (
    "id", "user_id", "account_id", "session_id", "event_type", "name", "email", "status",
    "created_at", "updated_at", "amount", "currency", "quantity", "price", "symbol", "venue",
    "side", "score", "tags", "labels", "source", "country", "locale", "version", "enabled",
    "retries", "latency_ms", "payload", "metadata", "address", "notes", "priority",
)  # fmt: skip
ENUM_VALUES = ("low", "medium", "high", "critical", "unknown", "pending", "done")


# ---------------------------------------------------------------- schema generation


def _title(name: str) -> str:
    return name.replace("_", " ").title()


def _enum_def(rng: random.Random, name: str) -> dict[str, Any]:
    values = sorted(rng.sample(ENUM_VALUES, rng.randint(2, 5)))
    return {"enum": values, "title": name, "type": "string"}


def _nested_def(rng: random.Random, name: str) -> dict[str, Any]:
    fields = rng.sample(FIELD_NAMES, rng.randint(2, 4))
    properties = {f: {"title": _title(f), "type": "string"} for f in fields}
    return {"properties": properties, "required": fields[:1], "title": name, "type": "object"}


def _property(rng: random.Random, name: str, defs: dict[str, Any], model: str) -> dict[str, Any]:
    kind = rng.choice(("string", "integer", "number", "boolean", "optional", "array", "datetime"))
    if rng.random() < 0.12:
        def_name = f"{model}{_title(name).replace(' ', '')}"
        maker = _enum_def if rng.random() < 0.5 else _nested_def
        defs[def_name] = maker(rng, def_name)
        return {"$ref": f"#/$defs/{def_name}"}
    title = _title(name)
    if kind == "optional":
        return {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": title}
    if kind == "array":
        return {"items": {"type": "string"}, "title": title, "type": "array"}
    if kind == "datetime":
        return {"format": "date-time", "title": title, "type": "string"}
    prop: dict[str, Any] = {"title": title, "type": kind}
    if kind == "integer" and rng.random() < 0.4:
        prop["minimum"] = 0
    if rng.random() < 0.3:
        prop["description"] = f"The {name.replace('_', ' ')} of the {model}."
    return prop


def make_schema(rng: random.Random, index: int) -> dict[str, Any]:
    """A pydantic v2 `model_json_schema()`-like document plus the registry's `$` keys."""
    model = f"Model{index:04d}"
    names = rng.sample(FIELD_NAMES, rng.randint(5, 15))
    defs: dict[str, Any] = {}
    properties = {name: _property(rng, name, defs, model) for name in names}
    schema: dict[str, Any] = {
        "$core_version": f"1.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
        "$schema_id": f"bench.{model}",
        "$track": TRACK,
        "properties": properties,
        "required": [n for n in names if "anyOf" not in properties[n]][: rng.randint(1, 5)],
        "title": model,
        "type": "object",
    }
    if defs:
        schema["$defs"] = defs
    if rng.random() < 0.5:
        schema["description"] = f"Benchmark model number {index}."
    return schema


def bump_minor(version: str) -> str:
    major, minor, _patch = (int(part) for part in version.split("."))
    return f"{major}.{minor + 1}.0"


def drifted(schema: dict[str, Any]) -> dict[str, Any]:
    """The registry's newer version: one more (required) property and a bumped $core_version."""
    changed = copy.deepcopy(schema)
    changed["$core_version"] = bump_minor(schema["$core_version"])
    changed["properties"]["added_in_registry"] = {"title": "Added In Registry", "type": "string"}
    changed["required"] = [*schema["required"], "added_in_registry"]
    return changed


# ---------------------------------------------------------------- on-disk fixtures


@dataclass(frozen=True)
class Fixture:
    scenario: str
    registry_dir: Path
    schema_dir: Path


def write_fixture(root: Path, scenario: str, local: list[dict[str, Any]]) -> Fixture:
    remote = local if scenario == "all-synced" else [drifted(s) for s in local]
    registry_dir, schema_dir = root / scenario / "registry", root / scenario / "schemas"
    published = [
        Published(f"{content['$schema_id']}.schema", content, content["$core_version"])
        for content in remote
    ]
    write_registry_dir(registry_dir, {TRACK: published})
    schema_dir.mkdir(parents=True)
    for schema in local:
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        (schema_dir / f"{schema['$schema_id']}.json").write_text(text, encoding="utf-8")
    return Fixture(scenario, registry_dir, schema_dir)


@contextmanager
def serving(root: Path, latency_ms: float) -> Iterator[RegistryHTTPServer]:
    server = RegistryHTTPServer(root, "127.0.0.1", 0, delay=latency_ms / 1000)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------- measurements


@dataclass
class CheckRun:
    seconds: float
    cpu_seconds: float  # the child's user + system time
    server_requests: int
    report_requests: int | None
    rss_mb: float
    exit_code: int
    counts: dict[str, int] = field(default_factory=dict)
    stderr: str = ""


@dataclass
class Measured:
    fixture: Fixture
    runs: list[CheckRun]
    inproc: list[float]
    inproc_requests: int
    baseline_seconds: float | None = None
    baseline_requests: int | None = None
    baseline_mismatches: int | None = None

    @property
    def check_median(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def check_best(self) -> float:
        return min(run.seconds for run in self.runs)

    @property
    def cpu_median(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs)

    @property
    def requests(self) -> int:
        return max(run.server_requests for run in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(run.rss_mb for run in self.runs)

    @property
    def ratio(self) -> float | None:
        if self.baseline_seconds is None:
            return None
        return self.baseline_seconds / self.check_median


def _rss_mb(maxrss: int) -> float:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    scale = 1 if sys.platform == "darwin" else 1024
    return maxrss * scale / (1024 * 1024)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REGISTRY_TOKEN", None)  # never send a real token to the bench server
    return env


def check_command(
    python: str, url: str, fixture: Fixture, output: Path, concurrency: int
) -> list[str]:
    return [
        python, "-m", "drift", "check",
        "--registry-url", url,
        "--track", TRACK,
        "--schema-dir", str(fixture.schema_dir),
        "--output", str(output),
        "--quiet",
        "--fail-on", "never",
        "--concurrency", str(concurrency),
    ]  # fmt: skip


def run_check_subprocess(
    python: str, server: RegistryHTTPServer, fixture: Fixture, output: Path, concurrency: int
) -> CheckRun:
    """One CLI run; os.wait4 gives this exact child's rusage (not a high-water mark)."""
    output.unlink(missing_ok=True)
    command = check_command(python, server.url, fixture, output, concurrency)
    before = server.requests
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=errors, env=_child_env(), cwd=output.parent
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    report = json.loads(output.read_text(encoding="utf-8")) if output.is_file() else {}
    return CheckRun(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        server_requests=server.requests - before,
        report_requests=report.get("stats", {}).get("requests"),
        rss_mb=_rss_mb(usage.ru_maxrss),
        exit_code=process.returncode,
        counts=report.get("counts", {}),
        stderr=stderr,
    )


def run_check_inprocess(
    server: RegistryHTTPServer, fixture: Fixture, output: Path, concurrency: int
) -> tuple[float, int]:
    raw = {
        "registry-url": server.url,
        "track": TRACK,
        "schema-dir": str(fixture.schema_dir),
        "output": str(output),
        "concurrency": str(concurrency),
        "fail-on": "never",
        "quiet": "true",
    }
    settings = load_settings(raw, env={}, cwd=output.parent)
    before = server.requests
    started = time.perf_counter()
    check(settings, cwd=output.parent)
    return time.perf_counter() - started, server.requests - before


def run_baseline(server: RegistryHTTPServer, fixture: Fixture) -> tuple[float, int, int]:
    """The old nightly script: read + hash each local file, GET its registry copy, compare."""
    before = server.requests
    mismatches = 0
    started = time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        for path in sorted(fixture.schema_dir.glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            local_sha = compute_sha256(document)
            response = client.get(f"/schemas/{TRACK}/{document['$schema_id']}.schema")
            response.raise_for_status()
            if compute_sha256(response.json()["content"]) != local_sha:
                mismatches += 1
    seconds = time.perf_counter() - started
    return seconds, server.requests - before, mismatches


def measure(fixture: Fixture, args: argparse.Namespace, workdir: Path) -> Measured:
    output = workdir / f"{fixture.scenario}-report.json"
    with serving(fixture.registry_dir, args.latency_ms) as server:
        runs = [
            run_check_subprocess(args.python, server, fixture, output, args.concurrency)
            for _ in range(args.repeat)
        ]
        run_check_inprocess(server, fixture, output, args.concurrency)  # warm lazy imports
        inproc = [
            run_check_inprocess(server, fixture, output, args.concurrency)
            for _ in range(args.repeat)
        ]
        result = Measured(fixture, runs, [t for t, _ in inproc], max(r for _, r in inproc))
        if not args.skip_baseline:
            seconds, requests, mismatches = run_baseline(server, fixture)
            result.baseline_seconds = seconds
            result.baseline_requests = requests
            result.baseline_mismatches = mismatches
    return result


# ---------------------------------------------------------------- targets and output


def is_reference(args: argparse.Namespace) -> bool:
    return bool(args.n == REFERENCE_N and args.latency_ms == REFERENCE_LATENCY_MS)


def misses(result: Measured, args: argparse.Namespace) -> list[str]:
    """Missed targets. Time and ratio targets only apply at n=1000, latency=20 ms."""
    found: list[str] = []
    synced = result.fixture.scenario == "all-synced"
    if synced and result.requests > SYNCED_MAX_REQUESTS:
        found.append(f"requests {result.requests} > {SYNCED_MAX_REQUESTS}")
    if result.rss_mb > MAX_RSS_MB:
        found.append(f"rss {result.rss_mb:.0f}MB > {MAX_RSS_MB:.0f}MB")
    if any(run.exit_code != 0 for run in result.runs):
        found.append("check exited non-zero")
    if not is_reference(args):
        return found
    limit = SYNCED_MAX_SECONDS if synced else DRIFTED_MAX_SECONDS
    if result.check_median > limit:
        found.append(f"check {result.check_median:.2f}s > {limit}s")
    ratio = result.ratio
    if synced and ratio is not None and ratio < SYNCED_MIN_RATIO:
        found.append(f"ratio {ratio:.0f}x < {SYNCED_MIN_RATIO:.0f}x")
    return found


def sanity_warnings(result: Measured, n: int) -> list[str]:
    expected = "synced" if result.fixture.scenario == "all-synced" else "drift"
    warnings = []
    for number, run in enumerate(result.runs, 1):
        if run.counts.get(expected) != n:
            warnings.append(f"run {number}: expected {n} {expected}, report counts {run.counts}")
        if run.report_requests != run.server_requests:
            warnings.append(
                f"run {number}: report stats.requests={run.report_requests} "
                f"but the server counted {run.server_requests}"
            )
        if run.exit_code != 0:
            warnings.append(f"run {number}: exit {run.exit_code}: {run.stderr.strip()[-500:]}")
    want_mismatches = 0 if expected == "synced" else n
    if result.baseline_mismatches not in (None, want_mismatches):
        warnings.append(f"baseline found {result.baseline_mismatches} mismatches, not {n}")
    return warnings


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def print_table(results: list[Measured]) -> None:
    columns: list[tuple[str, Callable[[Measured], str]]] = [
        ("scenario", lambda r: r.fixture.scenario),
        ("check med", lambda r: f"{r.check_median:.3f}s"),
        ("check best", lambda r: f"{r.check_best:.3f}s"),
        ("cpu med", lambda r: f"{r.cpu_median:.3f}s"),
        ("in-proc med", lambda r: f"{statistics.median(r.inproc):.3f}s"),
        ("requests", lambda r: str(r.requests)),
        ("stats.req", lambda r: "/".join(str(run.report_requests) for run in r.runs)),
        ("in-proc req", lambda r: str(r.inproc_requests)),
        ("peak RSS", lambda r: f"{r.rss_mb:.1f}MB"),
        ("baseline", lambda r: _fmt(r.baseline_seconds, ".2f", "s")),
        ("base req", lambda r: _fmt(r.baseline_requests, "d")),
        ("ratio", lambda r: _fmt(r.ratio, ".0f", "x")),
    ]
    rows = [[title for title, _ in columns]]
    rows += [[cell(result) for _, cell in columns] for result in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    for number, row in enumerate(rows):
        print("  ".join(text.rjust(width) for text, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def summary_line(result: Measured, args: argparse.Namespace) -> str:
    ratio = _fmt(result.ratio, ".0f", "x") if result.ratio is not None else "n/a"
    baseline = _fmt(result.baseline_seconds, ".1f", "s") if result.ratio is not None else "skipped"
    line = (
        f"{result.fixture.scenario} n={args.n} latency={args.latency_ms:g}ms "
        f"check={result.check_median:.2f}s cpu={result.cpu_median:.2f}s "
        f"requests={result.requests} "
        f"baseline={baseline} ratio={ratio} rss={result.rss_mb:.0f}MB "
        f"inproc={statistics.median(result.inproc):.2f}s"
    )
    missed = misses(result, args)
    return line + (f"  MISS ({'; '.join(missed)})" if missed else "")


def print_targets(args: argparse.Namespace) -> None:
    print("targets (n=1000, latency=20ms):")
    print(
        f"  all-synced  check <= {SYNCED_MAX_SECONDS}s, requests <= {SYNCED_MAX_REQUESTS}, "
        f">= {SYNCED_MIN_RATIO:.0f}x baseline"
    )
    print(f"  all-drifted check <= {DRIFTED_MAX_SECONDS}s")
    print(f"  peak RSS <= {MAX_RSS_MB:.0f}MB")
    if not is_reference(args):
        print("  (not the reference size/latency: only the request and RSS targets are checked)")


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=REFERENCE_N, help="schemas per scenario")
    parser.add_argument("--latency-ms", type=float, default=REFERENCE_LATENCY_MS)
    parser.add_argument("--concurrency", type=int, default=16, help="passed to check")
    parser.add_argument("--repeat", type=int, default=3, help="check runs; median reported")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the slow baseline")
    parser.add_argument("--seed", type=int, default=1234, help="schema generator seed")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter that runs the CLI (default: this one, the dev checkout); e.g. "
        "that of a venv with a plain `pip install .`, as users and the image have it",
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.concurrency < 1 or args.latency_ms < 0:
        parser.error("--n, --repeat and --concurrency must be >= 1, --latency-ms >= 0")
    return args


def compile_bytecode() -> None:
    """Byte-compile the drift package, as `pip install` and the Dockerfile do.

    Without it, a dev checkout run with PYTHONDONTWRITEBYTECODE=1 (set on these
    machines) compiles every changed module from source on each run of the CLI,
    which no installed copy does. The files go to __pycache__ (git-ignored).
    """
    compileall.compile_dir(Path(drift.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    compile_bytecode()
    rng = random.Random(args.seed)
    local = [make_schema(rng, i) for i in range(1, args.n + 1)]
    results: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        workdir = Path(tmp)
        for scenario in SCENARIOS:
            fixture = write_fixture(workdir, scenario, local)
            print(f"measuring {scenario} (n={args.n}) ...", file=sys.stderr, flush=True)
            results.append(measure(fixture, args, workdir))
    print(
        f"\nschema-drift check: n={args.n} latency={args.latency_ms:g}ms "
        f"concurrency={args.concurrency} repeat={args.repeat} "
        "(check = median of runs; cpu = the CLI's user + system time, median; "
        "in-proc after one warm-up run)\n"
        f"CLI run by {args.python}\n"
    )
    print_table(results)
    print(
        "\nnote: in-proc runs in this process and shares the GIL with the server's threads;\n"
        "      when many schemas are fetched that contention can push it above the subprocess."
    )
    print()
    for result in results:
        for warning in sanity_warnings(result, args.n):
            print(f"WARNING {result.fixture.scenario}: {warning}")
    print_targets(args)
    print()
    for result in results:
        print(summary_line(result, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
