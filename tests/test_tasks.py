"""drift.tasks: the engine's coroutines on asyncio, or eagerly without an event loop.

A check against a registry directory runs eagerly (no asyncio import: tests/test_startup.py).
These tests pin the eager runner to asyncio's behaviour where the engine relies on it, and
show a whole check gives the same report both ways.
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


def report_of(root: Path, local: Path, registry: Path, eager: bool, *flags: str) -> Any:
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
