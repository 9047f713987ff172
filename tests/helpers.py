"""Small builders shared by the tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from drift.registry.build import Published, write_registry_dir


def model(schema_id: str, version: str = "1.0.0", **properties: Any) -> dict[str, Any]:
    props = properties or {"id": {"type": "string"}, "ts": {"type": "number"}}
    return {
        "$core_version": version,
        "$schema_id": schema_id,
        "$track": "v1",
        "title": schema_id.rsplit(".", 1)[-1],
        "type": "object",
        "properties": props,
        "required": sorted(props),
    }


def evolve(content: dict[str, Any], version: str = "1.1.0") -> dict[str, Any]:
    """The same schema one release later: a new optional property and a version bump."""
    changed = copy.deepcopy(content)
    changed["$core_version"] = version
    changed["properties"]["added"] = {"type": "string"}
    return changed


def write_json(path: Path, content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def make_registry(
    root: Path, schemas: list[Published], track: str = "v1", **tracks: list[Published]
) -> Path:
    write_registry_dir(root, {track: schemas, **tracks})
    return root


def make_local(root: Path, schemas: dict[str, dict[str, Any]]) -> Path:
    for name, content in schemas.items():
        write_json(root / f"{name}.json", content)
    return root
