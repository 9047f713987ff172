"""A registry kept as files: `index.json` + `schemas/{track}/{name}.json`, in the API's shapes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from drift.documents import loads_json
from drift.errors import RegistryError, SchemaNotFound
from drift.localfiles import UnusableFile, located, read_text
from drift.registry.base import RegistrySchema, TrackIndex, parse_index, parse_schema, safe_name


class DirectoryRegistry:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests = 0
        self.description = f"registry directory {root}"

    def _read(self, path: Path, what: str) -> Any:
        """A document of the directory, with the guards of every local read (drift.localfiles):
        regular files only (a FIFO never blocks), bounded size, depth and numbers."""
        self.requests += 1
        try:
            text = read_text(path)
        except UnusableFile as exc:
            if not os.path.lexists(path):
                raise SchemaNotFound(f"{what}: not found ({path})") from None
            raise RegistryError(f"{what}: {located(str(path), str(exc))}") from None
        try:
            return loads_json(text, envelope=1)  # {"content": schema, …}
        except json.JSONDecodeError as exc:
            raise RegistryError(
                f"{what}: invalid JSON in {path} at {exc.lineno}:{exc.colno}: {exc.msg}"
            ) from None
        except ValueError as exc:  # DocumentError: a limit, named in the message
            raise RegistryError(f"{what}: {path}: {exc}") from None

    def schema_path(self, track: str, name: str) -> Path | None:
        """Where a schema lives, or None when the name would leave the registry directory."""
        folder = (self.root / "schemas" / track).resolve()
        if not safe_name(name):
            return None
        path = (folder / f"{name}.json").resolve()
        return path if path.parent == folder else None

    async def get_index(self, track: str) -> TrackIndex:
        what = f"{self.description}: index"
        try:
            payload = self._read(self.root / "index.json", what)
        except SchemaNotFound as exc:
            raise RegistryError(str(exc)) from None
        return parse_index(payload, track, what)

    async def get_schema(self, track: str, name: str) -> RegistrySchema:
        what = f"{self.description}: schema {track}/{name}"
        path = self.schema_path(track, name)
        if path is None:
            raise RegistryError(f"{what}: refusing a name that would leave the registry directory")
        return parse_schema(self._read(path, what), what, track=track, name=name)

    async def aclose(self) -> None:
        return None
