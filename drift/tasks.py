"""How the engine's coroutines run: on asyncio, or eagerly with threads for blocking I/O.

The engine is written once, as coroutines. Importing asyncio (which brings ssl, socket,
subprocess, logging and concurrent.futures) is most of a short run: about 150 M of the
340 M instructions a synced check of the bundled example costs. So the engine spawns,
gathers and yields through this module, and `run(main, eager=True)` drives `main` in the
calling thread with no event loop and no asyncio import:

- `spawn(coroutine)` runs it at once, up to its end or until it waits for a `Pool`
  thread (`blocking`); it returns a task that is done, or parked on that thread's work;
- a parked task moves on whenever it is looked at (`done()`, awaited) or at a `pause()`,
  once its thread's work is finished; awaiting it waits for that work;
- `gather` / `settle` start every coroutine first, as asyncio's do, then await them in
  order;
- when `main` ends, the tasks still parked are cancelled, as `asyncio.run` cancels them.

Blocking work (the registry client's HTTP requests) goes to a `Pool` of threads through
`blocking(pool, fn)`: under asyncio an awaitable future, eagerly a wait the runner parks
on. A coroutine that waits for anything else under the eager runner (a real asyncio
future) raises `RuntimeError` at once rather than hang. Outside `run(..., eager=True)`
every call goes to asyncio, so the engine behaves as it always did inside an event loop
(`watch`, and `compare`, `migrate` and `pull`, whose git sources are asyncio
subprocesses).
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from contextlib import suppress
from contextvars import ContextVar
from typing import Any, Generic, Protocol, TypeVar

SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the GIL while another waits for it, during an eager run."""

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Cancelled(Exception):
    """What a cancelled eager task raises when awaited (asyncio's CancelledError, eagerly)."""


class Outcome(Protocol[T_co]):
    """What `spawn` returns: the part of asyncio.Future's interface the engine uses."""

    def done(self) -> bool: ...
    def cancelled(self) -> bool: ...
    def cancel(self) -> bool: ...
    def exception(self) -> BaseException | None: ...
    def result(self) -> T_co: ...
    def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...
    def __await__(self) -> Generator[Any, None, T_co]: ...


# ---------------------------------------------------------------- threads for blocking work


class Pending(Generic[T]):
    """One piece of a Pool's work: finished by a worker thread, read by whoever waits."""

    __slots__ = ("_callbacks", "_event", "_exception", "_fn", "_lock", "_result", "cancelled")

    def __init__(self, fn: Callable[[], T]) -> None:
        import threading  # noqa: PLC0415  (only runs that do blocking work need threads)

        self._fn: Callable[[], T] | None = fn
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._result: T | None = None
        self._exception: BaseException | None = None
        self._callbacks: list[Callable[[Pending[T]], object]] = []
        self.cancelled = False  # dropped before a worker took it

    def done(self) -> bool:
        return self._event.is_set()

    def wait(self) -> None:
        self._event.wait()

    def result(self) -> T:
        if self._exception is not None:
            raise self._exception
        return self._result  # type: ignore[return-value]

    def add_done_callback(self, fn: Callable[[Pending[T]], object]) -> None:
        """`fn(self)` once finished, in the finishing thread (now, if already finished)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(fn)
                return
        fn(self)

    def run(self) -> None:
        fn, self._fn = self._fn, None
        if fn is None or self.cancelled:
            self._finish(None, Cancelled("dropped before it started"))
            return
        try:
            result = fn()
        except BaseException as exc:
            self._finish(None, exc)
        else:
            self._finish(result, None)

    def _finish(self, result: T | None, exception: BaseException | None) -> None:
        with self._lock:
            self._result, self._exception = result, exception
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


class Pool:
    """At most `workers` daemon threads, started as work arrives, for blocking calls."""

    def __init__(self, workers: int) -> None:
        import threading  # noqa: PLC0415

        self._limit = max(1, workers)
        self._queue: deque[Pending[Any]] = deque()
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False

    def submit(self, fn: Callable[[], T]) -> Pending[T]:
        import threading  # noqa: PLC0415

        pending = Pending(fn)
        with self._ready:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queue.append(pending)
            if len(self._queue) > self._idle and len(self._threads) < self._limit:
                thread = threading.Thread(target=self._work, name="drift-pool", daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._ready.notify()
        return pending

    def shutdown(self) -> None:
        """Drop the work not started; the threads end once their current call returns."""
        with self._ready:
            self._closed = True
            dropped = list(self._queue)
            self._queue.clear()
            self._ready.notify_all()
        for pending in dropped:
            pending.cancelled = True
            pending.run()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._idle += 1
                    self._ready.wait()
                    self._idle -= 1
                if not self._queue:
                    return
                pending = self._queue.popleft()
            pending.run()


def blocking(pool: Pool, fn: Callable[[], T]) -> Awaitable[T]:
    """`fn()` on one of `pool`'s threads, awaited without blocking the other tasks."""
    pending = pool.submit(fn)
    runner = _RUNNER.get()
    if runner is not None:
        return _Wait(pending)
    import asyncio  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(done: Pending[T]) -> None:
        if future.cancelled():
            return
        try:
            future.set_result(done.result())
        except BaseException as exc:
            future.set_exception(exc)

    def finished(done: Pending[T]) -> None:
        with suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(settle, done)

    def dropped(_: object) -> None:
        if future.cancelled():
            pending.cancelled = True  # not started yet: never started

    future.add_done_callback(dropped)
    pending.add_done_callback(finished)
    return future


