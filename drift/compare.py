"""Match local snapshots to registry entries and decide each one's status, on the fast path.

Cost: one GET /index, one fetch to verify the index hashes, then one fetch per
schema whose hash differs (plus deprecated ones, for their note). See DESIGN.md.
With `verify_all` (--verify-index all) every schema with a local snapshot is fetched
and judged by its content, so an index that lies about any one of them is caught.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from drift import tasks
from drift.errors import RegistryError, SchemaNotFound
from drift.records import Row
from drift.registry.base import IndexEntry, Registry, RegistrySchema, TrackIndex
from drift.report import DriftReport, SchemaResult, Status, now_iso
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


class Sides(Row):
    """What a schema on one side only is called: check's words, or compare's."""

    only_in_old: Status = Status.MISSING_IN_REGISTRY
    only_in_new: Status = Status.NEW_IN_REGISTRY
    absent: str | None = None  # why an OLD schema has no NEW counterpart (default: check's)


class Pair(Row):
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
Fetched = RegistrySchema | RegistryError


class Started(Protocol):
    """Fetches already started, by snapshot identity (a Prefetcher, or a plain dict)."""

    def get(self, identity: str, /) -> Awaitable[Fetched] | None: ...


_NONE_STARTED: dict[str, Awaitable[Fetched]] = {}


async def _fetch_one(
    registry: Registry,
    track: str,
    pair: Pair,
    on_document: OnDocument | None,
    on_answer: Callable[[Fetched], None] | None = None,
) -> Fetched:
    """The pair's registry document (or why not); `on_answer` hears of it before the
    CPU work of `on_document`, so the requests it starts travel meanwhile."""
    try:
        document = await registry.get_schema(track, pair.entry.name)
    except RegistryError as exc:
        if on_answer is not None:
            on_answer(exc)
        return exc
    if on_answer is not None:
        on_answer(document)
    if on_document is not None:
        # Yield once first: the request waiting for the slot this one freed is sent
        # before the CPU work on this document, not after it.
        await tasks.pause()
        on_document(pair.snapshot, document)
    return document


async def _fetch(
    registry: Registry,
    track: str,
    pairs: list[Pair],
    on_document: OnDocument | None = None,
    started: Started | None = None,
) -> dict[str, Fetched]:
    """Fetch each pair's registry document, or await the fetch `started` already has."""
    started = started if started is not None else _NONE_STARTED
    results = await tasks.gather(
        *(
            started.get(pair.snapshot.identity) or _fetch_one(registry, track, pair, on_document)
            for pair in pairs
        )
    )
    return {pair.snapshot.identity: result for pair, result in zip(pairs, results, strict=True)}


