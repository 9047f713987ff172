"""Match local snapshots to registry entries and decide each one's status, on the fast path.

Cost: one GET /index, one fetch to verify the index hashes, then one fetch per
schema whose hash differs (plus deprecated ones, for their note). See DESIGN.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from drift.errors import RegistryError, SchemaNotFound
from drift.registry.base import IndexEntry, Registry, RegistrySchema, TrackIndex
from drift.report import DriftReport, SchemaResult, Status
from drift.snapshots import LocalSnapshots, Snapshot

NAME_SUFFIXES = (".schema", ".json")


def normalise_name(name: str) -> str:
    """`telemetry.FeedbackEvent.schema` and `….json` name the schema `telemetry.FeedbackEvent`."""
    changed = True
    while changed:
        changed = False
        for suffix in NAME_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                changed = True
    return name


@dataclass(frozen=True)
class Pair:
    snapshot: Snapshot
    entry: IndexEntry


class Matcher:
    """CONTRACTS §1: match on `$schema_id` first, then on the name without suffixes."""

    def __init__(self, entries: list[IndexEntry]) -> None:
        self.by_id: dict[str, IndexEntry] = {}
        self.by_name: dict[str, IndexEntry] = {}
        for entry in entries:
            self.by_id.setdefault(entry.schema_id, entry)
            self.by_name.setdefault(normalise_name(entry.name), entry)

    def find(self, snapshot: Snapshot) -> IndexEntry | None:
        identity = snapshot.identity
        return (
            self.by_id.get(identity)
            or self.by_name.get(normalise_name(identity))
            or self.by_id.get(normalise_name(identity))
        )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _base_result(snapshot: Snapshot, status: Status) -> SchemaResult:
    return SchemaResult(
        schema=snapshot.identity,
        status=status,
        file=snapshot.file,
        schema_id=snapshot.schema_id,
        local_sha=snapshot.sha256,
        local_version=snapshot.version,
    )


OnDocument = Callable[[Snapshot, RegistrySchema], None]


async def _fetch(
    registry: Registry, track: str, pairs: list[Pair], on_document: OnDocument | None = None
) -> dict[str, RegistrySchema | RegistryError]:
    async def one(pair: Pair) -> RegistrySchema | RegistryError:
        try:
            document = await registry.get_schema(track, pair.entry.name)
        except RegistryError as exc:
            return exc
        if on_document is not None:
            # Yield once first: the request waiting for the slot this one freed is sent
            # before the CPU work on this document, not after it.
            await asyncio.sleep(0)
            on_document(pair.snapshot, document)
        return document

    results = await asyncio.gather(*(one(pair) for pair in pairs))
    return {pair.snapshot.identity: result for pair, result in zip(pairs, results, strict=True)}


def _result(pair: Pair, fetched: RegistrySchema | RegistryError | None) -> SchemaResult:
    result = _base_result(pair.snapshot, Status.SYNCED)
    entry = pair.entry
    result.registry_name = entry.name
    result.schema_id = result.schema_id or entry.schema_id
    result.deprecated = entry.deprecated
    if isinstance(fetched, SchemaNotFound):
        result.status = Status.MISSING_IN_REGISTRY
        result.detail = str(fetched)
        return result
    if isinstance(fetched, RegistryError):
        result.status = Status.ERROR
        result.error = str(fetched)
        return result
    if fetched is None:  # index hash trusted and equal to the local hash
        result.registry_sha = entry.sha256
        result.registry_version = entry.latest_core_version
        return result
    result.registry_sha = fetched.content_sha256
    result.registry_version = fetched.core_version or entry.latest_core_version
    result.deprecated = fetched.deprecated or entry.deprecated
    result.deprecation_note = fetched.deprecation_note
    if result.registry_sha != pair.snapshot.sha256:
        result.status = Status.DRIFT
    return result


async def compare(
    local: LocalSnapshots,
    registry: Registry,
    *,
    track: str,
    registry_url: str,
    include_new: bool = False,
    clock: Callable[[], float] = time.perf_counter,
    index: Awaitable[TrackIndex] | None = None,
    on_document: OnDocument | None = None,
) -> tuple[DriftReport, dict[str, RegistrySchema]]:
    """Build the report; also return the registry documents fetched, keyed by local identity.

    `index` is the GET /index already in flight, when the caller started it early;
    `on_document` sees each fetched document as it arrives (work done while the
    other requests are still travelling).
    """
    started = clock()
    report = DriftReport(track=track, registry_url=registry_url, generated_at=now_iso())
    problems = [
        SchemaResult(schema=p.identity, status=Status.ERROR, file=p.file, error=p.message)
        for p in local.problems
    ]
    if local.metadata and local.metadata.track and local.metadata.track != track:
        report.warnings.append(
            f"_metadata.json says these snapshots are from track {local.metadata.track!r}, "
            f"but track {track!r} is being checked"
        )
    fetched: dict[str, RegistrySchema | RegistryError] = {}
    try:
        track_index = await (registry.get_index(track) if index is None else index)
    except RegistryError as exc:
        report.run_errors.append(str(exc))
        report.schemas = [
            _error(snapshot, f"not compared: {exc}") for snapshot in local.snapshots
        ] + problems
        report.stats.requests = registry.requests
        report.stats.seconds = clock() - started
        return report, {}

    matcher = Matcher(track_index.entries)
    pairs: list[Pair] = []
    results: dict[str, SchemaResult] = {}
    for snapshot in local.snapshots:
        entry = matcher.find(snapshot)
        if entry is None:
            missing = _base_result(snapshot, Status.MISSING_IN_REGISTRY)
            missing.detail = f"the registry index of track {track} does not list it"
            results[snapshot.identity] = missing
        else:
            pairs.append(Pair(snapshot, entry))

    differing = [pair for pair in pairs if pair.snapshot.sha256 != pair.entry.sha256]
    verified, outage = await _verify(registry, track, differing, pairs, fetched)
    if verified is not True and pairs:
        report.warnings.append(
            "the registry index hashes could not be verified against a schema's content; "
            "every schema was fetched and compared by content"
        )
    needed = pairs if not verified else differing + [p for p in pairs if p.entry.deprecated]
    todo = list({p.snapshot.identity: p for p in needed}.values())
    todo = [p for p in todo if p.snapshot.identity not in fetched]
    if outage is not None:
        fetched.update(
            {p.snapshot.identity: RegistryError(f"not compared: {outage}") for p in todo}
        )
    else:
        fetched.update(await _fetch(registry, track, todo, on_document))

    for pair in pairs:
        results[pair.snapshot.identity] = _result(pair, fetched.get(pair.snapshot.identity))
    report.schemas = [results[s.identity] for s in local.snapshots] + problems
    if include_new:
        report.schemas += _new_in_registry(track_index.entries, pairs)

    report.stats.requests = registry.requests
    report.stats.fetched = len(fetched)
    report.stats.index_hashes_verified = verified
    report.stats.seconds = clock() - started
    documents = {k: v for k, v in fetched.items() if isinstance(v, RegistrySchema)}
    return report, documents


PROBE_FAILURE_LIMIT = 3


async def _verify(
    registry: Registry,
    track: str,
    differing: list[Pair],
    pairs: list[Pair],
    fetched: dict[str, RegistrySchema | RegistryError],
) -> tuple[bool | None, str | None]:
    """Check the index's hash against one schema's content: (verified, outage message).

    The probe is a differing schema when there is one, since its content is needed
    anyway. Failing probes are retried on other schemas, but a registry that fails
    PROBE_FAILURE_LIMIT of them in a row is treated as down rather than asked N times.
    """
    failures = 0
    seen: set[str] = set()
    for probe in differing + pairs:
        if probe.snapshot.identity in seen:
            continue
        seen.add(probe.snapshot.identity)
        document = (await _fetch(registry, track, [probe]))[probe.snapshot.identity]
        fetched[probe.snapshot.identity] = document
        if isinstance(document, RegistrySchema):
            return document.content_sha256 == probe.entry.sha256, None
        if not isinstance(document, SchemaNotFound):
            failures += 1
            if failures >= PROBE_FAILURE_LIMIT:
                return None, f"the registry failed {failures} fetches in a row (last: {document})"
    return None, None


def _error(snapshot: Snapshot, message: str) -> SchemaResult:
    result = _base_result(snapshot, Status.ERROR)
    result.error = message
    return result


def _new_in_registry(entries: list[IndexEntry], pairs: list[Pair]) -> list[SchemaResult]:
    matched = {id(pair.entry) for pair in pairs}
    return [
        SchemaResult(
            schema=entry.schema_id,
            status=Status.NEW_IN_REGISTRY,
            schema_id=entry.schema_id,
            registry_name=entry.name,
            registry_sha=entry.sha256,
            registry_version=entry.latest_core_version,
            deprecated=entry.deprecated,
        )
        for entry in entries
        if id(entry) not in matched
    ]
