"""The Dockerfile, without a Docker engine: linted, then replayed into a fresh venv.

The replay performs the Dockerfile's own ENV, WORKDIR, COPY and RUN instructions
(paths under / mapped into a temp dir, `python`/`pip` from a fresh venv), then runs
its ENTRYPOINT with the environment a container action gets: INPUT_* with hyphens,
the workspace at /github/workspace as the working directory, file commands under
/github/file_commands.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.test_action import parse_outputs
from tests.tools import tool

DOCKERFILE = ROOT / "Dockerfile"
pytest_plugins = ("tests.telemetry_servers",)


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [tool("hadolint"), str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def instructions() -> list[tuple[str, str]]:
    """(instruction, arguments), with line continuations joined."""
    joined: list[str] = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line.strip())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined]


def test_the_dockerfile_installs_and_runs_like_a_container(
    tmp_path: Path, redis_server: str
) -> None:
    fs = tmp_path / "fs"  # stands for the container's /
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)

    def mapped(path: str) -> Path:
        return fs / path.lstrip("/")

    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(mapped("/root"))}
    workdir = fs
    entrypoint: list[str] = []
    seen = set()
    for instruction, args in instructions():
        seen.add(instruction)
        if instruction == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
        elif instruction == "WORKDIR":
            workdir = mapped(args)
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, dest = shlex.split(args)
            target = workdir / dest if not dest.startswith("/") else mapped(dest)
            for source in sources:
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, target, dirs_exist_ok=True)
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / source, target / Path(source).name)
        elif instruction == "RUN" and args.startswith("apt-get "):
            # System packages are the host's here: what the image installs must be present.
            packages = args.split("--no-install-recommends", 1)[1].split("&&", 1)[0].split()
            assert packages
            assert all(shutil.which(package) for package in packages), packages
        elif instruction == "RUN":
            command = args.replace("/opt/", f"{fs}/opt/")
            subprocess.run(["bash", "-c", command], cwd=workdir, env=env, check=True)
        elif instruction == "ENTRYPOINT":
            entrypoint = [part.replace("/opt/", f"{fs}/opt/") for part in json.loads(args)]
    assert {"FROM", "COPY", "RUN", "ENTRYPOINT"} <= seen
    assert "USER" not in seen  # GitHub runs container actions as root
    pyc = list(mapped("/opt/schema-drift").rglob("*.pyc"))
    assert pyc, "bytecode is compiled at build time"

    workspace = mapped("/github/workspace")
    shutil.copytree(ROOT / "examples", workspace / "examples")
    commands = mapped("/github/file_commands")
    commands.mkdir(parents=True)
    (commands / "set_output").touch()
    (commands / "step_summary").touch()
    run_env = {
        **env,
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(commands / "set_output"),
        "GITHUB_STEP_SUMMARY": str(commands / "step_summary"),
        "INPUT_REGISTRY-URL": "examples/registry",
        "INPUT_SCHEMA-DIR": "examples/schemas",
        "INPUT_FAIL-ON": "breaking",
        "INPUT_REPORT-PATH": "out/drift_report.json",
        "INPUT_PULSE-URL": redis_server,  # the image has the pulse extra: events are sent
        "INPUT_REPO": "docker-replay",
    }
    entry = entrypoint[0]
    program = str(venv / "bin" / entry) if not os.path.isabs(entry) else entry
    result = subprocess.run(
        [program, *entrypoint[1:]],
        cwd=workspace,
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    outputs = parse_outputs((commands / "set_output").read_text())
    assert outputs["status"] == "breaking"
    assert outputs["report-path"] == "out/drift_report.json"
    assert (workspace / "out" / "drift_report.json").is_file()
    assert "Schema drift: breaking" in (commands / "step_summary").read_text()
    assert "telemetry" not in result.stdout, result.stdout  # no fail-open warning
    import redis

    client = redis.Redis.from_url(redis_server)
    try:
        stream = client.xrange("mdp:mdp.telemetry.schema_drift")
    finally:
        client.close()
    schemas = {json.loads(fields[b"data"])["payload"]["schema"] for _, fields in stream}
    assert "md.Trade" in schemas
