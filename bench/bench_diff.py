"""Benchmark the JSON Schema diff engine (`drift.diff.diff_schemas`) in-process.

    python bench/bench_diff.py [--n 1000] [--repeat 3] [--seed 1]
                               [--adv-k 60] [--adv-inner 30] [--adv-limit 60] [--profile]

Batch: N pydantic-style schema pairs (old, new), where NEW is OLD after 0-4 realistic
edits (properties added/removed, a type changed, an enum widened or narrowed, bounds
moved, $core_version bumped, a description edited, a $defs model changed). The whole
batch is diffed for full/lenient and backward/strict; best and median of --repeat runs,
per-pair time, pairs by severity, and the tracemalloc peak of one full/lenient batch.

Adversarial: an anyOf of K object branches, each holding its own anyOf of K' branches;
NEW reorders every list and perturbs every leaf, so no branch is textually equal and the
engine must compare branches pairwise (about K^2 * K'^2 comparisons). Timed with the
default budget (it should give up with one `too_complex` change) and, in a subprocess
killed after --adv-limit seconds, with an unlimited budget.
Targets: each batch's median <= 1 s per 1000 pairs; the adversarial case ends in
`too_complex` under the default budget within a loose 5 s.
A benchmark, not a gate: it always exits 0 and marks missed targets with MISS.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import json
import pstats
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drift.diff import ChangeKind, DiffResult, Severity, diff_schemas
from drift.diff.engine import DEFAULT_BUDGET

TRACK = "v1"
REFERENCE_N = 1000
BATCH_MAX_SECONDS_PER_1000 = 1.0  # target: the whole batch of 1000 pairs in <= 1 s
ADVERSARIAL_MAX_SECONDS = 5.0  # loose: catches work the budget does not count
UNLIMITED_BUDGET = 10**9
CHILD_MEMORY_LIMIT = 4 * 1024**3  # address-space cap for the unlimited-budget child
COMBOS = (("full", "lenient"), ("backward", "strict"))
SEVERITIES = tuple(severity.value for severity in Severity)

FIELD_NAMES = (
    "id", "user_id", "account_id", "session_id", "event_type", "name", "email", "status",
    "created_at", "updated_at", "amount", "currency", "quantity", "price", "symbol", "venue",
    "side", "score", "tags", "labels", "source", "country", "locale", "version", "enabled",
    "retries", "latency_ms", "payload", "metadata", "address", "notes", "priority", "region",
    "channel", "reference", "comment", "owner", "due_date", "discount", "weight", "height",
    "rating", "sku", "phone", "timezone", "checksum", "attempts", "ttl_seconds",
)  # fmt: skip
SUB_MODELS = (
    "Address", "LineItem", "Money", "Contact", "Period", "GeoPoint", "Attachment",
    "AuditInfo", "Limits", "Device",
)  # fmt: skip
ENUM_MODELS = ("Status", "Priority", "Channel", "Tier")
UNION_BRANCHES = (("Card", "card"), ("BankTransfer", "bank"), ("Wallet", "wallet"))
UNION_FIELDS = ("payment", "target", "shape", "delivery")
ENUM_VALUES = ("low", "medium", "high", "critical", "unknown", "pending", "done", "archived")
FORMATS = ("email", "uri", "date-time", "date", "uuid", "ipv4")
PATTERNS = (r"^[A-Z]{3}$", r"^[a-z0-9_-]+$", r"^\d{4}-\d{2}-\d{2}$", r"^\+?[0-9 ]{6,20}$")
SIMPLE_TYPES = ("string", "integer", "number", "boolean")


# ---------------------------------------------------------------- schema generation


def _title(name: str) -> str:
    return name.replace("_", " ").title()


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _string(rng: random.Random, title: str) -> dict[str, Any]:
    prop: dict[str, Any] = {"title": title, "type": "string"}
    roll = rng.random()
    if roll < 0.3:
        prop["format"] = rng.choice(FORMATS)
    elif roll < 0.5:
        prop["pattern"] = rng.choice(PATTERNS)
    if rng.random() < 0.5:
        prop["maxLength"] = rng.choice((16, 32, 64, 128, 255))
        if rng.random() < 0.3:
            prop["minLength"] = 1
    return prop


def _integer(rng: random.Random, title: str) -> dict[str, Any]:
    prop: dict[str, Any] = {"title": title, "type": "integer"}
    if rng.random() < 0.6:
        prop["minimum"] = rng.choice((0, 1))
    if rng.random() < 0.4:
        prop["maximum"] = rng.choice((10, 100, 1000, 65535))
    return prop


def _number(rng: random.Random, title: str) -> dict[str, Any]:
    prop: dict[str, Any] = {"title": title, "type": "number"}
    if rng.random() < 0.4:
        prop["exclusiveMinimum"] = 0
    if rng.random() < 0.2:
        prop["maximum"] = 1e6
    return prop


def _simple(rng: random.Random, name: str, kind: str | None = None) -> dict[str, Any]:
    title = _title(name)
    kind = kind or rng.choice(SIMPLE_TYPES)
    if kind == "string":
        return _string(rng, title)
    if kind == "integer":
        return _integer(rng, title)
    if kind == "number":
        return _number(rng, title)
    return {"default": False, "title": title, "type": "boolean"}


def _enum_model(rng: random.Random, name: str) -> dict[str, Any]:
    values = sorted(rng.sample(ENUM_VALUES, rng.randint(2, 5)))
    return {"enum": values, "title": name, "type": "string"}


def _sub_model(rng: random.Random, name: str) -> dict[str, Any]:
    fields = rng.sample(FIELD_NAMES, rng.randint(2, 6))
    properties = {f: _simple(rng, f) for f in fields}
    model: dict[str, Any] = {
        "properties": properties,
        "required": fields[: rng.randint(1, len(fields))],
        "title": name,
        "type": "object",
    }
    if rng.random() < 0.3:
        model["description"] = f"A {name} value."
    return model


def _branch_model(rng: random.Random, name: str, tag: str) -> dict[str, Any]:
    """One branch of a discriminated union: a required `kind` whose const tells it apart."""
    fields = rng.sample(FIELD_NAMES, rng.randint(1, 4))
    properties: dict[str, Any] = {"kind": {"const": tag, "title": "Kind", "type": "string"}}
    properties |= {f: _simple(rng, f) for f in fields}
    return {
        "properties": properties,
        "required": ["kind", *fields[: rng.randint(0, len(fields))]],
        "title": name,
        "type": "object",
    }


def _optional(rng: random.Random, name: str, defs: dict[str, Any]) -> dict[str, Any]:
    models = sorted(n for n, d in defs.items() if d.get("type") == "object")
    if models and rng.random() < 0.25:
        inner = _ref(rng.choice(models))
    else:
        inner = _simple(rng, name)
        inner.pop("title")
        inner.pop("default", None)
    return {"anyOf": [inner, {"type": "null"}], "default": None, "title": _title(name)}


def _property(
    rng: random.Random, name: str, defs: dict[str, Any], target: str | None
) -> dict[str, Any]:
    """A pydantic-like property; `target` is a $defs model that must be referenced here."""
    title = _title(name)
    if target is not None:
        if defs[target].get("enum"):
            prop = _ref(target)
            if rng.random() < 0.5:
                prop["default"] = defs[target]["enum"][0]
            return prop
        shape = rng.choice(("ref", "ref", "array", "optional"))
        if shape == "array":
            return {"items": _ref(target), "title": title, "type": "array"}
        if shape == "optional":
            return {"anyOf": [_ref(target), {"type": "null"}], "default": None, "title": title}
        return _ref(target)
    roll = rng.random()
    if roll < 0.45:
        return _simple(rng, name)
    if roll < 0.60:
        return _optional(rng, name, defs)
    if roll < 0.70:
        return {
            "enum": sorted(rng.sample(ENUM_VALUES, rng.randint(2, 4))),
            "title": title,
            "type": "string",
        }
    if roll < 0.82:
        prop: dict[str, Any] = {"items": {"type": "string"}, "title": title, "type": "array"}
        if rng.random() < 0.3:
            prop["maxItems"] = rng.choice((5, 10, 50))
        return prop
    if roll < 0.92:
        fields = rng.sample(FIELD_NAMES, rng.randint(2, 3))
        return {
            "properties": {f: _simple(rng, f) for f in fields},
            "required": fields[:1],
            "title": title,
            "type": "object",
        }
    kind = rng.choice(("integer", "number", "string"))
    return {"additionalProperties": {"type": kind}, "title": title, "type": "object"}


def make_schema(rng: random.Random, index: int) -> dict[str, Any]:
    """A pydantic v2 `model_json_schema()`-like document plus the registry's `$` keys."""
    model = f"Model{index:04d}"
    defs: dict[str, Any] = {}
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.25:
            name = rng.choice(ENUM_MODELS)
            defs.setdefault(name, _enum_model(rng, name))
        else:
            name = rng.choice(SUB_MODELS)
            defs.setdefault(name, _sub_model(rng, name))
    names = rng.sample(FIELD_NAMES, rng.randint(5, 20))
    slots = rng.sample(range(len(names)), len(defs))  # every $defs model is referenced
    chosen = dict(zip(slots, sorted(defs), strict=True))
    properties = {name: _property(rng, name, defs, chosen.get(i)) for i, name in enumerate(names)}
    if rng.random() < 0.3:  # a discriminated union, as pydantic writes it
        union = rng.sample(UNION_BRANCHES, rng.randint(2, 3))
        for name, tag in union:
            defs[name] = _branch_model(rng, name, tag)
        field_name = rng.choice(UNION_FIELDS)
        properties[field_name] = {
            "discriminator": {
                "mapping": {tag: f"#/$defs/{name}" for name, tag in union},
                "propertyName": "kind",
            },
            "oneOf": [_ref(name) for name, _ in union],
            "title": _title(field_name),
        }
        names.append(field_name)
    required = [n for n in names if "default" not in properties[n] and "anyOf" not in properties[n]]
    schema: dict[str, Any] = {
        "$core_version": f"1.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
        "$defs": dict(sorted(defs.items())),
        "$schema_id": f"bench.{model}",
        "$track": TRACK,
        "properties": properties,
        "required": required[: rng.randint(1, max(1, len(required)))],
        "title": model,
        "type": "object",
    }
    if rng.random() < 0.5:
        schema["description"] = f"Benchmark model number {index}."
    if rng.random() < 0.2:
        schema["additionalProperties"] = False  # model_config = {"extra": "forbid"}
    return schema


