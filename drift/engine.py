"""The engine: two sources in, one DriftReport out. Knows nothing of GitHub.

`compare_sides` is the one comparison: OLD is read whole (a schema dir, a git
revision, a registry track), NEW answers as a registry does (a registry track, or a
source read whole behind `LoadedSide`). NEW's index travels while OLD is read, and
what differs is fetched and diffed as soon as both hashes are known. `check` is
(schema dir, registry track); `compare` and `migrate` are any other pair.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from drift import tasks
from drift.assess import Assessor, Locate, old_lines
from drift.compare import Prefetcher, Sides, compare
from drift.errors import RegistryError
from drift.linemap import Lines
from drift.records import Row
from drift.registry import connect, open_registry
from drift.registry.base import Registry, RegistrySchema
from drift.report import Comparison, DriftReport, SchemaResult, SideInfo, Status, now_iso
from drift.settings import CompareSettings, Settings, VerifyIndex, redact_url
from drift.snapshots import LoadProblem, LocalSnapshots, Snapshot, display_path
from drift.sources import Loader, Side, SideKind, SourceError, open_loader
from drift.sources.directory import DirectorySource

if TYPE_CHECKING:
    from drift.sources.loaded import LoadedSide


class CheckResult(Row):
    report: DriftReport
    local: LocalSnapshots
    documents: dict[str, RegistrySchema]  # NEW's content fetched, by OLD identity

    # asyncio.run() may repr its main task, result included (Python 3.11 does, to compare
    # SIGINT handlers as it ends): a thousand snapshots' repr costs a tenth of a second.
    def __repr__(self) -> str:
        return f"<CheckResult of {len(self.local.snapshots)} snapshots>"


async def compare_sides(
    old: Loader,
    new: Registry,
    *,
    track: str,
    registry_url: str,
    assessor: Assessor,
    include_new: bool,
    verify_all: bool,
    sides: Sides | None = None,
) -> CheckResult:
    """Read OLD while NEW's index and the fetches of what differs travel; compare them.

    The caller assesses the result (`assessor.assess`) once it has closed NEW.
    """
    # The index request travels while OLD is read and hashed; schemas whose hash
    # differs are fetched as soon as both are known.
    index = tasks.spawn(new.get_index(track))
    prefetcher = Prefetcher(new, track, index, assessor.on_document)
    try:
        await tasks.pause()  # let the index request start before the files are listed
        local = await old.load(prefetcher.offer)
        report, documents = await compare(
            local,
            new,
            track=track,
            registry_url=registry_url,
            include_new=include_new,
            index=index,
            on_document=assessor.on_document,  # diffs run while other fetches travel
            prefetched=prefetcher,
            verify_all=verify_all,
            sides=sides,
        )
    finally:
        if not index.done():
            index.cancel()
        await prefetcher.aclose()
    return CheckResult(report, local, documents)


def _finish(result: CheckResult, assessor: Assessor) -> None:
    snapshots = {snapshot.identity: snapshot for snapshot in result.local.snapshots}
    assessor.assess(result.report, snapshots, result.documents)


# -- check: (schema dir, registry track) ---------------------------------------------------


async def check_async(settings: Settings, *, cwd: Path | None = None) -> CheckResult:
    cwd = cwd or Path.cwd()
    registry = open_registry(settings)
    assessor = Assessor(mode=settings.mode, policy=settings.policy, config=settings.config)
    spec = display_path(settings.schema_dir, cwd)
    old = DirectorySource(Side(SideKind.DIR, spec, path=settings.schema_dir), cwd)
    try:
        result = await compare_sides(
            old,
            registry,
            track=settings.track,
            registry_url=settings.public_registry_url,
            assessor=assessor,
            include_new=settings.include_new,
            verify_all=settings.verify_index is VerifyIndex.ALL,
        )
    finally:
        await registry.aclose()
    _finish(result, assessor)
    report, local = result.report, result.local
    if not local.snapshots and not local.problems:
        report.run_errors.append(
            f"no schema files (*.json, *.yaml, *.yml) under {settings.schema_dir}; "
            "point --schema-dir at your snapshots"
        )
    new = SideInfo(
        "registry", f"{settings.public_registry_url}#{settings.track}", None, settings.track
    )
    report.comparison = Comparison("check", old.info, new)
    return result


def check(settings: Settings, *, cwd: Path | None = None) -> CheckResult:
    # Files are read in this thread and HTTP requests wait on the registry client's
    # threads, so a check runs without asyncio (drift.tasks).
    return tasks.run(check_async(settings, cwd=cwd), eager=True)


# -- compare and migrate: any two sides ----------------------------------------------------


class _Clients:
    """One registry client per registry location: migrate's two tracks share one."""

    def __init__(self, settings: CompareSettings) -> None:
        self.settings = settings
        self.open: dict[str, Registry] = {}

    def of(self, side: Side) -> Registry:
        assert side.url is not None
        assert side.registry_kind is not None
        if side.url not in self.open:
            self.open[side.url] = connect(side.url, side.registry_kind, side.path, self.settings)
        return self.open[side.url]

    @property
    def requests(self) -> int:
        return sum(client.requests for client in self.open.values())

    async def aclose(self) -> None:
        for client in self.open.values():
            await client.aclose()