class _Wait(Generic[T]):
    """An eager coroutine's wait for a Pool's work: the runner parks the task on it."""

    __slots__ = ("pending",)

    def __init__(self, pending: Pending[T]) -> None:
        self.pending = pending

    def __await__(self) -> Generator[Any, None, T]:
        if not self.pending.done():
            yield self
        return self.pending.result()


# ---------------------------------------------------------------- the eager runner


class _Nothing:
    """What an eager `pause()` returns: awaiting it waits for nothing."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        yield from ()


_NOTHING = _Nothing()

_PARKED, _RUNNING, _DONE, _CANCELLED = "parked", "running", "done", "cancelled"


class Task(Generic[T]):
    """An eager run's task: run at once until it ends or waits for a Pool's work."""

    __slots__ = ("_callbacks", "_exception", "_result", "_runner", "_state", "_steps", "_wait")

    def __init__(self, work: Awaitable[T], runner: _Runner) -> None:
        self._steps = work.__await__()
        self._runner = runner
        self._state = _RUNNING
        self._wait: _Wait[Any] | None = None
        self._result: T | None = None
        self._exception: BaseException | None = None
        self._callbacks: list[Callable[[Any], object]] = []
        self._step()

    # -- the part of asyncio.Future's interface the engine uses

    def done(self) -> bool:
        self._advance(block=False)
        return self._state in (_DONE, _CANCELLED)

    def cancelled(self) -> bool:
        return self._state == _CANCELLED

    def cancel(self) -> bool:
        """Stop a parked task (its coroutine is closed); a finished one is left alone."""
        if self._state != _PARKED:
            return False
        assert self._wait is not None
        self._wait.pending.cancelled = True  # not started yet: never started
        with suppress(RuntimeError):  # it ignored GeneratorExit: it is ended all the same
            self._steps.close()
        self._end(None, Cancelled("cancelled"), _CANCELLED)
        return True

    def exception(self) -> BaseException | None:
        if not self.done():
            raise RuntimeError("the task is not done yet")
        if self._state == _CANCELLED:
            assert self._exception is not None
            raise self._exception
        return self._exception

    def result(self) -> T:
        if not self.done():
            raise RuntimeError("the task is not done yet")
        if self._exception is not None:
            raise self._exception
        return self._result  # type: ignore[return-value]

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        if self.done():
            fn(self)
        else:
            self._callbacks.append(fn)

    def __await__(self) -> Generator[Any, None, T]:
        self._advance(block=True)
        if self._state == _RUNNING:
            raise RuntimeError("a task awaited itself under the eager runner")
        yield from ()
        return self.result()

    # -- driving the coroutine

    def _advance(self, *, block: bool) -> None:
        """Resume a parked task while what it waits for is finished (or wait, if `block`)."""
        while self._state == _PARKED:
            assert self._wait is not None
            pending = self._wait.pending
            if not pending.done():
                if not block:
                    return
                pending.wait()
            self._state = _RUNNING
            self._step()

    def _step(self) -> None:
        try:
            waited = self._steps.send(None)
        except StopIteration as stop:
            self._end(stop.value, None, _DONE)
            return
        except Exception as exc:  # kept, as a task keeps it, for whoever awaits it
            self._end(None, exc, _DONE)
            return
        if not isinstance(waited, _Wait):
            self._steps.close()
            self._end(
                None,
                RuntimeError(
                    "a coroutine waited for I/O under the eager runner; run it with eager=False"
                ),
                _DONE,
            )
            return
        self._wait, self._state = waited, _PARKED
        self._runner.parked.append(self)

    def _end(self, result: T | None, exception: BaseException | None, state: str) -> None:
        self._result, self._exception, self._state, self._wait = result, exception, state, None
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


class _Runner:
    """One eager run: the tasks parked on a Pool's work, looked at by `pause()`."""

    __slots__ = ("parked", "polling")

    def __init__(self) -> None:
        self.parked: list[Task[Any]] = []
        self.polling = False

    def poll(self) -> None:
        """Move on every parked task whose wait is over (not re-entered from a task)."""
        if self.polling:
            return
        self.polling = True
        try:
            parked, self.parked = self.parked, []
            for task in parked:
                task._advance(block=False)
            # Those still waiting, and those that parked again meanwhile, once each.
            waiting = dict.fromkeys(parked + self.parked)
            self.parked = [task for task in waiting if task._state == _PARKED]
        finally:
            self.polling = False

    def cancel_all(self) -> None:
        for task in self.parked:
            task.cancel()
        self.parked.clear()