# ---------------------------------------------------------------- realistic edits

Edit = Callable[[random.Random, dict[str, Any]], str | None]


def _models(schema: dict[str, Any], with_root: bool = True) -> list[dict[str, Any]]:
    """The object models of a document: the root and its object $defs."""
    found = [schema] if with_root else []
    defs = schema.get("$defs", {})
    found += [defs[name] for name in sorted(defs) if "properties" in defs[name]]
    return found


def _typed_properties(schema: dict[str, Any], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        prop
        for model in _models(schema)
        for name, prop in model["properties"].items()
        if name != "kind" and any(key in prop for key in keys)
    ]


def edit_add_optional(rng: random.Random, schema: dict[str, Any]) -> str | None:
    model = rng.choice(_models(schema))
    name = rng.choice([f for f in FIELD_NAMES if f not in model["properties"]])
    model["properties"][name] = {
        "anyOf": [{"type": rng.choice(SIMPLE_TYPES)}, {"type": "null"}],
        "default": None,
        "title": _title(name),
    }
    return "add-optional"


def edit_add_required(rng: random.Random, schema: dict[str, Any]) -> str | None:
    model = rng.choice(_models(schema))
    name = rng.choice([f for f in FIELD_NAMES if f not in model["properties"]])
    model["properties"][name] = _simple(rng, name)
    model["required"] = [*model.get("required", []), name]
    return "add-required"


