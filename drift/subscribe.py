"""`watch --subscribe`: follow the registry's publish and deprecate events on Pulse.

The watcher reads the two lifecycle streams through a consumer group (XREADGROUP), so
several watchers of one repo share the work; each event re-checks only the schema it
names (drift/reaction.py). Delivery is at least once, handling is idempotent:

- An event is acknowledged only once handled. A consumer that crashed or hangs leaves
  its events pending; every watcher claims entries idle longer than --claim-after
  (XAUTOCLAIM) and handles them. One that keeps failing is dropped after
  MAX_DELIVERIES deliveries (counted, logged; the full check is the safety net).
- The effect of an event — its drift or resolution event on Pulse, the group's memory
  of the schema (`token`), the XACK — is one Lua script, atomic in Redis. The script
  acks first: an entry another consumer has already acked (handled after a claim) has
  no effect a second time; nor has the same news about a schema (the same registry
  and local hashes) arriving in a second entry. The in-process metrics move only when
  the script says it took effect, so a redelivery never counts a drift twice.
- Malformed entries are counted, logged once, acknowledged and skipped.
- Redis gone: reconnect with jittered backoff (RECONNECT_BASE doubling up to
  RECONNECT_CAP); the full check on --interval keeps running meanwhile.

The group and the keys live in the Pulse Redis (`--pulse-url`); the group's memory is
kept under `{ns}:schema-drift.{group}:{track}:{schema}` for STATE_TTL seconds. The
scripts touch keys in several hash slots, so Redis Cluster is not supported (nor is it
by market-data-core's RedisStreamsBus).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drift.errors import RegistryError, SettingsError
from drift.lifecycle import Kind, LifecycleEvent, MalformedEvent, SchemaDeprecated, parse_entry
from drift.reaction import (
    LocalView,
    SkipReason,
    Verdicts,
    deprecated_token,
    published_token,
    recheck,
    target,
    token,
)
from drift.report import DriftReport, SchemaResult, Status
from drift.sinks.pulse import build_events, encode_event, stream_key

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

    from drift.livemetrics import EventMetrics
    from drift.registry.base import Registry

log = logging.getLogger("schema-drift.subscribe")

DEFAULT_CLAIM_AFTER = 60.0
"""Seconds an entry stays pending with one consumer before another may claim it."""

READ_COUNT = 64
"""Entries per XREADGROUP and per XAUTOCLAIM page."""

CLAIM_PAGES = 16
"""XAUTOCLAIM pages per claim pass (READ_COUNT each); the rest waits for the next pass."""

BLOCK_SECONDS = 2.0
"""The longest a read waits for news (shorter when --claim-after is)."""

MAX_DELIVERIES = 5
"""Deliveries of one entry before it is dropped as unhandleable (`skipped`, gave_up)."""

RECONNECT_BASE = 0.2
RECONNECT_CAP = 10.0
"""Reconnection backoff: RECONNECT_BASE doubled per attempt, capped, jittered."""

CONNECT_TIMEOUT = 5.0
"""Seconds to connect to Redis, and added to BLOCK_SECONDS for a read's socket timeout."""

STATE_TTL = 30 * 86400
"""Seconds the group remembers what it last handled per schema (the duplicate check)."""

PULSE_MAXLEN = 10000
"""`MAXLEN ~` of the drift stream, as the Pulse sink trims it."""

MAX_GROUP_CHARS = 200
MAX_STREAM_CHARS = 512
REMEMBERED_IDS = 4096
"""Entry ids this process remembers having handled (a redelivery is skipped at once)."""

MALFORMED_LOG_LIMIT = 50
"""Malformed entries logged one line each; past this they are only counted."""

FAILURE_LOG_SECONDS = 60.0
"""At most one log line per this many seconds about events that could not be handled."""

COMMITTED, DUPLICATE_SCHEMA, DUPLICATE_ENTRY = 2, 1, 0

