"""scripts/docker-action.sh: the Docker action that `engine: docker` generates."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from drift.action import COMPOSITE_INPUTS
from tests.conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def generate(tmp_path: Path, ref: str, repository: str = "Acme/Schema-Drift") -> Path:
    env = {
        "PATH": "/usr/bin:/bin",
        "SD_ACTION_PATH": str(ROOT),
        "SD_ACTION_REF": ref,
        "SD_ACTION_REPOSITORY": repository,
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    subprocess.run(["bash", str(ROOT / "scripts" / "docker-action.sh")], env=env, check=True)
    return tmp_path / ".github" / ".tmp" / ".generated-actions" / "schema-drift-action"


@pytest.mark.parametrize("ref", ["v1", "v1.4", "v1.4.2"])
def test_released_refs_use_the_published_image(tmp_path: Path, ref: str) -> None:
    generated = yaml.safe_load((generate(tmp_path, ref) / "action.yml").read_text())
    assert generated["runs"] == {
        "using": "docker",
        "image": f"docker://ghcr.io/acme/schema-drift:{ref}",
    }
    assert f"image=docker://ghcr.io/acme/schema-drift:{ref}" in (tmp_path / "output").read_text()


@pytest.mark.parametrize("ref", ["main", "feature/x", "", "v1-rc", "1.2.3"])
def test_other_refs_build_the_dockerfile_from_a_copy_of_the_source(
    tmp_path: Path, ref: str
) -> None:
    folder = generate(tmp_path, ref)
    generated = yaml.safe_load((folder / "action.yml").read_text())
    assert generated["runs"] == {"using": "docker", "image": "Dockerfile"}
    for name in ("Dockerfile", "pyproject.toml", "README.md", "entrypoint.py", "drift/action.py"):
        assert (folder / name).is_file(), name


def test_the_container_takes_every_input_and_gives_every_output(tmp_path: Path) -> None:
    generated = yaml.safe_load((generate(tmp_path, "main") / "action.yml").read_text())
    assert set(generated["inputs"]) == set(ACTION["inputs"]) - set(COMPOSITE_INPUTS)
    assert set(generated["outputs"]) == set(ACTION["outputs"])
    docker_step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "docker")
    assert set(docker_step["with"]) == set(generated["inputs"])
