"""Fetching differing schemas while the snapshots are still being loaded (compare.Prefetcher)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from drift.assess import Assessor
from drift.compare import Prefetcher, compare
from drift.config import DriftConfig
from drift.engine import check
from drift.errors import RegistryError
from drift.hashing import compute_sha256
from drift.registry.base import IndexEntry, RegistrySchema, TrackIndex
from drift.registry.build import Published
from drift.registry.http import HttpRegistry
from drift.registry.server import RegistryHTTPServer
from drift.settings import load_settings
from drift.snapshots import Snapshot, load_snapshots
from drift.vocabulary import Mode, Policy
from tests.helpers import evolve, make_local, make_registry, model, write_json

# ---------------------------------------------------------------- unit: the prefetcher alone


def snapshot(name: str, content: dict[str, Any]) -> Snapshot:
    return Snapshot(
        identity=name,
        schema_id=name,
        path=Path(f"{name}.json"),
        file=f"{name}.json",
        content=content,
        text=json.dumps(content),
        sha256=compute_sha256(content),
        version=None,
    )


class Stub:
    """A registry whose fetches finish when the test says; records what was asked."""

    def __init__(self, fail: bool = False) -> None:
        self.asked: list[str] = []
        self.requests = 0
        self.description = "stub"
        self.fail = fail
        self.release = asyncio.Event()

    async def get_index(self, track: str) -> TrackIndex:
        raise AssertionError("the prefetcher never asks for the index")

    async def get_schema(self, track: str, name: str) -> RegistrySchema:
        self.asked.append(name)
        self.requests += 1
        await self.release.wait()
        if self.fail:
            raise RegistryError(f"{name}: HTTP 500")
        content = model(name.removesuffix(".schema"), "9.0.0")
        return RegistrySchema(name, track, "9.0.0", None, None, content, False, None)

    async def aclose(self) -> None:
        return None


LOCAL = {name: snapshot(name, model(name)) for name in ("md.A", "md.B", "md.C", "md.D")}


def index_of(*differing: str) -> TrackIndex:
    entries = [
        IndexEntry(
            f"{name}.schema",
            name,
            compute_sha256("other") if name in differing else local.sha256,
            "1.0.0",
            False,
        )
        for name, local in LOCAL.items()
    ]
    return TrackIndex("v1", entries, None)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_only_the_probe_travels_until_it_has_worked_then_every_differing_schema() -> None:
    async def scenario() -> list[list[str]]:
        registry = Stub()
        index: asyncio.Future[TrackIndex] = asyncio.get_running_loop().create_future()
        prefetcher = Prefetcher(registry, "v1", index)
        seen: list[list[str]] = []
        prefetcher.offer(LOCAL["md.A"])
        prefetcher.offer(LOCAL["md.B"])  # both held: the index has not arrived
        await settle()
        seen.append(list(registry.asked))
        index.set_result(index_of("md.A", "md.C", "md.D"))
        prefetcher.offer(LOCAL["md.C"])  # now md.A goes out alone, as the probe
        prefetcher.offer(LOCAL["md.D"])
        await settle()
        seen.append(list(registry.asked))
        registry.release.set()  # the probe answers; the held ones follow
        await settle()
        seen.append(list(registry.asked))
        seen.append(sorted(prefetcher.tasks))
        await prefetcher.aclose()
        return seen

    before_index, probing, opened, tasks = asyncio.run(scenario())
    assert before_index == []
    assert probing == ["md.A.schema"]
    assert opened == ["md.A.schema", "md.C.schema", "md.D.schema"]  # md.B is synced
    assert tasks == ["md.A", "md.C", "md.D"]


def test_the_held_fetches_start_when_the_probe_answers_before_its_diff() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        registry = Stub()
        registry.release.set()
        index: asyncio.Future[TrackIndex] = asyncio.get_running_loop().create_future()
        index.set_result(index_of("md.A", "md.C", "md.D"))
        asked_at_diff: list[str] = []

        def on_document(local: Snapshot, document: RegistrySchema) -> None:
            if local.identity == "md.A":  # the probe's document is diffed ...
                asked_at_diff.extend(registry.asked)  # ... after the held ones went out

        prefetcher = Prefetcher(registry, "v1", index, on_document)
        for name in ("md.A", "md.C", "md.D"):
            prefetcher.offer(LOCAL[name])
        await asyncio.gather(*prefetcher.tasks.values())
        await prefetcher.aclose()
        return asked_at_diff, sorted(prefetcher.tasks)

    asked_at_diff, started = asyncio.run(scenario())
    assert asked_at_diff == ["md.A.schema", "md.C.schema", "md.D.schema"]
    assert started == ["md.A", "md.C", "md.D"]


def test_what_compare_takes_first_the_prefetcher_never_starts() -> None:
    async def scenario() -> tuple[list[str], bool]:
        registry = Stub()
        index: asyncio.Future[TrackIndex] = asyncio.get_running_loop().create_future()
        index.set_result(index_of("md.A", "md.C", "md.D"))
        prefetcher = Prefetcher(registry, "v1", index)
        for name in ("md.A", "md.C", "md.D"):
            prefetcher.offer(LOCAL[name])  # md.C and md.D are held behind md.A
        taken = prefetcher.get("md.C")  # compare fetches md.C itself
        registry.release.set()  # the probe answers: only md.D is started
        await asyncio.gather(*prefetcher.tasks.values())
        await prefetcher.aclose()
        return registry.asked, taken is None

    asked, not_started = asyncio.run(scenario())
    assert asked == ["md.A.schema", "md.D.schema"]
    assert not_started


def test_a_failed_probe_stops_it() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        registry = Stub(fail=True)
        index: asyncio.Future[TrackIndex] = asyncio.get_running_loop().create_future()
        index.set_result(index_of("md.A", "md.B", "md.C"))
        prefetcher = Prefetcher(registry, "v1", index)
        prefetcher.offer(LOCAL["md.A"])
        prefetcher.offer(LOCAL["md.B"])
        registry.release.set()
        await settle()
        prefetcher.offer(LOCAL["md.C"])
        await settle()
        await prefetcher.aclose()
        return registry.asked, sorted(prefetcher.tasks)

    assert asyncio.run(scenario()) == (["md.A.schema"], ["md.A"])


def test_a_failed_index_stops_it_and_unawaited_fetches_are_cancelled() -> None:
    async def scenario() -> tuple[list[str], bool]:
        registry = Stub()
        failed: asyncio.Future[TrackIndex] = asyncio.get_running_loop().create_future()
        failed.set_exception(RegistryError("GET /index: HTTP 500"))
        stopped = Prefetcher(registry, "v1", failed)
        stopped.offer(LOCAL["md.A"])
        await settle()
        asked = list(registry.asked)

        index: asyncio.Future[TrackIndex] = asyncio.get_running_loop().create_future()
        index.set_result(index_of("md.A"))
        pending = Prefetcher(registry, "v1", index)
        pending.offer(LOCAL["md.A"])  # its fetch never answers (release is never set)
        await settle()
        task = pending.tasks["md.A"]
        await pending.aclose()
        return asked, task.cancelled()

    asked, cancelled = asyncio.run(scenario())
    assert asked == []
    assert cancelled


# ---------------------------------------------------------------- against a served registry


def plain(schema_dir: Path, url: str, cwd: Path) -> tuple[dict[str, Any], int]:
    """The reference: load everything first, then compare, with no prefetching."""

    async def go() -> tuple[dict[str, Any], int]:
        local = load_snapshots(schema_dir, cwd)
        registry = HttpRegistry(url, retries=0)
        try:
            report, documents = await compare(local, registry, track="v1", registry_url=url)
        finally:
            await registry.aclose()
        snapshots = {s.identity: s for s in local.snapshots}
        assessor = Assessor(mode=Mode.FULL, policy=Policy.LENIENT, config=DriftConfig())
        assessor.assess(report, snapshots, documents)
        return report.to_dict(), registry.requests

    return asyncio.run(go())


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    # `comparison` names the sides: check knows them, a bare compare() does not
    return {k: v for k, v in report.items() if k not in ("generated_at", "stats", "comparison")}


@pytest.mark.parametrize("scenario", ["mixed", "untrusted-index", "duplicate", "outage"])
def test_prefetching_changes_nothing_but_when_fetches_start(
    scenario: str,
    tmp_path: Path,
    serve_registry: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = [f"md.M{i:03d}" for i in range(60)]  # more than a few load batches
    remote = {name: model(name) for name in names}
    local = {name: evolve(content) if i % 3 == 0 else content for i, (name, content) in
             enumerate(remote.items())}  # fmt: skip
    del local["md.M001"]
    published = [Published(f"{name}.schema", content) for name, content in remote.items()]
    published.pop(2)  # md.M002: missing in the registry
    registry_dir = make_registry(tmp_path / "registry", published)
    make_local(tmp_path / "local", local)
    if scenario == "untrusted-index":
        index_file = registry_dir / "index.json"
        index = json.loads(index_file.read_text())
        for item in index["tracks"]["v1"]["schemas"]:
            item["sha256"] = compute_sha256("other:" + item["sha256"])
        index_file.write_text(json.dumps(index))
    if scenario == "duplicate":  # a second file with md.M003's identity: both are errors
        write_json(tmp_path / "local" / "zz-copy.json", local["md.M003"])
    if scenario == "outage":
        for path in (registry_dir / "schemas" / "v1").iterdir():
            path.write_text("{truncated")
    server: RegistryHTTPServer = serve_registry(registry_dir)
    monkeypatch.chdir(tmp_path)

    expected, expected_requests = plain(Path("local"), server.url, tmp_path)
    before = server.requests
    raw = {"registry-url": server.url, "schema-dir": "local", "retries": "0"}
    result = check(load_settings(raw, env={}, cwd=tmp_path), cwd=tmp_path)
    requests = server.requests - before

    assert comparable(result.report.to_dict()) == comparable(expected)
    assert result.report.stats.requests == requests
    # A duplicate identity is only known once every file is read: its fetch may
    # already be out by then (one request more, if the probe had answered); otherwise
    # the same requests.
    extra = (0, 1) if scenario == "duplicate" else (0,)
    assert requests - expected_requests in extra