def edit_remove(rng: random.Random, schema: dict[str, Any]) -> str | None:
    model = rng.choice(_models(schema))
    names = [n for n in model["properties"] if n != "kind"]
    if len(names) < 2:
        return None
    name = rng.choice(names)
    removed = model["properties"].pop(name)
    if "$ref" in json.dumps(removed):
        model["properties"][name] = removed  # keep every $defs model referenced
        return None
    model["required"] = [n for n in model.get("required", []) if n != name]
    return "remove"


def edit_change_type(rng: random.Random, schema: dict[str, Any]) -> str | None:
    candidates = [p for p in _typed_properties(schema, ("type",)) if p["type"] in SIMPLE_TYPES]
    if not candidates:
        return None
    prop = rng.choice(candidates)
    before = prop["type"]
    after = {"integer": "number", "number": "string", "boolean": "string"}.get(before, "integer")
    if rng.random() < 0.3:
        after = rng.choice([t for t in SIMPLE_TYPES if t != before])
    kept = {"title", "description"} | (
        {"minimum", "maximum", "exclusiveMinimum"}
        if {before, after} <= {"integer", "number"}
        else set()
    )
    for key in [k for k in prop if k not in kept]:
        del prop[key]
    prop["type"] = after
    return "change-type"


def _enums(schema: dict[str, Any]) -> list[dict[str, Any]]:
    defs = schema.get("$defs", {})
    return _typed_properties(schema, ("enum",)) + [d for d in defs.values() if "enum" in d]