# KEYS: the lifecycle stream, the schema's state key, the drift stream.
# ARGV: group, entry id, token, state TTL, MAXLEN, then the drift stream's `data` values.
# Type checks come first: a script that fails half-way keeps its earlier writes.
_COMMIT = """
local state = redis.call('TYPE', KEYS[2]).ok
local pulse = redis.call('TYPE', KEYS[3]).ok
if (state ~= 'none' and state ~= 'string') or (pulse ~= 'none' and pulse ~= 'stream') then
  return redis.error_reply('schema-drift: a key has the wrong type: ' .. KEYS[2] .. ', ' .. KEYS[3])
end
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[3] then return 1 end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
for i = 6, #ARGV do
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'data', ARGV[i])
end
return 2
"""

# The full check's changes: KEYS: the drift stream, then one state key per change.
# ARGV: state TTL, MAXLEN, then (token, data) per state key. Returns the events sent.
_CHANGES = """
local sent = 0
for i = 2, #KEYS do
  local token, data = ARGV[2 * i - 1], ARGV[2 * i]
  if redis.call('GET', KEYS[i]) ~= token then
    redis.call('SET', KEYS[i], token, 'EX', ARGV[1])
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'data', data)
    sent = sent + 1
  end
end
return sent
"""


@dataclass(frozen=True)
class SubscribeOptions:
    group: str
    consumer: str
    published_stream: str
    deprecated_stream: str
    claim_after: float


def default_streams(namespace: str) -> tuple[str, str]:
    """The bus's naming by analogy with `{ns}:{ns}.telemetry.schema_drift` (CONTRACTS §9)."""
    return f"{namespace}:{namespace}.schema.published", f"{namespace}:{namespace}.schema.deprecated"


def default_group(repo: str) -> str:
    """One group per repo: watchers of one repo share events; other repos get them all too."""
    return f"schema-drift.{repo}"


def default_consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _name(raw: Mapping[str, str | None], flag: str, default: str, limit: int, example: str) -> str:
    value = (raw.get(flag) or "").strip() or default
    if len(value) > limit or not value.isprintable() or any(ch.isspace() for ch in value):
        raise SettingsError(
            f"--{flag}: {value[:60]!r} must be 1 to {limit} printable characters without "
            f"spaces, e.g. {example}"
        )
    return value


def subscribe_options(
    raw: Mapping[str, str | None], *, namespace: str, repo: str
) -> SubscribeOptions:
    """The --subscribe flags, validated (SettingsError names the flag and an accepted value)."""
    try:
        import redis  # noqa: F401, PLC0415 - the subscription is Redis; say so before starting
    except ImportError:
        raise SettingsError(
            "--subscribe reads Pulse from Redis and the redis package is missing; "
            "pip install 'schema-drift-action[pulse]'"
        ) from None
    published, deprecated = default_streams(namespace)
    text = (raw.get("claim-after") or "").strip()
    try:
        claim_after = float(text) if text else DEFAULT_CLAIM_AFTER
    except ValueError:
        claim_after = -1.0
    if not 0.1 <= claim_after <= 86400:
        raise SettingsError(f"--claim-after: {text!r} is not seconds in 0.1..86400, e.g. 60")
    return SubscribeOptions(
        group=_name(raw, "group", default_group(repo), MAX_GROUP_CHARS, "schema-drift.store"),
        consumer=_name(raw, "consumer", default_consumer(), MAX_GROUP_CHARS, "watcher-1"),
        published_stream=_name(raw, "published-stream", published, MAX_STREAM_CHARS, published),
        deprecated_stream=_name(raw, "deprecated-stream", deprecated, MAX_STREAM_CHARS, deprecated),
        claim_after=claim_after,
    )


