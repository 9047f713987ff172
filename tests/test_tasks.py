"""drift.tasks: the engine's coroutines on asyncio, or eagerly without an event loop.

A check runs eagerly (no asyncio import: tests/test_startup.py), its HTTP requests on a
Pool's threads. These tests pin the eager runner to asyncio's behaviour where the engine
relies on it, show blocking work runs concurrently both ways, and show a whole check gives
the same report both ways, against a registry directory and over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drift import tasks
from drift.engine import check_async
from drift.registry.build import Published
from drift.registry.server import RegistryHTTPServer
from drift.settings import load_settings
from tests.conftest import ROOT
from tests.helpers import evolve, make_local, make_registry, model, write_json


async def value(x: int) -> int:
    await tasks.pause()
    return x


async def fail(message: str) -> int:
    await tasks.pause()
    raise ValueError(message)


def both(main: Callable[[], Any]) -> list[Any]:
    """`main()`'s result under asyncio and eagerly."""
    return [tasks.run(main(), eager=eager) for eager in (False, True)]


def test_spawn_runs_at_once_eagerly_and_keeps_the_exception_as_a_task_does() -> None:
    seen: list[Any] = []

    async def main() -> list[Any]:
        ok, bad = tasks.spawn(value(3)), tasks.spawn(fail("boom"))
        await tasks.pause()  # asyncio: the tasks run here; eagerly they already ran
        ok.add_done_callback(lambda outcome: seen.append(outcome.result()))
        await tasks.pause()  # asyncio calls done callbacks in a later turn
        with pytest.raises(ValueError, match="boom"):
            await bad
        exception = bad.exception()
        return [ok.done(), bad.done(), await ok, type(exception).__name__, ok.cancelled()]

    assert both(main) == [[True, True, 3, "ValueError", False]] * 2
    assert seen == [3, 3]


def test_gather_and_settle_keep_order_and_exceptions_as_asyncio_does() -> None:
    async def main() -> list[Any]:
        gathered = await tasks.gather(value(1), value(2), tasks.spawn(value(3)))
        settled = await tasks.settle(value(1), fail("x"), value(3))
        with pytest.raises(ValueError, match="first"):
            await tasks.gather(value(1), fail("first"), value(3))
        return [gathered, [str(item) if isinstance(item, Exception) else item for item in settled]]

    assert both(main) == [[[1, 2, 3], [1, "x", 3]]] * 2


def test_an_eager_gather_that_fails_closes_what_it_never_awaited() -> None:
    rest = value(3)

    async def main() -> None:
        await tasks.gather(fail("first"), rest)

    with pytest.raises(ValueError, match="first"):
        tasks.run(main(), eager=True)
    assert rest.cr_frame is None  # closed: no "coroutine was never awaited" warning


# ---------------------------------------------------------------- blocking work on a Pool


def test_blocking_work_runs_concurrently_eagerly_and_on_asyncio() -> None:
    def run_both(eager: bool) -> list[int]:
        pool = tasks.Pool(2)
        meet = threading.Barrier(2, timeout=30)  # each call waits for the other: not in turn

        def work(x: int) -> int:
            meet.wait()
            return x * 10

        async def one(x: int) -> int:
            return await tasks.blocking(pool, lambda: work(x))

        async def main() -> list[int]:
            first = tasks.spawn(one(1))  # eagerly: parked on its thread's work
            second = await one(2)
            return [await first, second]

        try:
            return tasks.run(main(), eager=eager)
        finally:
            pool.shutdown()

    assert run_both(eager=True) == run_both(eager=False) == [10, 20]


def test_a_parked_task_moves_on_at_a_pause_and_keeps_its_exception() -> None:
    pool = tasks.Pool(1)
    seen: list[str] = []
    finished = threading.Event()

    def boom() -> int:
        finished.set()
        raise ValueError("from the thread")

    async def fetch() -> int:
        return await tasks.blocking(pool, boom)

    async def main() -> list[Any]:
        task = tasks.spawn(fetch())
        task.add_done_callback(lambda outcome: seen.append(type(outcome.exception()).__name__))
        assert finished.wait(timeout=30)
        before = list(seen)
        while not seen:  # each pause looks at the parked tasks once
            await tasks.pause()
        with pytest.raises(ValueError, match="from the thread"):
            await task
        return [before, task.done()]

    try:
        assert tasks.run(main(), eager=True) == [[], True]
    finally:
        pool.shutdown()
    assert seen == ["ValueError"]