def edit_widen_enum(rng: random.Random, schema: dict[str, Any]) -> str | None:
    candidates = [e for e in _enums(schema) if len(e["enum"]) < len(ENUM_VALUES)]
    if not candidates:
        return None
    node = rng.choice(candidates)
    node["enum"] = sorted([*node["enum"], rng.choice(sorted(set(ENUM_VALUES) - set(node["enum"])))])
    return "widen-enum"


def edit_narrow_enum(rng: random.Random, schema: dict[str, Any]) -> str | None:
    candidates = [e for e in _enums(schema) if len(e["enum"]) > 2]
    if not candidates:
        return None
    node = rng.choice(candidates)
    node["enum"].remove(rng.choice(node["enum"][1:]))  # keep the first: it may be a default
    return "narrow-enum"


def edit_bounds(rng: random.Random, schema: dict[str, Any]) -> str | None:
    keys = ("maxLength", "minLength", "minimum", "maximum", "maxItems", "exclusiveMinimum")
    candidates = _typed_properties(schema, keys)
    if not candidates:
        return None
    prop = rng.choice(candidates)
    key = rng.choice([k for k in keys if k in prop])
    if key in ("maxLength", "maxItems", "maximum"):
        prop[key] = prop[key] * 2 if rng.random() < 0.5 else max(1, prop[key] // 2)
    else:
        prop[key] = prop[key] + 1 if rng.random() < 0.5 else max(0, prop[key] - 1)
    return "bounds"


def edit_bump_version(rng: random.Random, schema: dict[str, Any]) -> str | None:
    major, minor, patch = (int(part) for part in schema["$core_version"].split("."))
    if rng.random() < 0.5:
        schema["$core_version"] = f"{major}.{minor}.{patch + 1}"
    else:
        schema["$core_version"] = f"{major}.{minor + 1}.0"
    return "bump-version"


def edit_description(rng: random.Random, schema: dict[str, Any]) -> str | None:
    model = rng.choice(_models(schema))
    node = rng.choice([model, *model["properties"].values()])
    node["description"] = (
        f"{node.get('description', 'Describes it')} (revised {rng.randint(2, 99)})."
    )
    return "description"


def edit_def_model(rng: random.Random, schema: dict[str, Any]) -> str | None:
    defs = _models(schema, with_root=False)
    if not defs:
        return None
    model = rng.choice(defs)
    roll = rng.random()
    optional = [n for n in model["properties"] if n not in model.get("required", [])]
    if roll < 0.4:
        name = rng.choice([f for f in FIELD_NAMES if f not in model["properties"]])
        model["properties"][name] = _simple(rng, name)
    elif roll < 0.7 and optional:
        model["required"] = [*model.get("required", []), rng.choice(optional)]
    else:
        name = rng.choice([n for n in model["properties"] if n != "kind"] or ["kind"])
        if name == "kind":
            return None
        model["properties"][name] = _simple(rng, name)  # re-rolled: type or bounds may differ
    return "def-model"


EDITS: tuple[Edit, ...] = (
    edit_add_optional,
    edit_add_required,
    edit_remove,
    edit_change_type,
    edit_widen_enum,
    edit_narrow_enum,
    edit_bounds,
    edit_bump_version,
    edit_description,
    edit_def_model,
)


@dataclass
class Pair:
    old: dict[str, Any]
    new: dict[str, Any]
    edits: list[str] = field(default_factory=list)


def make_pair(rng: random.Random, index: int) -> Pair:
    old = make_schema(rng, index)
    new = copy.deepcopy(old)
    edits: list[str] = []
    for _ in range(rng.randint(0, 4)):
        for _attempt in range(10):
            done = rng.choice(EDITS)(rng, new)
            if done is not None:
                edits.append(done)
                break
    return Pair(old, new, edits)


def make_pairs(n: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)
    return [make_pair(rng, index) for index in range(1, n + 1)]


# ---------------------------------------------------------------- batch measurements


@dataclass
class BatchRun:
    mode: str
    policy: str
    times: list[float]
    results: list[DiffResult]

    @property
    def label(self) -> str:
        return f"{self.mode}/{self.policy}"

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def severities(self) -> Counter[str]:
        return Counter(result.severity.value for result in self.results)


def run_batch(pairs: list[Pair], mode: str, policy: str) -> list[DiffResult]:
    return [diff_schemas(p.old, p.new, mode=mode, policy=policy) for p in pairs]


def time_batch(pairs: list[Pair], mode: str, policy: str, repeat: int) -> BatchRun:
    times: list[float] = []
    results: list[DiffResult] = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        results = run_batch(pairs, mode, policy)
        times.append(time.perf_counter() - started)
    return BatchRun(mode, policy, times, results)


def peak_memory_mb(pairs: list[Pair], mode: str, policy: str) -> float:
    """tracemalloc peak while one batch runs (its results kept), inputs excluded."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        results = run_batch(pairs, mode, policy)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del results
    return peak / (1024 * 1024)


def profile_batch(pairs: list[Pair], mode: str, policy: str, top: int = 15) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run_batch(pairs, mode, policy)
    profiler.disable()
    print(f"cProfile of one {mode}/{policy} batch (n={len(pairs)}), top {top} by tottime:")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(pstats.SortKey.TIME).print_stats(top)


# ---------------------------------------------------------------- the adversarial case


def _leaf(i: int, j: int, bump: int) -> dict[str, Any]:
    return {
        "properties": {
            "code": {"maxLength": 8 + j + bump, "type": "string"},
            "count": {"minimum": i, "type": "integer"},
        },
        "required": ["code"],
        "type": "object",
    }


def adversarial_pair(k: int, inner: int, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """anyOf of k objects, each with an anyOf of `inner` leaves; NEW reorders and perturbs all."""
    rng = random.Random(seed)

    def document(bump: int, shuffle: bool) -> dict[str, Any]:
        branches = []
        for i in range(k):
            leaves = [_leaf(i, j, bump) for j in range(inner)]
            if shuffle:
                rng.shuffle(leaves)
            branches.append(
                {
                    "properties": {"id": {"type": "integer"}, "value": {"anyOf": leaves}},
                    "required": ["id", "value"],
                    "title": f"Branch {i}",
                    "type": "object",
                }
            )
        if shuffle:
            rng.shuffle(branches)
        return {"$schema_id": "bench.Adversarial", "anyOf": branches, "title": "Adversarial"}

    return document(0, shuffle=False), document(1, shuffle=True)


@dataclass
class Adversarial:
    k: int
    inner: int
    budget_times: list[float]
    budget_result: str
    budget_changes: int
    unlimited_seconds: float | None  # None: did not finish
    unlimited_result: str
    unlimited_changes: int | None
    unlimited_note: str = ""


def describe(result: DiffResult) -> str:
    if any(change.kind is ChangeKind.TOO_COMPLEX for change in result.changes):
        return ChangeKind.TOO_COMPLEX.value
    return f"finished:{result.severity.value}"


def adversarial_child(args: argparse.Namespace) -> int:
    """Run in a subprocess: one unlimited-budget diff; prints one JSON line."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
    old, new = adversarial_pair(args.adv_k, args.adv_inner, args.seed)
    diff_schemas({"type": "string"}, {"type": "integer"})  # import the engine before timing
    started = time.perf_counter()
    try:
        result = diff_schemas(old, new, mode="full", policy="lenient", budget=UNLIMITED_BUDGET)
    except MemoryError:
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "result": "memory-error", "changes": None}))
        return 0
    seconds = time.perf_counter() - started
    print(
        json.dumps({"seconds": seconds, "result": describe(result), "changes": len(result.changes)})
    )
    return 0


