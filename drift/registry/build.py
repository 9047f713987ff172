"""Write a registry directory (the layout `DirectoryRegistry` and `registry serve` read)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drift.hashing import compute_sha256
from drift.registry.base import safe_name


@dataclass(frozen=True)
class Published:
    """One schema as the registry publishes it."""

    name: str
    content: dict[str, Any]
    core_version: str | None = None  # default: the content's $core_version, else 1.0.0
    deprecated: bool = False
    deprecation_note: str | None = None

    @property
    def version(self) -> str:
        if self.core_version:
            return self.core_version
        declared = self.content.get("$core_version")
        return declared if isinstance(declared, str) else "1.0.0"

    @property
    def schema_id(self) -> str:
        value = self.content.get("$schema_id")
        return value if isinstance(value, str) else self.name


def write_registry_dir(
    root: Path,
    tracks: dict[str, Iterable[Published]],
    *,
    generated_at: str | None = None,
    indent: int | None = 2,
) -> None:
    """Write index.json and schemas/{track}/{name}.json in the registry API's shapes."""
    index: dict[str, Any] = {
        "tracks": {},
        "generated_at": generated_at or datetime.now(UTC).isoformat(),
    }
    for track, items in tracks.items():
        folder = root / "schemas" / track
        folder.mkdir(parents=True, exist_ok=True)
        listed = []
        for item in items:
            if not safe_name(item.name):
                raise ValueError(f"registry name {item.name!r} cannot be a file name")
            sha = compute_sha256(item.content)
            listed.append(
                {
                    "name": item.name,
                    "$schema_id": item.schema_id,
                    "sha256": sha,
                    "latest_core_version": item.version,
                    "deprecated": item.deprecated,
                }
            )
            document = {
                "name": item.name,
                "track": track,
                "core_version": item.version,
                "sha256": sha,
                "$schema_id": item.schema_id,
                "content": item.content,
                "deprecated": item.deprecated,
                "deprecation_note": item.deprecation_note,
            }
            text = json.dumps(document, indent=indent, sort_keys=True)
            (folder / f"{item.name}.json").write_text(text + "\n", encoding="utf-8")
        index["tracks"][track] = {"count": len(listed), "schemas": listed}
    (root / "index.json").write_text(json.dumps(index, indent=indent) + "\n", encoding="utf-8")