def test_a_task_still_waiting_at_one_pause_is_looked_at_again_at_the_next() -> None:
    pool = tasks.Pool(1)
    gate = threading.Event()
    seen: list[int] = []

    async def main() -> int:
        task = tasks.spawn(_await(pool, lambda: gate.wait(30) and 7))
        task.add_done_callback(lambda outcome: seen.append(outcome.result()))
        await tasks.pause()  # its work has not finished: it stays parked
        first = list(seen)
        gate.set()
        pauses = 0
        while not seen and pauses < 10_000_000:  # the thread finishes meanwhile
            await tasks.pause()
            pauses += 1
        return len(first)

    try:
        assert tasks.run(main(), eager=True) == 0
    finally:
        pool.shutdown()
    assert seen == [7]


def test_cancelling_a_parked_task_drops_its_work_if_not_started() -> None:
    pool = tasks.Pool(1)
    gate, ran = threading.Event(), []

    def hold() -> str:
        assert gate.wait(timeout=30)
        return "held"

    def never() -> str:
        ran.append("never")
        return "never"

    async def main() -> list[Any]:
        holding = tasks.spawn(_await(pool, hold))
        queued = tasks.spawn(_await(pool, never))  # behind `hold` on the one thread
        called: list[bool] = []
        queued.add_done_callback(lambda outcome: called.append(outcome.cancelled()))
        cancelled = queued.cancel()
        gate.set()
        settled = await tasks.settle(holding, queued)
        return [cancelled, called, queued.cancelled(), [type(x).__name__ for x in settled]]

    try:
        result = tasks.run(main(), eager=True)
    finally:
        pool.shutdown()
    assert result == [True, [True], True, ["str", "Cancelled"]]
    assert ran == []


async def _await(pool: tasks.Pool, fn: Callable[[], Any]) -> Any:
    return await tasks.blocking(pool, fn)


def test_an_eager_run_cancels_the_tasks_still_parked_when_it_ends() -> None:
    pool = tasks.Pool(1)
    gate, ran = threading.Event(), []
    left: list[Any] = []

    async def main() -> str:
        left.append(tasks.spawn(_await(pool, lambda: gate.wait(30))))
        left.append(tasks.spawn(_await(pool, lambda: ran.append("late"))))
        return "done"

    try:
        assert tasks.run(main(), eager=True) == "done"
        assert [task.cancelled() for task in left] == [True, True]
    finally:
        gate.set()
        pool.shutdown()
    assert ran == []  # queued behind the first: dropped, never run


def test_a_pool_starts_no_more_threads_than_its_workers_and_drops_work_at_shutdown() -> None:
    pool = tasks.Pool(2)
    gate = threading.Event()
    running = threading.Semaphore(0)
    names: set[str] = set()

    def work() -> None:
        names.add(threading.current_thread().name + str(threading.get_ident()))
        running.release()
        assert gate.wait(timeout=30)

    started = [pool.submit(work) for _ in range(5)]
    for _ in range(2):  # both workers have taken a call: three are still queued
        assert running.acquire(timeout=30)
    pool.shutdown()  # the three queued are dropped; the two running finish
    gate.set()
    for pending in started:
        pending.wait()
    outcomes = []
    for pending in started:
        try:
            pending.result()
            outcomes.append("ran")
        except tasks.Cancelled:
            outcomes.append("dropped")
    assert sorted(outcomes) == ["dropped"] * 3 + ["ran"] * 2
    assert len(names) == 2
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(work)


def test_a_coroutine_that_waits_under_the_eager_runner_is_refused_not_hung() -> None:
    async def waits() -> None:
        await asyncio.sleep(0)  # a real event loop's future

    with pytest.raises(RuntimeError, match="waited for I/O under the eager runner"):
        tasks.run(waits(), eager=True)
    assert not tasks.running_eagerly()  # the flag is reset for the next run


def test_an_eager_run_inside_an_eager_run_is_refused() -> None:
    async def inner() -> int:
        return 1

    async def outer() -> int:
        return tasks.run(inner(), eager=True)

    with pytest.raises(RuntimeError, match="already in progress"):
        tasks.run(outer(), eager=True)
    assert tasks.run(outer(), eager=False) == 1  # under asyncio, an inner eager run is fine


def test_outside_an_eager_run_every_call_is_asyncio() -> None:
    async def main() -> list[bool]:
        task = tasks.spawn(value(1))
        result = [isinstance(task, asyncio.Task), isinstance(tasks.gather(), asyncio.Future)]
        await task
        return result

    assert tasks.run(main()) == [True, True]