def run_unlimited(args: argparse.Namespace) -> tuple[float | None, str, int | None, str]:
    command = [
        sys.executable, __file__, "--adversarial-child",
        "--adv-k", str(args.adv_k), "--adv-inner", str(args.adv_inner), "--seed", str(args.seed),
    ]  # fmt: skip
    grace = 10.0  # interpreter start-up, imports and building the documents
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.adv_limit + grace, check=False
        )
    except subprocess.TimeoutExpired:
        return None, "did-not-finish", None, f"killed after {args.adv_limit + grace:g}s wall"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return None, "child-failed", None, f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
    report = json.loads(lines[-1])
    if report["result"] == "memory-error":
        limit = CHILD_MEMORY_LIMIT / 1024**3
        return (
            None,
            "memory-error",
            None,
            f"MemoryError at {limit:g}GB after {report['seconds']:.1f}s",
        )
    if report["seconds"] > args.adv_limit:
        return None, "did-not-finish", None, f"took {report['seconds']:.1f}s"
    return report["seconds"], report["result"], report["changes"], ""


def measure_adversarial(args: argparse.Namespace) -> Adversarial:
    old, new = adversarial_pair(args.adv_k, args.adv_inner, args.seed)
    times: list[float] = []
    result: DiffResult | None = None
    for _ in range(args.repeat):
        gc.collect()
        started = time.perf_counter()
        result = diff_schemas(old, new, mode="full", policy="lenient")
        times.append(time.perf_counter() - started)
    assert result is not None
    print(
        f"adversarial K={args.adv_k}x{args.adv_inner}: unlimited budget "
        f"(subprocess, up to {args.adv_limit:g}s) ...",
        file=sys.stderr,
        flush=True,
    )
    seconds, outcome, changes, note = run_unlimited(args)
    return Adversarial(
        args.adv_k,
        args.adv_inner,
        times,
        describe(result),
        len(result.changes),
        seconds,
        outcome,
        changes,
        note,
    )


