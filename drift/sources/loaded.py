"""A source read whole, answering the engine as a registry would (compare's NEW side).

Its index is its own hashes, computed here from content, so they are trusted: the
engine's verification probe always agrees, schemas with equal hashes are never
"fetched", and a differing one is handed over from memory.
"""

from __future__ import annotations

import asyncio

from drift.errors import RegistryError, SchemaNotFound
from drift.linemap import Lines
from drift.registry.base import IndexEntry, RegistrySchema, TrackIndex
from drift.snapshots import LocalSnapshots, Snapshot
from drift.sources.base import Loader, SourceError


class LoadedSide:
    requests = 0  # nothing it answers costs a registry request

    def __init__(self, loader: Loader, label: str = "NEW") -> None:
        self.loader, self.label = loader, label
        self.description = f"{label} {loader.info.spec}"
        self._task: asyncio.Task[LocalSnapshots] | None = None
        self.local: LocalSnapshots | None = None
        self.by_identity: dict[str, Snapshot] = {}

    async def loaded(self) -> LocalSnapshots:
        """Read the source once (the first caller starts it; the rest wait for it)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self.loader.load())
        try:
            local = await asyncio.shield(self._task)
        except SourceError as exc:
            raise RegistryError(f"{self.label} {exc}") from None
        if self.local is None:
            self.local = local
            self.by_identity = {snapshot.identity: snapshot for snapshot in local.snapshots}
        return local

    async def get_index(self, track: str) -> TrackIndex:
        local = await self.loaded()
        entries = [
            IndexEntry(
                name=snapshot.identity,
                schema_id=snapshot.schema_id or snapshot.identity,
                sha256=snapshot.sha256,
                latest_core_version=snapshot.version,
                deprecated=False,
            )
            for snapshot in local.snapshots
        ]
        return TrackIndex(track, entries, None)

    async def get_schema(self, track: str, name: str) -> RegistrySchema:
        await self.loaded()
        snapshot = self.by_identity.get(name)
        if snapshot is None:
            raise SchemaNotFound(f"{self.description}: no schema {name!r}")
        document = RegistrySchema(
            name=name,
            track=track,
            core_version=snapshot.version,
            sha256=snapshot.sha256,
            schema_id=snapshot.schema_id,
            content=snapshot.content,
            deprecated=False,
            deprecation_note=None,
            content_sha256=snapshot.sha256,  # hashed once, when it was read
        )
        return document

    def lines(self, name: str) -> Lines | None:
        snapshot = self.by_identity.get(name)
        return snapshot.lines if snapshot is not None and self.loader.has_files else None

    def file(self, name: str | None) -> str | None:
        snapshot = self.by_identity.get(name or "")
        return snapshot.file if snapshot is not None and self.loader.has_files else None

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