class Prefetcher:
    """Starts the fetches a check will need while its snapshots are still being loaded.

    It is offered each snapshot as it is loaded. Once the index is in, a snapshot
    whose hash differs from its index entry's is fetched on every path `compare`
    can take (but an outage), so its fetch can start at once. The first goes out
    alone, as the probe: until one fetch has worked, a registry that cannot serve
    schemas is not sent a thousand requests; those held behind it start as soon as
    it answers (before its document is diffed). A failed probe stops the
    prefetcher, and `compare` then does the rest its usual way. `tasks` maps each
    snapshot identity to its fetch; `compare(prefetched=prefetcher)` takes them
    with `get`, which also claims an identity not started yet, so that nothing is
    fetched twice.
    """

    def __init__(
        self,
        registry: Registry,
        track: str,
        index: tasks.Outcome[TrackIndex],
        on_document: OnDocument | None = None,
    ) -> None:
        self._registry, self._track, self._index = registry, track, index
        self._on_document = on_document
        self._matcher: Matcher | None = None
        self._before_index: list[Snapshot] = []
        self._behind_probe: list[Pair] = []
        self._seen: set[str] = set()
        self._claimed: set[str] = set()  # taken by compare before a fetch was started
        self._probe: tasks.Outcome[Fetched] | None = None
        self._open = False
        self._stopped = False
        self.tasks: dict[str, tasks.Outcome[Fetched]] = {}
        # Snapshots offered before the index arrived are looked at when it does,
        # even if loading has finished by then.
        index.add_done_callback(self._index_arrived)

    def offer(self, snapshot: Snapshot) -> None:
        if self._stopped:
            return
        if self._matcher is None:
            self._before_index.append(snapshot)
            if self._index.done():  # its callback may not have run yet
                self._index_arrived(self._index)
            return
        self._consider(snapshot)

    def _index_arrived(self, index: tasks.Outcome[TrackIndex]) -> None:
        if self._matcher is not None or self._stopped:
            return
        if index.cancelled() or index.exception() is not None:
            self._stopped = True  # compare reports the index failure
            return
        self._matcher = Matcher(index.result().entries)
        waiting, self._before_index = self._before_index, []
        for snapshot in waiting:
            self._consider(snapshot)

    def _consider(self, snapshot: Snapshot) -> None:
        assert self._matcher is not None
        entry = self._matcher.find(snapshot)
        identity = snapshot.identity
        if entry is None or entry.sha256 == snapshot.sha256:
            return
        if identity in self._seen or identity in self._claimed:
            return
        self._seen.add(identity)  # a duplicate identity is fetched once
        pair = Pair(snapshot, entry)
        if self._open:
            self._start(pair)
        elif self._probe is None:
            self._probe = self._start(pair, on_answer=self._probe_answered)
        else:
            self._behind_probe.append(pair)

    def get(self, identity: str, /) -> tasks.Outcome[Fetched] | None:
        """The fetch started for `identity`; if none was, it never will be (the caller's)."""
        task = self.tasks.get(identity)
        if task is None:
            self._claimed.add(identity)
        return task

    def _start(
        self, pair: Pair, on_answer: Callable[[Fetched], None] | None = None
    ) -> tasks.Outcome[Fetched]:
        fetch = _fetch_one(self._registry, self._track, pair, self._on_document, on_answer)
        task = tasks.spawn(fetch)
        self.tasks[pair.snapshot.identity] = task
        return task

    def _probe_answered(self, answer: Fetched) -> None:
        held, self._behind_probe = self._behind_probe, []
        if isinstance(answer, RegistryError):
            self._stopped = True
            return
        self._open = True
        for pair in held:
            if pair.snapshot.identity not in self._claimed:  # compare fetches those
                self._start(pair)

    async def aclose(self) -> None:
        """Cancel the fetches nobody awaited (e.g. of a duplicate identity) and reap them."""
        for task in self.tasks.values():
            task.cancel()
        await tasks.settle(*self.tasks.values())


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
    prefetched: Started | None = None,
    verify_all: bool = False,
    sides: Sides | None = None,
) -> tuple[DriftReport, dict[str, RegistrySchema]]:
    """Build the report; also return the registry documents fetched, keyed by local identity.

    `index` is the GET /index already in flight, when the caller started it early;
    `on_document` sees each fetched document as it arrives (work done while the
    other requests are still travelling); `prefetched` has fetches a `Prefetcher`
    started, by snapshot identity (taking one claims it); `verify_all` fetches every
    matched schema rather than trusting the index's hashes once one of them checked
    out. `sides` names what is only on one side when `registry` is not a registry but
    any NEW source.
    """
    sides = sides or Sides()
    started = clock()
    report = DriftReport(track=track, registry_url=registry_url, generated_at=now_iso())
    report.stats.verify_index = "all" if verify_all else "probe"
    problems = [
        SchemaResult(schema=p.identity, status=Status.ERROR, file=p.file, error=p.message)
        for p in local.problems
    ]
    if track and local.metadata and local.metadata.track and local.metadata.track != track:
        report.warnings.append(
            f"_metadata.json says these snapshots are from track {local.metadata.track!r}, "
            f"but track {track!r} is being checked"
        )
    fetched: dict[str, Fetched] = {}
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
            missing = _base_result(snapshot, sides.only_in_old)
            missing.detail = sides.absent or f"the registry index of track {track} does not list it"
            results[snapshot.identity] = missing
        else:
            pairs.append(Pair(snapshot, entry))

    differing = [pair for pair in pairs if pair.snapshot.sha256 != pair.entry.sha256]
    verified, outage = await _verify(registry, track, differing, pairs, fetched, prefetched)
    if verified is not True and pairs and not verify_all:
        report.warnings.append(
            "the registry index hashes could not be verified against a schema's content; "
            "every schema was fetched and compared by content"
        )
    trusted = verified and not verify_all
    needed = pairs if not trusted else differing + [p for p in pairs if p.entry.deprecated]
    todo = list({p.snapshot.identity: p for p in needed}.values())
    todo = [p for p in todo if p.snapshot.identity not in fetched]
    if outage is not None:
        fetched.update(
            {p.snapshot.identity: RegistryError(f"not compared: {outage}") for p in todo}
        )
    else:
        fetched.update(await _fetch(registry, track, todo, on_document, prefetched))

    for pair in pairs:
        results[pair.snapshot.identity] = _result(pair, fetched.get(pair.snapshot.identity))
    if verify_all:
        verified = _index_agrees(pairs, fetched, report)
    _note_false_synced(pairs, fetched, results, report)
    report.schemas = [results[s.identity] for s in local.snapshots] + problems
    if include_new:
        report.schemas += _new_in_registry(track_index.entries, pairs, sides.only_in_new)

    report.stats.requests = registry.requests
    report.stats.fetched = len(fetched)
    report.stats.index_hashes_verified = verified
    report.stats.seconds = clock() - started
    documents = {k: v for k, v in fetched.items() if isinstance(v, RegistrySchema)}
    return report, documents