def _registry_of(settings: CompareSettings) -> tuple[str, str]:
    """(track, registry URL) the report names: NEW's registry, else OLD's, else none."""
    for side in (settings.new, settings.old):
        if side.kind is SideKind.REGISTRY:
            return side.track or "", redact_url(side.url or "")
    return "", ""


def _locate(old: Loader, new: LoadedSide | None) -> Locate:
    """Lines of NEW's file where NEW has files (a PR's head), else OLD's, else none."""
    if new is not None and new.loader.has_files:

        def from_new(snapshot: Snapshot, document: RegistrySchema) -> Lines | None:
            return new.lines(document.name)

        return from_new
    if old.has_files:
        return old_lines
    return lambda snapshot, document: None


class Run(Row):
    """One compare or migrate run: what it read and reported."""

    result: CheckResult
    old: Loader
    new: LoadedSide | None  # None when NEW is a registry

    def __repr__(self) -> str:  # as CheckResult's
        return f"<Run: {self.result!r}>"


async def compare_async(
    settings: CompareSettings, *, cwd: Path | None = None, trust_repository: bool = False
) -> Run:
    from drift.sources.git import Blobs  # noqa: PLC0415 (check needs neither)
    from drift.sources.loaded import LoadedSide  # noqa: PLC0415

    cwd = cwd or Path.cwd()
    clients = _Clients(settings)
    registry = clients.of if settings.old.kind is SideKind.REGISTRY else None
    blobs = Blobs()
    old = open_loader(
        settings.old,
        cwd,
        registry=registry(settings.old) if registry else None,
        trust_repository=trust_repository,
        blobs=blobs,
    )
    if settings.new.kind is SideKind.REGISTRY:
        loaded, target = None, clients.of(settings.new)
    else:
        new_loader = open_loader(settings.new, cwd, trust_repository=trust_repository, blobs=blobs)
        loaded = target = LoadedSide(new_loader)
    track, registry_url = _registry_of(settings)
    assessor = Assessor(
        mode=settings.mode,
        policy=settings.policy,
        config=settings.config,
        locate=_locate(old, loaded),
    )
    sides = Sides(Status.REMOVED, Status.ADDED, f"NEW ({settings.new.spec}) does not have it")
    try:
        try:
            result = await compare_sides(
                old,
                target,
                track=track,
                registry_url=registry_url,
                assessor=assessor,
                include_new=True,
                verify_all=settings.verify_index is VerifyIndex.ALL,
                sides=sides,
            )
        except (SourceError, RegistryError) as exc:  # OLD could not be read at all
            report = DriftReport(track=track, registry_url=registry_url, generated_at=now_iso())
            report.run_errors.append(f"OLD {exc}")
            result = CheckResult(report, LocalSnapshots([], [], None), {})
    finally:
        if loaded is not None:
            await loaded.aclose()
        await clients.aclose()
    _finish(result, assessor)
    report = result.report
    _place(report, result.local, old, loaded)
    new_info = loaded.loader.info if loaded is not None else settings.new.info()
    report.comparison = Comparison(settings.command, old.info, new_info)
    report.stats.requests = clients.requests
    if settings.command == "migrate":
        from drift.migration import preview  # noqa: PLC0415
        from drift.sources.registry import RegistryTrackSource  # noqa: PLC0415

        assert isinstance(old, RegistryTrackSource)
        report.migration = preview(report, old, settings.new.track or "")
    return Run(result, old, loaded)


def compare_sources(
    settings: CompareSettings, *, cwd: Path | None = None, trust_repository: bool = False
) -> Run:
    return tasks.run(compare_async(settings, cwd=cwd, trust_repository=trust_repository))


def _place(report: DriftReport, local: LocalSnapshots, old: Loader, new: LoadedSide | None) -> None:
    """Files and side-specific errors of a compare report.

    A schema points at NEW's file where NEW has files, else at OLD's; a file that
    could not be read on one side is an error there, and is not also reported as
    removed or added on the other.
    """
    new_problems = new.local.problems if new is not None and new.local is not None else []
    old_problems = local.problems
    for item in report.schemas:
        if new is not None:
            if item.status is not Status.REMOVED and item.registry_name is not None:
                item.file = new.file(item.registry_name) or item.file
            item.registry_name = None  # a name only a registry has
        if item.status is Status.ERROR and _is_problem(item, old_problems):
            item.error = f"in OLD ({old.info.spec}): {item.error}"
    broken_new = _keys(new_problems)
    broken_old = _keys(old_problems)
    report.schemas = [
        item
        for item in report.schemas
        if not (item.status is Status.REMOVED and _keys_of(item) & broken_new)
        and not (item.status is Status.ADDED and _keys_of(item) & broken_old)
    ]
    report.schemas += [
        SchemaResult(
            schema=problem.identity,
            status=Status.ERROR,
            file=problem.file or None,
            error=f"in NEW ({new.loader.info.spec}): {problem.message}" if new else problem.message,
        )
        for problem in new_problems
    ]
    for item in report.schemas:
        item.file = item.file or None  # a registry's schema has no file


def _keys(problems: list[LoadProblem]) -> set[str]:
    return {problem.identity for problem in problems} | {p.file for p in problems if p.file}


def _keys_of(item: SchemaResult) -> set[str]:
    return {item.schema} | ({item.file} if item.file else set())


def _is_problem(item: SchemaResult, problems: list[LoadProblem]) -> bool:
    return any(
        problem.identity == item.schema and problem.message == item.error for problem in problems
    )