# ---------------------------------------------------------------- targets and output


def batch_limit(n: int) -> float:
    return BATCH_MAX_SECONDS_PER_1000 * n / REFERENCE_N


def batch_misses(run: BatchRun, n: int) -> list[str]:
    limit = batch_limit(n)
    return [f"median {run.median:.2f}s > {limit:g}s"] if run.median > limit else []


def adversarial_misses(adv: Adversarial) -> list[str]:
    found = []
    if adv.budget_result != ChangeKind.TOO_COMPLEX.value:
        found.append(f"default budget did not trip (result {adv.budget_result})")
    median = statistics.median(adv.budget_times)
    if median > ADVERSARIAL_MAX_SECONDS:
        found.append(f"gave up after {median:.2f}s > {ADVERSARIAL_MAX_SECONDS:g}s")
    return found


def sanity_warnings(pairs: list[Pair], run: BatchRun) -> list[str]:
    warnings = []
    for number, (pair, result) in enumerate(zip(pairs, run.results, strict=True), 1):
        if not pair.edits and result.changes:
            warnings.append(
                f"{run.label} pair {number}: no edits but {len(result.changes)} changes"
            )
        if pair.edits and pair.old != pair.new and not result.changes:
            warnings.append(f"{run.label} pair {number}: edits {pair.edits} but no changes")
        if any(change.kind is ChangeKind.TOO_COMPLEX for change in result.changes):
            warnings.append(f"{run.label} pair {number}: too_complex on a realistic schema")
    return warnings