# ---------------------------------------------------------------- a whole check, both ways


def world(root: Path) -> tuple[Path, Path]:
    """A schema dir and registry directory with every status a check can give."""
    trade, quote, gone = model("md.Trade"), model("md.Quote"), model("md.Gone")
    registry = make_registry(
        root / "registry",
        [
            Published("md.Trade", evolve(trade)),
            Published("md.Quote", quote, deprecated=True, deprecation_note="use md.Quote2"),
            Published("md.New", model("md.New")),
            Published("md.Side", model("md.Side", ts={"type": "number"})),
        ],
    )
    local = make_local(root / "local", {"md.Trade": trade, "md.Quote": quote, "md.Gone": gone})
    (local / "broken.json").write_text("{", encoding="utf-8")
    write_json(local / "yaml" / "md.Side.json", model("md.Side", ts={"type": "integer"}))
    return local, registry


def report_of(root: Path, local: Path, registry: Path | str, eager: bool, *flags: str) -> Any:
    raw = {"registry-url": str(registry), "schema-dir": str(local), "include-new": "true"}
    raw.update(dict(flag.split("=", 1) for flag in flags))
    settings = load_settings(raw, env={}, cwd=root)
    result = tasks.run(check_async(settings, cwd=root), eager=eager)
    data = json.loads(json.dumps(result.report.to_dict()))
    data["generated_at"] = data["stats"]["seconds"] = None
    return data


@pytest.mark.parametrize("flags", [(), ("verify-index=all",), ("mode=backward", "policy=strict")])
def test_a_check_gives_the_same_report_eagerly_and_on_asyncio(
    tmp_path: Path, flags: tuple[str, ...]
) -> None:
    local, registry = world(tmp_path)
    reports = [report_of(tmp_path, local, registry, eager, *flags) for eager in (False, True)]
    assert reports[0] == reports[1]
    statuses = sorted((item["schema"], item["status"]) for item in reports[1]["schemas"])
    expected = [
        ("md.Gone", "missing_in_registry"),
        ("md.New", "new_in_registry"),
        ("md.Quote", "synced"),
        ("md.Side", "drift"),
        ("md.Trade", "drift"),
    ]
    assert [pair for pair in statuses if pair[1] != "error"] == expected
    assert "error" in {status for _, status in statuses}


def test_an_http_check_gives_the_same_report_eagerly_and_on_asyncio(
    tmp_path: Path, serve_registry: Callable[..., RegistryHTTPServer]
) -> None:
    local, registry = world(tmp_path)
    server = serve_registry(registry)
    reports = [report_of(tmp_path, local, server.url, eager) for eager in (False, True)]
    for report in reports:
        report["registry_url"] = None
    assert reports[0] == reports[1]
    statuses = {item["schema"]: item["status"] for item in reports[1]["schemas"]}
    assert statuses["md.Trade"] == statuses["md.Side"] == "drift"
    assert reports[1]["stats"]["requests"] >= 3  # the index, then the fetches


def test_the_bundled_example_gives_the_same_report_both_ways(tmp_path: Path) -> None:
    local = shutil.copytree(ROOT / "examples" / "schemas", tmp_path / "schemas")
    registry = ROOT / "examples" / "registry"
    reports = [report_of(tmp_path, local, registry, eager) for eager in (False, True)]
    assert reports[0] == reports[1]
    assert reports[0]["drifted"] >= 1


def test_a_broken_registry_index_gives_the_same_report_both_ways(tmp_path: Path) -> None:
    local, registry = world(tmp_path)
    (registry / "index.json").write_text('{"tracks": ', encoding="utf-8")
    reports = [report_of(tmp_path, local, registry, eager) for eager in (False, True)]
    assert reports[0] == reports[1]
    assert "invalid JSON" in reports[0]["errors"][0]["message"]


def test_an_eager_run_in_one_thread_leaves_another_threads_asyncio_run_alone() -> None:
    inside, release = threading.Event(), threading.Event()
    kinds: list[str] = []

    async def eager_side() -> None:
        inside.set()  # the eager run is in progress while the other thread runs
        release.wait(timeout=30)

    async def asyncio_side() -> None:
        task = tasks.spawn(value(1))
        kinds.append(type(task).__name__)
        await task

    thread = threading.Thread(target=lambda: tasks.run(eager_side(), eager=True))
    thread.start()
    try:
        assert inside.wait(timeout=30)
        tasks.run(asyncio_side())
    finally:
        release.set()
        thread.join()
    assert kinds == ["Task"]
