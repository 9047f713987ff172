"""Benchmark the action's cold start: entrypoint.py run as a workflow step runs it.

    python bench/bench_startup.py [--runs 21] [--importtime-runs 5]
                                  [--layout installed,source] [--registries dir,http]
                                  [--action-path DIR ...] [--python PATH]

Each --action-path checkout (default: this one) gets a fresh venv with a plain
`pip install .[pulse]` of its pyproject.toml, README.md and drift/ (what the
Dockerfile copies), as action.yml's python engine installs it; an editable
install, like the dev .venv, adds a finder that costs time at every start.
entrypoint.py then runs with the env a step gets: INPUT_REGISTRY_URL,
INPUT_SCHEMA_DIR, INPUT_REPORT_PATH, GITHUB_ACTIONS and fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files.

Layouts:    installed  `python -P entrypoint.py`: drift from the venv, byte-compiled by
                       pip (action.yml's python engine)
            source     `python entrypoint.py` beside a drift/ without bytecode, none
                       written: a fresh checkout's first run, as the `python`
                       input's interpreter runs it
Registries: dir        examples/registry, read from disk
            http       `schema-drift registry serve examples/registry --port 0`, loopback
Schemas:    example    examples/schemas (synced, drifted and missing: exit 1)
            synced     every v1 schema as the registry has it (exit 0)
            drifted    every v1 schema with a property added (exit 1)

Per cell: median wall time, median CPU time (user+sys of the child, from wait4),
wall / the 0.15 s target, and from `-X importtime` runs the median of the summed
self times and the modules imported. On a loaded machine judge by CPU and import
time, which other processes inflate less than wall time. The cells are measured
round-robin, so a burst of load hits them alike; for a before/after, pass the
old checkout too (`git worktree add /tmp/old main`, `--action-path /tmp/old
--action-path .`). A benchmark, not a gate: it always exits 0 and marks misses
with MISS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "examples" / "registry"
TARGET_SECONDS = 0.15
SCHEMA_SETS = {"example": 1, "synced": 0, "drifted": 1}  # name → the exit code it must give
REGISTRY_KINDS = ("dir", "http")
LAYOUTS = ("installed", "source")
# imported only when a run's inputs need them (as tests/test_startup.py checks)
HTTP_CLIENT = ("h11", "socket", "ssl")  # an HTTP registry's client (ssl for https:// only)
ASKED_FOR_ONLY = ("yaml", "prometheus_client", "redis")
# a check needs neither asyncio nor httpx (its sinks that post use httpx, when asked for)
NOT_FOR_THE_ACTION = (
    "argparse", "tempfile", "html", "github_action_utils", "uuid",
    "asyncio", "httpx", "httpcore", "anyio",
)  # fmt: skip
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \| +(\S+)$")


@dataclass
class Checkout:
    path: Path
    python: str
    entrypoint: Path  # the script the chosen layout runs
    flags: tuple[str, ...]  # interpreter flags the layout adds
    env: dict[str, str]  # variables the layout adds


@dataclass
class Cell:
    checkout: Checkout
    layout: str
    registry: str
    schemas: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    import_us: list[int] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)
    codes: set[int] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.layout}/{self.registry}/{self.schemas}"

    @property
    def packages(self) -> set[str]:
        return {module.split(".")[0] for module in self.modules}


# ---------------------------------------------------------------- fixtures


def write_schema_sets(root: Path) -> dict[str, Path]:
    """examples/schemas as is, and the registry's v1 documents as synced and drifted copies."""
    synced, drifted = root / "synced", root / "drifted"
    synced.mkdir()
    drifted.mkdir()
    for path in sorted((REGISTRY / "schemas" / "v1").glob("*.schema.json")):
        content = json.loads(path.read_text(encoding="utf-8"))["content"]
        name = f"{content['$schema_id']}.json"
        (synced / name).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
        content.setdefault("properties", {})["bench_added"] = {"type": "string"}
        content["$core_version"] = content["$core_version"] + "-bench"
        (drifted / name).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return {"example": ROOT / "examples" / "schemas", "synced": synced, "drifted": drifted}