def print_table(header: list[str], rows: list[list[str]]) -> None:
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for number, row in enumerate(table):
        print("  ".join(text.rjust(width) for text, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def print_batch_table(runs: list[BatchRun], n: int) -> None:
    rows = [
        [
            run.label,
            f"{run.best:.3f}s",
            f"{run.median:.3f}s",
            f"{run.best / n * 1e6:.0f}us",
            *(str(run.severities.get(severity, 0)) for severity in SEVERITIES),
            str(sum(len(result.changes) for result in run.results)),
        ]
        for run in runs
    ]
    print_table(["mode/policy", "best", "median", "per-pair", *SEVERITIES, "changes"], rows)


def print_workload(pairs: list[Pair]) -> None:
    edits = Counter(edit for pair in pairs for edit in pair.edits)
    per_pair = Counter(len(pair.edits) for pair in pairs)
    sizes = [len(json.dumps(pair.old)) for pair in pairs]
    unions = sum('"oneOf"' in json.dumps(pair.old) for pair in pairs)
    print(
        f"workload: {len(pairs)} pairs, {min(sizes)}-{max(sizes)} bytes of JSON per schema "
        f"(median {statistics.median(sizes):.0f}), {unions} with a discriminated oneOf"
    )
    print("  edits per pair: " + ", ".join(f"{k}={per_pair[k]}" for k in sorted(per_pair)))
    print("  edits applied:  " + ", ".join(f"{k}={v}" for k, v in edits.most_common()))


def print_kinds(run: BatchRun, top: int = 12) -> None:
    kinds = Counter(change.kind.value for result in run.results for change in result.changes)
    shown = ", ".join(f"{kind}={count}" for kind, count in kinds.most_common(top))
    print(f"change kinds ({run.label}, top {top}): {shown}")


def print_adversarial(adv: Adversarial) -> None:
    unlimited = (
        f"{adv.unlimited_seconds:.2f}s" if adv.unlimited_seconds is not None else "did not finish"
    )
    per_step = f"{statistics.median(adv.budget_times) / DEFAULT_BUDGET * 1e6:.0f}us"
    rows = [
        [
            f"{DEFAULT_BUDGET} (default)",
            adv.budget_result,
            str(adv.budget_changes),
            f"{min(adv.budget_times):.3f}s",
            f"{statistics.median(adv.budget_times):.3f}s",
            per_step if adv.budget_result == ChangeKind.TOO_COMPLEX.value else "-",
        ],
        [
            f"{UNLIMITED_BUDGET} (unlimited)",
            adv.unlimited_result,
            "-" if adv.unlimited_changes is None else str(adv.unlimited_changes),
            unlimited,
            "-",
            "-",
        ],
    ]
    print(
        f"adversarial: anyOf of {adv.k} objects x anyOf of {adv.inner} leaves, "
        "reordered and every leaf perturbed (full/lenient)"
    )
    print_table(["budget", "result", "changes", "best", "median", "per-step"], rows)
    if adv.unlimited_note:
        print(f"  unlimited: {adv.unlimited_note}")


def summary_lines(
    runs: list[BatchRun], n: int, peak_mb: float | None, adv: Adversarial | None, limit: float
) -> list[str]:
    lines = []
    for run in runs:
        counts = " ".join(f"{s}={run.severities.get(s, 0)}" for s in SEVERITIES)
        line = (
            f"diff n={n} {run.label} best={run.best:.2f}s median={run.median:.2f}s "
            f"per-pair={run.best / n * 1e6:.0f}us {counts}"
        )
        if peak_mb is not None and run is runs[0]:
            line += f" peak={peak_mb:.1f}MB"
        missed = batch_misses(run, n)
        lines.append(line + (f"  MISS ({'; '.join(missed)})" if missed else ""))
    if adv is not None:
        name = f"adversarial K={adv.k}x{adv.inner}"
        line = (
            f"{name} budget={DEFAULT_BUDGET} result={adv.budget_result} "
            f"seconds={statistics.median(adv.budget_times):.2f}"
        )
        missed = adversarial_misses(adv)
        lines.append(line + (f"  MISS ({'; '.join(missed)})" if missed else ""))
        if adv.unlimited_seconds is not None:
            lines.append(
                f"{name} budget={UNLIMITED_BUDGET} result={adv.unlimited_result} "
                f"seconds={adv.unlimited_seconds:.2f}"
            )
        else:
            reason = f"did not finish in {limit:g} s"
            if adv.unlimited_result not in ("did-not-finish",):
                reason = f"{adv.unlimited_result} ({adv.unlimited_note})"
            lines.append(f"{name} budget={UNLIMITED_BUDGET} result={reason}")
    return lines


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=REFERENCE_N, help="schema pairs per batch")
    parser.add_argument("--repeat", type=int, default=3, help="batch runs; best and median")
    parser.add_argument("--seed", type=int, default=1, help="schema and edit generator seed")
    parser.add_argument("--adv-k", type=int, default=60, help="adversarial outer anyOf size")
    parser.add_argument("--adv-inner", type=int, default=30, help="adversarial inner anyOf size")
    parser.add_argument(
        "--adv-limit", type=float, default=60.0, help="seconds allowed for the unlimited budget"
    )
    parser.add_argument("--skip-adversarial", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile one full/lenient batch")
    parser.add_argument("--adversarial-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.adv_k < 1 or args.adv_inner < 1:
        parser.error("--n, --repeat, --adv-k and --adv-inner must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.adversarial_child:
        return adversarial_child(args)
    print(f"generating {args.n} schema pairs (seed {args.seed}) ...", file=sys.stderr, flush=True)
    pairs = make_pairs(args.n, args.seed)
    diff_schemas(pairs[0].old, pairs[0].new)  # import the engine before timing
    runs = []
    for mode, policy in COMBOS:
        print(f"timing {mode}/{policy} x{args.repeat} ...", file=sys.stderr, flush=True)
        runs.append(time_batch(pairs, mode, policy, args.repeat))
    print("measuring peak memory (tracemalloc) ...", file=sys.stderr, flush=True)
    peak_mb = peak_memory_mb(pairs, *COMBOS[0])
    adv = None if args.skip_adversarial else measure_adversarial(args)

    print(
        f"\ndiff_schemas: n={args.n} pairs seed={args.seed} repeat={args.repeat} "
        "(times are for the whole batch; per-pair = best / n)\n"
    )
    print_workload(pairs)
    print()
    print_batch_table(runs, args.n)
    print()
    for run in runs:
        print_kinds(run)
    print(
        f"peak traced memory during one {runs[0].label} batch: {peak_mb:.1f}MB "
        "(tracemalloc: Python allocations only, inputs excluded, results kept)"
    )
    if adv is not None:
        print()
        print_adversarial(adv)
    if args.profile:
        print()
        profile_batch(pairs, *COMBOS[0])
    print()
    for run in runs:
        warnings = sanity_warnings(pairs, run)
        for warning in warnings[:5]:
            print(f"WARNING {warning}")
        if len(warnings) > 5:
            print(f"WARNING {run.label}: {len(warnings) - 5} more like these")
    print("targets:")
    print(
        f"  each batch median <= {BATCH_MAX_SECONDS_PER_1000:g}s per {REFERENCE_N} pairs "
        f"(here {batch_limit(args.n):g}s for n={args.n})"
    )
    if adv is not None:
        print(
            f"  adversarial: the default budget ({DEFAULT_BUDGET}) ends in too_complex, "
            f"median <= {ADVERSARIAL_MAX_SECONDS:g}s"
        )
    print()
    for line in summary_lines(runs, args.n, peak_mb, adv, args.adv_limit):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
