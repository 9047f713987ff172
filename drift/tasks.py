"""How the engine's coroutines run: on asyncio, or eagerly when none of them can wait.

The engine is written once, as coroutines, for registries that answer over the network.
A check of a schema dir against a registry *directory* reads files only: nothing it
awaits ever waits. Importing asyncio (which brings ssl, socket, subprocess, logging and
concurrent.futures) is then most of the run: about 150 M of the 340 M instructions a
synced check of the bundled example costs. So the engine spawns, gathers and yields
through this module, and `run(main, eager=True)` drives `main` to its end in the calling
thread, with no event loop and no asyncio import:

- `spawn(coroutine)` runs it to its end at once and returns it finished (an `Outcome`,
  as an asyncio Task is once it is done: its exception is kept, not raised);
- `gather` / `settle` await finished work in order;
- `pause()` gives nothing a turn, since nothing else is running.

A coroutine that does wait under the eager runner (awaits a real future) is a bug in
the caller's choice of runner: it raises `RuntimeError` at once rather than hang.
Outside `run(..., eager=True)` every call goes to asyncio, so the engine behaves as it
always did inside an event loop (`watch`, HTTP registries, git sources).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator
from contextvars import ContextVar
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# True only while run(..., eager=True) drives a coroutine; a context variable, so an eager
# run in one thread never turns another thread's asyncio run eager.
_EAGER: ContextVar[bool] = ContextVar("drift_tasks_eager", default=False)


class Outcome(Protocol[T_co]):
    """What `spawn` returns: the part of asyncio.Future's interface the engine uses."""

    def done(self) -> bool: ...
    def cancelled(self) -> bool: ...
    def cancel(self) -> bool: ...
    def exception(self) -> BaseException | None: ...
    def result(self) -> T_co: ...
    def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...
    def __await__(self) -> Generator[Any, None, T_co]: ...


class Finished(Generic[T]):
    """An eager run's task: finished when it is made, with a result or an exception."""

    __slots__ = ("_exception", "_result")

    def __init__(self, result: T, exception: Exception | None = None) -> None:
        self._result, self._exception = result, exception

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return False

    def cancel(self) -> bool:
        return False  # as asyncio's cancel() of a task that is done

    def exception(self) -> BaseException | None:
        return self._exception

    def result(self) -> T:
        if self._exception is not None:
            raise self._exception
        return self._result

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        fn(self)

    def __await__(self) -> Generator[Any, None, T]:
        yield from ()
        return self.result()


_NOTHING: Finished[None] = Finished(None)


def _drive(coroutine: Awaitable[T]) -> T:
    """Run `coroutine` to its end in this thread; it must never wait."""
    steps = coroutine.__await__()
    try:
        steps.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    steps.close()
    raise RuntimeError("a coroutine waited for I/O under the eager runner; run it with eager=False")


def running_eagerly() -> bool:
    return _EAGER.get()


def run(main: Coroutine[Any, Any, T], *, eager: bool = False) -> T:
    """asyncio.run(main), or with `eager` drive it here with no event loop (see above)."""
    if not eager:
        import asyncio  # noqa: PLC0415

        return asyncio.run(main)
    if _EAGER.get():
        main.close()
        raise RuntimeError("an eager run is already in progress")
    token = _EAGER.set(True)
    try:
        return _drive(main)
    finally:
        _EAGER.reset(token)


def spawn(work: Coroutine[Any, Any, T]) -> Outcome[T]:
    """asyncio.ensure_future(work); eagerly, `work` run to its end now."""
    if not _EAGER.get():
        import asyncio  # noqa: PLC0415

        return asyncio.ensure_future(work)
    try:
        return Finished(_drive(work))
    except Exception as exc:  # kept, as a task keeps it, for whoever awaits it
        return Finished(None, exc)  # type: ignore[arg-type]


def pause() -> Awaitable[None]:
    """asyncio.sleep(0): let other tasks run; eagerly, there are none."""
    if not _EAGER.get():
        import asyncio  # noqa: PLC0415

        return asyncio.sleep(0)
    return _NOTHING


def gather(*work: Awaitable[T]) -> Awaitable[list[T]]:
    """asyncio.gather(*work): every result, in order; the first exception is raised."""
    if not _EAGER.get():
        import asyncio  # noqa: PLC0415

        return asyncio.gather(*work)
    return _in_order(work)


def settle(*work: Awaitable[T]) -> Awaitable[list[T | BaseException]]:
    """asyncio.gather(*work, return_exceptions=True): results and exceptions, in order."""
    if not _EAGER.get():
        import asyncio  # noqa: PLC0415

        return asyncio.gather(*work, return_exceptions=True)
    return _in_order(work, keep=True)


async def _in_order(work: tuple[Awaitable[T], ...], *, keep: bool = False) -> list[Any]:
    results: list[Any] = []
    for item in work:
        try:
            results.append(await item)
        except Exception as exc:
            if not keep:
                for rest in work[len(results) + 1 :]:
                    if isinstance(rest, Coroutine):
                        rest.close()  # never awaited: no "was never awaited" warning
                raise
            results.append(exc)
    return results