@contextmanager
def http_registry(python: str) -> Iterator[str]:
    """`registry serve` in its own process, so its CPU is not the measured child's."""
    command = [python, "-m", "drift", "registry", "serve", str(REGISTRY), "--port", "0"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()  # "serving DIR at http://127.0.0.1:PORT"
        match = re.search(r" at (http://\S+)$", line.strip())
        if match is None:
            raise SystemExit(f"registry serve did not start: {line.strip()!r}")
        yield match.group(1)
    finally:
        server.terminate()
        server.wait()
        if server.stderr is not None:
            server.stderr.close()


def build_venv(checkout: Path, work: Path) -> str:
    """A venv with a plain install of the checkout, as action.yml's python engine makes."""
    source, target = work / "package", work / "venv"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(checkout / name, source / name)
    shutil.copytree(checkout / "drift", source / "drift", ignore=_no_bytecode)
    print(f"building a venv with `pip install {checkout}[pulse]` ...", file=sys.stderr)
    venv.create(target, with_pip=True)
    python = str(target / ("Scripts" if os.name == "nt" else "bin") / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"{source}[pulse]"], check=True)
    return python


def _no_bytecode(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "__pycache__"]


def layout_checkout(layout: str, path: Path, python: str, work: Path) -> Checkout:
    if layout == "installed":  # drift from site-packages, not the drift/ beside the script
        return Checkout(path, python, path / "entrypoint.py", ("-P",), {})
    copy = work / "checkout"  # the sources alone, compiled on every run as on a fresh runner
    copy.mkdir()
    shutil.copy2(path / "entrypoint.py", copy / "entrypoint.py")
    shutil.copytree(path / "drift", copy / "drift", ignore=_no_bytecode)
    return Checkout(path, python, copy / "entrypoint.py", (), {"PYTHONDONTWRITEBYTECODE": "1"})


# ---------------------------------------------------------------- measuring