def _note_false_synced(
    pairs: list[Pair],
    fetched: Mapping[str, Fetched],
    results: Mapping[str, SchemaResult],
    report: DriftReport,
) -> None:
    """Flag schemas the index calls synced (it lists the local hash) whose content is not."""
    lied: dict[str, None] = {}  # an identity twice in the schema dir is named once
    for pair in pairs:
        document = fetched.get(pair.snapshot.identity)
        if (
            isinstance(document, RegistrySchema)
            and pair.entry.sha256 == pair.snapshot.sha256
            and document.content_sha256 != pair.snapshot.sha256
        ):
            results[pair.snapshot.identity].detail = (
                f"the registry index lists sha256 {pair.entry.sha256} (the local hash), but the "
                f"content it serves hashes to {document.content_sha256}"
            )
            lied[pair.snapshot.identity] = None
    if lied:
        report.warnings.append(
            f"the registry index lied about {_names(list(lied))}: it lists the local hash, but the "
            "content it serves differs; reported as drift"
        )


def _index_agrees(
    pairs: list[Pair], fetched: Mapping[str, Fetched], report: DriftReport
) -> bool | None:
    """--verify-index all: whether every fetched schema's content hashes as the index says."""
    checked = 0
    disagree: dict[str, None] = {}
    for pair in pairs:
        document = fetched.get(pair.snapshot.identity)
        if isinstance(document, RegistrySchema):
            checked += 1
            if document.content_sha256 != pair.entry.sha256:
                disagree[pair.snapshot.identity] = None
    if disagree:
        report.warnings.append(
            f"the registry index's sha256 disagrees with the content of {len(disagree)} of "
            f"{checked} schemas fetched ({_names(list(disagree))}); every schema was judged "
            "by its content"
        )
    return None if not checked else not disagree


def _names(identities: list[str], shown: int = 5) -> str:
    listed = ", ".join(identities[:shown])
    more = len(identities) - shown
    return f"{listed} and {more} more" if more > 0 else listed


PROBE_FAILURE_LIMIT = 3


async def _verify(
    registry: Registry,
    track: str,
    differing: list[Pair],
    pairs: list[Pair],
    fetched: dict[str, Fetched],
    prefetched: Started | None,
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
        fetches = await _fetch(registry, track, [probe], started=prefetched)
        document = fetches[probe.snapshot.identity]
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


def _new_in_registry(
    entries: list[IndexEntry], pairs: list[Pair], status: Status = Status.NEW_IN_REGISTRY
) -> list[SchemaResult]:
    matched = {id(pair.entry) for pair in pairs}
    return [
        SchemaResult(
            schema=entry.schema_id,
            status=status,
            schema_id=entry.schema_id,
            registry_name=entry.name,
            registry_sha=entry.sha256,
            registry_version=entry.latest_core_version,
            deprecated=entry.deprecated,
        )
        for entry in entries
        if id(entry) not in matched
    ]