# The eager run in progress in this context (None: asyncio); a context variable, so an
# eager run in one thread never turns another thread's asyncio run eager.
_RUNNER: ContextVar[_Runner | None] = ContextVar("drift_tasks_runner", default=None)


def running_eagerly() -> bool:
    return _RUNNER.get() is not None


def run(main: Coroutine[Any, Any, T], *, eager: bool = False) -> T:
    """asyncio.run(main), or with `eager` drive it here with no event loop (see above)."""
    if not eager:
        import asyncio  # noqa: PLC0415

        return asyncio.run(main)
    if _RUNNER.get() is not None:
        main.close()
        raise RuntimeError("an eager run is already in progress")
    runner = _Runner()
    token = _RUNNER.set(runner)
    # Pool threads only wait on sockets, then parse a little: a short switch interval
    # hands them the GIL as their bytes arrive rather than after 5 ms of this thread's work.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        task = Task(main, runner)
        task._advance(block=True)
        return task.result()
    finally:
        sys.setswitchinterval(interval)
        runner.cancel_all()
        _RUNNER.reset(token)


def spawn(work: Coroutine[Any, Any, T]) -> Outcome[T]:
    """asyncio.ensure_future(work); eagerly, `work` run now until it ends or waits."""
    runner = _RUNNER.get()
    if runner is None:
        import asyncio  # noqa: PLC0415

        return asyncio.ensure_future(work)
    return Task(work, runner)


def pause() -> Awaitable[None]:
    """asyncio.sleep(0): let other tasks run; eagerly, move on those whose wait is over."""
    runner = _RUNNER.get()
    if runner is None:
        import asyncio  # noqa: PLC0415

        return asyncio.sleep(0)
    if runner.parked:
        runner.poll()
    return _NOTHING


def gather(*work: Awaitable[T]) -> Awaitable[list[T]]:
    """asyncio.gather(*work): every result, in order; the first exception is raised."""
    runner = _RUNNER.get()
    if runner is None:
        import asyncio  # noqa: PLC0415

        return asyncio.gather(*work)
    return _in_order(_started(work, runner))


def settle(*work: Awaitable[T]) -> Awaitable[list[T | BaseException]]:
    """asyncio.gather(*work, return_exceptions=True): results and exceptions, in order."""
    runner = _RUNNER.get()
    if runner is None:
        import asyncio  # noqa: PLC0415

        return asyncio.gather(*work, return_exceptions=True)
    return _in_order(_started(work, runner), keep=True)


def _started(work: tuple[Awaitable[T], ...], runner: _Runner) -> list[Awaitable[T]]:
    """Every coroutine started, as asyncio.gather wraps each in a task."""
    return [Task(item, runner) if isinstance(item, Coroutine) else item for item in work]


async def _in_order(work: list[Awaitable[T]], *, keep: bool = False) -> list[Any]:
    results: list[Any] = []
    for item in work:
        try:
            results.append(await item)
        except Exception as exc:
            if not keep:
                raise
            results.append(exc)
    return results
