"""A registry's track read whole, as the OLD side of a comparison (e.g. v1 in `migrate`).

As NEW, a registry is its client itself (`compare` asks the index, then only what
differs). As OLD every schema's content is needed to diff against, so the track's
index is read and every schema fetched: the first alone, so a registry that cannot
serve schemas is asked once, not once per schema.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from drift.errors import RegistryError
from drift.registry.base import IndexEntry, Registry, RegistrySchema
from drift.report import SideInfo
from drift.snapshots import LoadProblem, LocalSnapshots, Snapshot, unique_snapshots
from drift.sources.base import OnSnapshot, SourceError
from drift.sources.spec import Side


@dataclass(frozen=True)
class Deprecated:
    note: str | None


class RegistryTrackSource:
    has_files = False

    def __init__(self, side: Side, registry: Registry) -> None:
        assert side.track is not None
        self.side, self.registry, self.track = side, registry, side.track
        self.deprecated: dict[str, Deprecated] = {}  # by identity: what the track deprecates

    @property
    def info(self) -> SideInfo:
        return self.side.info()

    async def load(self, on_snapshot: OnSnapshot | None = None) -> LocalSnapshots:
        try:
            index = await self.registry.get_index(self.track)
        except RegistryError as exc:
            raise SourceError(str(exc)) from None
        entries = index.entries
        problems: list[LoadProblem] = []
        loaded: list[Snapshot] = []
        first = await self._fetch(entries[:1])
        if entries and isinstance(first[0], RegistryError) and _outage(first[0]):
            raise SourceError(f"{first[0]}; no schema of track {self.track} could be read")
        rest = await self._fetch(entries[1:], on_snapshot)
        for entry, fetched in zip(entries, first + rest, strict=True):
            if isinstance(fetched, RegistryError):
                path = Path(f"{entry.name}.json")
                problems.append(LoadProblem(entry.schema_id, path, "", str(fetched)))
                continue
            snapshot = self._snapshot(entry, fetched)
            loaded.append(snapshot)
            if entry is entries[0] and on_snapshot is not None:
                on_snapshot(snapshot)
        snapshots, duplicates = unique_snapshots(loaded)
        return LocalSnapshots(snapshots, problems + duplicates, None)

    async def _fetch(
        self, entries: list[IndexEntry], on_snapshot: OnSnapshot | None = None
    ) -> list[RegistrySchema | RegistryError]:
        async def one(entry: IndexEntry) -> RegistrySchema | RegistryError:
            try:
                document = await self.registry.get_schema(self.track, entry.name)
            except RegistryError as exc:
                return exc
            if on_snapshot is not None:
                on_snapshot(self._snapshot(entry, document))
            return document

        return list(await asyncio.gather(*(one(entry) for entry in entries)))

    def _snapshot(self, entry: IndexEntry, document: RegistrySchema) -> Snapshot:
        identity = document.schema_id or entry.schema_id
        if document.deprecated or entry.deprecated:
            self.deprecated[identity] = Deprecated(document.deprecation_note)
        return Snapshot(
            identity=identity,
            schema_id=identity,
            path=Path(f"{entry.name}.json"),
            file="",  # no file: nothing to point a line at
            content=document.content,
            text="",
            sha256=document.content_sha256,
            version=document.core_version or entry.latest_core_version,
        )


def _outage(error: RegistryError) -> bool:
    from drift.errors import SchemaNotFound  # noqa: PLC0415

    return not isinstance(error, SchemaNotFound)