def reconnect_delay(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Between half and all of RECONNECT_BASE * 2**attempt, capped at RECONNECT_CAP."""
    ceiling = min(RECONNECT_CAP, RECONNECT_BASE * 2.0 ** min(attempt, 30))
    return ceiling / 2 + rng() * ceiling / 2


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class _Throttled:
    """Log lines about one recurring problem at most once per `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.next, self.quiet = seconds, 0.0, 0

    def warn(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now < self.next:
            self.quiet += 1
            return
        suffix = f" ({self.quiet} more since the last such line)" if self.quiet else ""
        log.warning(message + suffix, *args)
        self.next, self.quiet = now + self.seconds, 0


@dataclass(frozen=True)
class Effects:
    """What the watch does with an event's outcome once it took effect."""

    rechecked: Callable[[SchemaResult], None]
    deprecated: Callable[[str, SchemaDeprecated], None]


class Subscriber:
    """One consumer of the group, for as long as `run()` runs (cancel it to stop)."""

    def __init__(
        self,
        *,
        url: str,
        namespace: str,
        repo: str,
        options: SubscribeOptions,
        registry: Registry,
        registry_url: str,
        verdicts: Verdicts,
        metrics: EventMetrics,
        effects: Effects,
        concurrency: int = 16,
    ) -> None:
        self.url, self.namespace, self.repo, self.options = url, namespace, repo, options
        self.registry, self.registry_url, self.verdicts = registry, registry_url, verdicts
        self.metrics, self.effects = metrics, effects
        self.view: LocalView | None = None
        self.ready = asyncio.Event()  # set once the first full check gave a view
        self.kinds = {
            options.published_stream: Kind.PUBLISHED,
            options.deprecated_stream: Kind.DEPRECATED,
        }
        self.pulse_key = stream_key(namespace)
        self._client: Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._slots = asyncio.Semaphore(concurrency)
        # Entries by (stream, id): two streams can hold the same id.
        self._in_flight: set[tuple[str, str]] = set()
        self._done: OrderedDict[tuple[str, str], None] = OrderedDict()
        # schema → time.time() an event last re-checked it / marked it deprecated
        self._rechecked: dict[str, float] = {}
        self._deprecated: dict[str, float] = {}
        self._malformed_logged = 0
        self._failures = _Throttled(FAILURE_LOG_SECONDS)

    # -- the view and the full check ------------------------------------------------------

    def update_view(self, view: LocalView) -> None:
        self.view = view
        self.ready.set()

    def rechecked_since(self, started: float) -> set[str]:
        """Schemas an event re-checked after `started` (newer than that full check's data)."""
        return {schema for schema, when in self._rechecked.items() if when >= started}

    def deprecated_since(self, started: float) -> set[str]:
        """Schemas an event marked deprecated after `started`."""
        return {schema for schema, when in self._deprecated.items() if when >= started}

    async def emit_changes(self, report: DriftReport, only: set[str], *, now: float) -> str | None:
        """The full check's Pulse events, each sent unless the group already knows it."""
        client = self._client
        if client is None:
            return f"Pulse at {self._safe_url()} is unreachable; the check's events were not sent"
        keys: list[str] = [self.pulse_key]
        args: list[str | bytes] = [str(STATE_TTL), str(PULSE_MAXLEN)]
        items = {item.schema: item for item in report.schemas}
        for envelope in self._envelopes(report, only=only, now=now, cause="check"):
            item = items[envelope["key"]]
            keys.append(self._state_key(report.track, item.schema))
            args += [
                token("published", item.registry_sha or "", item.local_sha or ""),
                encode_event(envelope),
            ]
        if len(keys) == 1:
            return None
        try:
            await self._script(client, _CHANGES)(keys=keys, args=args, client=client)
        except Exception as exc:  # fail open, as every telemetry sink
            return f"publishing the check's events to {self.pulse_key} failed: {type(exc).__name__}"
        return None

    # -- the connection ---------------------------------------------------------------------

    def _safe_url(self) -> str:
        from drift.sinks.pulse import _safe_url  # noqa: PLC0415

        return _safe_url(self.url)

    def _connect(self) -> Redis:
        from redis.asyncio import Redis  # noqa: PLC0415

        client: Redis = Redis.from_url(
            self.url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=self._block() + CONNECT_TIMEOUT,
        )
        return client

    def _script(self, client: Redis, text: str) -> AsyncScript:
        """The script, run by EVALSHA (loaded again by redis-py after a Redis restart)."""
        script = self._scripts.get(text)
        if script is None:
            script = self._scripts[text] = client.register_script(text)
        return script

    def _block(self) -> float:
        return min(BLOCK_SECONDS, self.options.claim_after / 2)

    async def _ensure_groups(self, client: Redis, start: str) -> None:
        from redis.exceptions import ResponseError  # noqa: PLC0415

        for key in self.kinds:
            try:
                await client.xgroup_create(key, self.options.group, id=start, mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def run(self) -> None:
        """Consume until cancelled; a lost connection is retried with backoff, forever."""
        from redis.exceptions import RedisError  # noqa: PLC0415

        attempt, first, down_since = 0, True, 0.0
        while True:
            client = self._connect()
            try:
                # A group created for the first time starts at the end ("$"): the first
                # full check covers the past. A group that vanished while connected
                # (Redis restarted empty) is re-created at "0": all of it is news.
                await self._ensure_groups(client, "$" if first else "0")
                first = False
                self._client = client
                self.metrics.connected.set(1)
                if attempt:
                    log.info(
                        "Pulse is back after %.1f s; following events again",
                        time.monotonic() - down_since,
                    )
                attempt = 0
                await self.ready.wait()
                await self._consume(client)
            except (RedisError, OSError) as exc:
                self._client = None
                self.metrics.connected.set(0)
                self.metrics.reconnects.inc()
                if attempt == 0:
                    down_since = time.monotonic()
                    log.warning(
                        "Pulse at %s is unreachable (%s); reconnecting with backoff, "
                        "the full check keeps running on --interval",
                        self._safe_url(),
                        type(exc).__name__,
                    )
                await asyncio.sleep(reconnect_delay(attempt))
                attempt += 1
            except Exception as exc:  # a bug: said, then the same as a lost connection
                self._client = None
                self.metrics.connected.set(0)
                self.metrics.reconnects.inc()
                log.error(
                    "following events failed (%s: %s); starting again", type(exc).__name__, exc
                )
                await asyncio.sleep(reconnect_delay(attempt))
                attempt += 1
            finally:
                self._client = None
                await client.aclose()

    async def _consume(self, client: Redis) -> None:
        # First what this consumer was given and never acknowledged (a restart under
        # the same --consumer name), then news; a claim pass every half --claim-after.
        await self._drain_own(client)
        next_claim = 0.0
        while True:
            if time.monotonic() >= next_claim:
                await self._claim(client)
                next_claim = time.monotonic() + self.options.claim_after / 2
            reply = await self._read(client, dict.fromkeys(self.kinds, ">"))
            await self._handle_reply(client, reply)

    async def _read(self, client: Redis, starts: dict[str, str]) -> Any:
        """XREADGROUP on both streams: ">" waits for news, an id reads this consumer's pending."""
        from redis.exceptions import ResponseError  # noqa: PLC0415

        news = ">" in starts.values()
        streams: dict[Any, Any] = dict(starts)  # redis-py's parameter type is invariant
        try:
            return await client.xreadgroup(
                self.options.group,
                self.options.consumer,
                streams,
                count=READ_COUNT,
                block=int(self._block() * 1000) if news else None,
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            log.warning(
                "the consumer group %s vanished (Redis restarted?); re-created it",
                self.options.group,
            )
            await self._ensure_groups(client, "0")
            return []

    async def _drain_own(self, client: Redis) -> None:
        """This consumer's pending entries (delivered before a restart), each read once."""
        starts = dict.fromkeys(self.kinds, "0")
        for _ in range(CLAIM_PAGES):
            reply = await self._read(client, starts)
            more = False
            for stream, entries in reply or []:
                if entries:
                    starts[_text(stream)] = _text(entries[-1][0])
                    more = True
            if not more:
                return
            await self._handle_reply(client, reply)

    async def _handle_reply(self, client: Redis, reply: Any) -> int:
        batch: list[tuple[str, Kind, str, Mapping[bytes, bytes]]] = []
        for stream, entries in reply or []:
            key = _text(stream)
            kind = self.kinds.get(key)
            if kind is None:
                continue
            for entry_id, fields in entries:
                batch.append((key, kind, _text(entry_id), fields or {}))
        return await self._handle_batch(client, batch)

    async def _claim(self, client: Redis) -> None:
        idle = int(self.options.claim_after * 1000)
        for key, kind in self.kinds.items():
            start: str = "0-0"
            for _ in range(CLAIM_PAGES):
                reply = await client.xautoclaim(
                    key, self.options.group, self.options.consumer, idle, start, count=READ_COUNT
                )
                start = _text(reply[0])
                claimed = [
                    (key, kind, _text(entry_id), fields or {})
                    for entry_id, fields in reply[1]
                    if (key, _text(entry_id)) not in self._in_flight
                ]
                if claimed:
                    self.metrics.claimed.inc(len(claimed))
                    await self._handle_batch(client, await self._give_up(client, claimed))
                if start == "0-0":
                    break

    async def _give_up(
        self, client: Redis, claimed: list[tuple[str, Kind, str, Mapping[bytes, bytes]]]
    ) -> list[tuple[str, Kind, str, Mapping[bytes, bytes]]]:
        """Drop (ack, count, log) the claimed entries delivered more than MAX_DELIVERIES times."""
        key, kind = claimed[0][0], claimed[0][1]
        ids = [entry_id for _, _, entry_id, _ in claimed]
        pending = await client.xpending_range(
            key,
            self.options.group,
            min(ids, key=_order),
            max(ids, key=_order),
            len(ids),
            consumername=self.options.consumer,
        )
        deliveries = {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        keep = []
        for entry in claimed:
            if deliveries.get(entry[2], 0) <= MAX_DELIVERIES:
                keep.append(entry)
                continue
            await client.xack(key, self.options.group, entry[2])
            self.metrics.received.labels(kind.value).inc()
            self.metrics.skipped.labels(kind.value, SkipReason.GAVE_UP).inc()
            log.error(
                "event %s on %s could not be handled in %d deliveries; dropped (the full "
                "check on --interval covers its schema)",
                entry[2],
                key,
                MAX_DELIVERIES,
            )
        return keep

    # -- handling -----------------------------------------------------------------------------

    async def _handle_batch(
        self, client: Redis, batch: Iterable[tuple[str, Kind, str, Mapping[bytes, bytes]]]
    ) -> int:
        """Handle a batch: one schema's events in order, different schemas concurrently."""
        by_schema: dict[tuple[str, str], list[tuple[str, LifecycleEvent]]] = {}
        count = 0
        for key, kind, entry_id, fields in batch:
            if (key, entry_id) in self._in_flight:
                continue
            count += 1
            self.metrics.received.labels(kind.value).inc()
            if (key, entry_id) in self._done:
                await client.xack(key, self.options.group, entry_id)
                self.metrics.skipped.labels(kind.value, SkipReason.DUPLICATE).inc()
                continue
            try:
                event = parse_entry(kind, entry_id, fields)
            except MalformedEvent as exc:
                await client.xack(key, self.options.group, entry_id)
                self.metrics.malformed.labels(kind.value).inc()
                self._log_malformed(key, entry_id, str(exc))
                continue
            by_schema.setdefault((event.track, event.name), []).append((key, event))
            self._in_flight.add((key, entry_id))
        results = await asyncio.gather(
            *(self._handle_in_order(client, events) for events in by_schema.values()),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result  # a lost connection: run() reconnects
        return count

    async def _handle_in_order(
        self, client: Redis, events: list[tuple[str, LifecycleEvent]]
    ) -> None:
        from redis.exceptions import RedisError  # noqa: PLC0415

        try:
            for key, event in events:
                try:
                    async with self._slots:
                        await self._handle(client, key, event)
                except (RedisError, OSError):
                    raise
                except Exception as exc:  # a bug must not stop the watcher: retried, then dropped
                    self.metrics.failed.labels(event.kind.value).inc()
                    self._failures.warn(
                        "event %s (%s) could not be handled: %s", event.entry_id, event.name, exc
                    )
                self._in_flight.discard((key, event.entry_id))
        finally:
            for key, event in events:
                self._in_flight.discard((key, event.entry_id))

    def _log_malformed(self, key: str, entry_id: str, problem: str) -> None:
        self._malformed_logged += 1
        if self._malformed_logged <= MALFORMED_LOG_LIMIT:
            log.warning("skipped malformed event %s on %s: %s", entry_id, key, problem)
        if self._malformed_logged == MALFORMED_LOG_LIMIT:
            log.warning("further malformed events are counted, not logged")

    def _state_key(self, track: str, schema: str) -> str:
        return f"{self.namespace}:schema-drift.{self.options.group}:{track}:{schema}"

    def _envelopes(
        self, report: DriftReport, *, only: set[str] | None, now: float, cause: str
    ) -> list[dict[str, Any]]:
        envelopes = build_events(report, repo=self.repo, now=now, only=only)
        for envelope in envelopes:
            # Which watcher said it and why: the payload (and its hash) stays as the sink's.
            envelope["meta"]["headers"].update({"consumer": self.options.consumer, "cause": cause})
        return envelopes

    async def _handle(self, client: Redis, key: str, event: LifecycleEvent) -> None:
        kind = event.kind.value
        view = self.view
        assert view is not None  # run() waits for the first full check
        aim = target(event, view)
        if isinstance(aim, SkipReason):
            await client.xack(key, self.options.group, event.entry_id)
            self.metrics.skipped.labels(kind, aim).inc()
            self._remember(key, event.entry_id)
            return
        state_key = self._state_key(event.track, aim.identity)
        if isinstance(event.event, SchemaDeprecated):
            if await self._commit(client, key, event, state_key, deprecated_token(event.event), []):
                self.metrics.handled.labels(kind, "deprecated").inc()
                self._deprecated[aim.identity] = time.time()
                self.effects.deprecated(aim.identity, event.event)
            return
        news = published_token(event.event, aim)
        if await client.get(state_key) == news.encode():  # cheap early exit; the script decides
            await client.xack(key, self.options.group, event.entry_id)
            self.metrics.skipped.labels(kind, SkipReason.DUPLICATE).inc()
            self._remember(key, event.entry_id)
            return
        try:
            item = await recheck(
                event.event, aim, self.registry, self.verdicts, registry_url=self.registry_url
            )
        except RegistryError as exc:  # left pending: claimed and tried again later
            self.metrics.failed.labels(kind).inc()
            self._failures.warn("event %s: %s; it stays pending", event.entry_id, exc)
            return
        report = DriftReport(track=event.track, registry_url=self.registry_url, generated_at="")
        report.schemas = [item]
        envelopes = self._envelopes(
            report, only=None, now=time.time(), cause=f"{key}/{event.entry_id}"
        )
        if await self._commit(
            client, key, event, state_key, news, [encode_event(e) for e in envelopes]
        ):
            outcome = "drift" if item.status is Status.DRIFT else "synced"
            self.metrics.handled.labels(kind, outcome).inc()
            self.metrics.latency.labels(outcome).observe(max(0.0, time.time() - event.ts))
            self._rechecked[item.schema] = time.time()
            self.effects.rechecked(item)

    async def _commit(
        self,
        client: Redis,
        key: str,
        event: LifecycleEvent,
        state_key: str,
        news: str,
        data: list[bytes],
    ) -> bool:
        """Ack, remember and emit in one script; True when it took effect (not a duplicate)."""
        done = await self._script(client, _COMMIT)(
            keys=[key, state_key, self.pulse_key],
            args=[
                self.options.group,
                event.entry_id,
                news,
                str(STATE_TTL),
                str(PULSE_MAXLEN),
                *data,
            ],
            client=client,
        )
        self._remember(key, event.entry_id)
        if int(done) == COMMITTED:
            return True
        self.metrics.skipped.labels(event.kind.value, SkipReason.DUPLICATE).inc()
        return False

    def _remember(self, key: str, entry_id: str) -> None:
        self._done[key, entry_id] = None
        while len(self._done) > REMEMBERED_IDS:
            self._done.popitem(last=False)


def _order(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)