def step_env(registry_url: str, schema_dir: Path, work: Path) -> dict[str, str]:
    """The environment action.yml's python step gives entrypoint.py (empty inputs unset)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a runner does not set it
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        path = work / name.lower()
        path.write_text("", encoding="utf-8")
        env[name] = str(path)
    env.update(
        GITHUB_ACTIONS="true",
        INPUT_REGISTRY_URL=registry_url,
        INPUT_SCHEMA_DIR=str(schema_dir),
        INPUT_REPORT_PATH=str(work / "drift_report.json"),
    )
    return env


def run_once(command: list[str], env: dict[str, str], cwd: Path) -> tuple[int, float, float, str]:
    """Exit code, wall and CPU seconds (user+sys, the child's own), and its stderr."""
    with tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return child.returncode, wall, usage.ru_utime + usage.ru_stime, err.read()


def parse_importtime(stderr: str) -> tuple[int, set[str]]:
    """Summed self time (µs) of every import, and the modules imported."""
    total, modules = 0, set()
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            total += int(match.group(1))
            modules.add(match.group(2))
    return total, modules


def measure(
    cells: list[Cell],
    urls: dict[str, str],
    sets: dict[str, Path],
    args: argparse.Namespace,
) -> None:
    """Round-robin over the cells, so a burst of load spreads over all of them."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        work = Path(tmp)
        for number in range(args.runs + args.importtime_runs):
            importtime = number >= args.runs
            for cell in cells:
                checkout = cell.checkout
                env = step_env(urls[cell.registry], sets[cell.schemas], work) | checkout.env
                flags = [*checkout.flags, *(["-X", "importtime"] if importtime else [])]
                command = [checkout.python, *flags, str(checkout.entrypoint)]
                code, wall, cpu, stderr = run_once(command, env, work)
                cell.codes.add(code)
                if importtime:
                    total, modules = parse_importtime(stderr)
                    cell.import_us.append(total)
                    cell.modules |= modules
                else:
                    cell.wall.append(wall)
                    cell.cpu.append(cpu)


def measure_floor(python: str, runs: int) -> tuple[float, float, int]:
    """`python -c pass`: what any entrypoint pays before the first line of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    samples = [run_once([python, "-c", "pass"], env, ROOT) for _ in range(runs)]
    _, _, _, stderr = run_once([python, "-X", "importtime", "-c", "pass"], env, ROOT)
    wall = statistics.median(s[1] for s in samples)
    return wall, statistics.median(s[2] for s in samples), parse_importtime(stderr)[0]


# ---------------------------------------------------------------- output


def summary_line(cell: Cell, several_paths: bool) -> str:
    wall, cpu = statistics.median(cell.wall), statistics.median(cell.cpu)
    imports = statistics.median(cell.import_us) / 1000 if cell.import_us else float("nan")
    where = f" [{cell.checkout.path}]" if several_paths else ""
    line = (
        f"startup {cell.label}{where} runs={len(cell.wall)} wall={wall:.3f}s cpu={cpu:.3f}s "
        f"ratio={wall / TARGET_SECONDS:.2f} imports={imports:.1f}ms "
        f"modules={len(cell.modules)} exit={','.join(map(str, sorted(cell.codes)))}"
    )
    return line + (f"  MISS (wall > {TARGET_SECONDS}s)" if wall > TARGET_SECONDS else "")


def warnings(cell: Cell) -> list[str]:
    expected = SCHEMA_SETS[cell.schemas]
    found = []
    if cell.codes != {expected}:
        found.append(f"exit codes {sorted(cell.codes)}, expected {expected} on every run")
    if cell.registry == "http":
        unneeded = {*ASKED_FOR_ONLY, *NOT_FOR_THE_ACTION, "ssl"}  # the registry is http://
    else:
        unneeded = {*HTTP_CLIENT, *ASKED_FOR_ONLY, *NOT_FOR_THE_ACTION}
    extra = sorted(cell.packages & unneeded)
    if extra and cell.import_us:
        found.append(f"imports {', '.join(extra)}, which this run does not need")
    return found


def _choices(
    parser: argparse.ArgumentParser, flag: str, value: str, known: tuple[str, ...]
) -> list[str]:
    chosen = [item for item in value.split(",") if item]
    if not chosen or not set(chosen) <= set(known):
        parser.error(f"{flag} takes {', '.join(known)} (comma-separated)")
    return chosen


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per cell (median)")
    parser.add_argument("--importtime-runs", type=int, default=5, help="-X importtime runs")
    parser.add_argument("--layout", default="installed", help="installed, source or both")
    parser.add_argument("--registries", default="dir,http", help="dir, http or both")
    parser.add_argument(
        "--action-path",
        type=Path,
        action="append",
        help="checkout to measure, each in its own venv (repeatable; default: this one)",
    )
    parser.add_argument(
        "--python",
        help="use this interpreter instead of building a venv: one with a plain (not "
        "editable) install of the one --action-path, or the `installed` layout measures "
        "whatever drift it has",
    )
    args = parser.parse_args(argv)
    args.layout = _choices(parser, "--layout", args.layout, LAYOUTS)
    args.registries = _choices(parser, "--registries", args.registries, REGISTRY_KINDS)
    if args.runs < 1 or args.importtime_runs < 0:
        parser.error("--runs must be >= 1, --importtime-runs >= 0")
    args.action_path = [path.resolve() for path in args.action_path or [ROOT]]
    if args.python and len(args.action_path) > 1:
        parser.error("--python measures one checkout; without it each gets its own venv")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-startup-")))
        pythons: dict[Path, str] = {}
        for number, path in enumerate(args.action_path):
            (work / str(number)).mkdir()
            pythons[path] = args.python or build_venv(path, work / str(number))
        cells: list[Cell] = []
        for number, path in enumerate(args.action_path):
            for layout in args.layout:
                folder = work / str(number) / layout
                folder.mkdir()
                checkout = layout_checkout(layout, path, pythons[path], folder)
                cells += [
                    Cell(checkout, layout, r, s) for r in args.registries for s in SCHEMA_SETS
                ]
        sets = write_schema_sets(work)
        python = pythons[args.action_path[0]]
        urls = {"dir": str(REGISTRY)}
        if "http" in args.registries:
            urls["http"] = stack.enter_context(http_registry(python))
        print(f"measuring {len(cells)} cells x {args.runs} runs ...", file=sys.stderr)
        measure(cells, urls, sets, args)
        floor_wall, floor_cpu, floor_us = measure_floor(python, args.runs)
        version = subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    print(
        f"\nentrypoint.py cold start: {args.runs} timed runs per cell (median), "
        f"{args.importtime_runs} -X importtime runs\n"
        f"python {version}: {args.python or 'a fresh venv per checkout, pip install .[pulse]'}\n"
        f"interpreter floor (python -c pass): wall={floor_wall:.3f}s cpu={floor_cpu:.3f}s "
        f"imports={floor_us / 1000:.1f}ms\n"
        f"target: wall <= {TARGET_SECONDS}s (ratio = wall / target)\n"
    )
    several = len(args.action_path) > 1
    for cell in cells:
        where = f" [{cell.checkout.path}]" if several else ""
        for warning in warnings(cell):
            print(f"WARNING {cell.label}{where}: {warning}")
    for cell in cells:
        print(summary_line(cell, several))
    return 0


if __name__ == "__main__":
    sys.exit(main())
