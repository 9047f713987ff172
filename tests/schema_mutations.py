"""Realistic JSON Schemas, random realistic edits to them, and instances generated from them.

Used by tests/test_diff_soundness.py. Three parts:

* `BASE_SCHEMAS`: small pydantic-style models covering the keywords real schemas use.
* `mutants(base)`: a Hypothesis strategy applying 1-3 random realistic edits to a schema.
* `instances(schema)`: hypothesis-jsonschema instances of a schema. hypothesis-jsonschema
  speaks draft-07 and cannot follow recursive `$ref`s, so the schema is first rewritten
  into a draft-07 schema accepting a *subset* of its instances: `$ref`s inlined (a
  recursive one unrolled twice, then `false`), 2020-12 `prefixItems`/`items` turned into
  `items`/`additionalItems`, annotations dropped, extra properties of a model drawn from a
  fixed list of names (see `_pad_properties`). Callers still validate every instance
  against the original schema, so a generator imprecision can never pose as an engine bug.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import jsonschema
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, Unsatisfiable
from hypothesis_jsonschema import from_schema
from hypothesis_jsonschema._canonicalise import HypothesisRefResolutionError
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

Schema = dict[str, Any]
Draw = Callable[..., Any]
Path = tuple[str | int, ...]

DRAFT7 = "http://json-schema.org/draft-07/schema#"
DRAFT2020 = "https://json-schema.org/draft/2020-12/schema"
# What `jsonschema.validators.validator_for` picks for a schema without `$schema`.
DEFAULT_VALIDATOR: type[jsonschema.protocols.Validator] = jsonschema.Draft202012Validator


class UnsupportedForGeneration(Exception):
    """The generator cannot produce instances of this schema (e.g. a remote `$ref`)."""


# Everything that means "hypothesis-jsonschema cannot generate from this schema".
GENERATION_ERRORS: tuple[type[BaseException], ...] = (
    UnsupportedForGeneration,
    HypothesisRefResolutionError,
    InvalidArgument,
    Unsatisfiable,
    jsonschema.exceptions.SchemaError,
    Unresolvable,
    RecursionError,
)

# ----------------------------------------------------------------------------------------
# Base schemas: what pydantic v2 emits (2020-12, no `$schema`) and some draft-07 classics.
# ----------------------------------------------------------------------------------------

BASE_SCHEMAS: dict[str, Schema] = {
    "Order": {
        "title": "Order",
        "description": "A purchase order.",
        "type": "object",
        "$defs": {
            "Currency": {"title": "Currency", "type": "string", "enum": ["USD", "EUR", "GBP"]},
            "Address": {
                "title": "Address",
                "type": "object",
                "properties": {
                    "street": {"title": "Street", "type": "string", "maxLength": 40},
                    "zip": {"title": "Zip", "type": "string", "pattern": "^[0-9]{5}$"},
                },
                "required": ["street"],
            },
        },
        "properties": {
            "id": {"title": "Id", "type": "string", "pattern": "^[A-Z]{3}$"},
            "quantity": {"title": "Quantity", "type": "integer", "minimum": 1, "maximum": 1000},
            "price": {
                "title": "Price",
                "type": "number",
                "exclusiveMinimum": 0,
                "multipleOf": 0.5,
            },
            "currency": {"$ref": "#/$defs/Currency"},
            "note": {
                "anyOf": [{"type": "string", "maxLength": 20}, {"type": "null"}],
                "default": None,
                "title": "Note",
            },
            "shipping": {"$ref": "#/$defs/Address"},
            "tags": {
                "title": "Tags",
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 8},
                "maxItems": 4,
                "uniqueItems": True,
            },
            "express": {"title": "Express", "type": "boolean", "default": False},
        },
        "required": ["id", "quantity", "currency"],
        "additionalProperties": False,
    },
    "User": {
        "title": "User",
        "type": "object",
        "properties": {
            "username": {
                "title": "Username",
                "type": "string",
                "minLength": 3,
                "maxLength": 12,
                "pattern": "^[a-z]+$",
            },
            "age": {
                "anyOf": [{"type": "integer", "minimum": 0, "maximum": 150}, {"type": "null"}],
                "default": None,
                "title": "Age",
            },
            "role": {"title": "Role", "enum": ["admin", "user", "guest"], "type": "string"},
            "version": {"title": "Version", "const": 2},
            "active": {"title": "Active", "type": "boolean", "default": True},
            "level": {"title": "Level", "type": "integer", "enum": [1, 2, 3]},
            "score": {"title": "Score", "type": "number", "minimum": 0, "maximum": 10},
            "email": {"title": "Email", "type": ["string", "null"], "maxLength": 30},
        },
        "required": ["username", "role"],
    },
    # pydantic's output for a self-referencing model.
    "TreeNode": {
        "$defs": {
            "TreeNode": {
                "title": "TreeNode",
                "type": "object",
                "properties": {
                    "label": {"title": "Label", "type": "string", "minLength": 1, "maxLength": 10},
                    "weight": {"title": "Weight", "type": "integer", "minimum": 0},
                    "children": {
                        "title": "Children",
                        "type": "array",
                        "items": {"$ref": "#/$defs/TreeNode"},
                        "maxItems": 3,
                    },
                },
                "required": ["label"],
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/TreeNode",
    },
    # A discriminated union, as pydantic emits `Annotated[Click | Key | Scroll, Field(...)]`.
    "Envelope": {
        "title": "Envelope",
        "type": "object",
        "$defs": {
            "Click": {
                "title": "Click",
                "type": "object",
                "properties": {
                    "kind": {"title": "Kind", "const": "click", "type": "string"},
                    "x": {"title": "X", "type": "integer", "minimum": 0, "maximum": 1920},
                    "y": {"title": "Y", "type": "integer", "minimum": 0, "maximum": 1080},
                },
                "required": ["kind", "x", "y"],
            },
            "Key": {
                "title": "Key",
                "type": "object",
                "properties": {
                    "kind": {"title": "Kind", "const": "key", "type": "string"},
                    "key": {"title": "Key", "type": "string", "minLength": 1, "maxLength": 1},
                },
                "required": ["kind", "key"],
            },
            "Scroll": {
                "title": "Scroll",
                "type": "object",
                "properties": {
                    "kind": {"title": "Kind", "const": "scroll", "type": "string"},
                    "delta": {"title": "Delta", "type": "number", "minimum": -100, "maximum": 100},
                },
                "required": ["kind", "delta"],
            },
        },
        "properties": {
            "source": {"title": "Source", "type": "string", "maxLength": 16},
            "event": {
                "title": "Event",
                "oneOf": [
                    {"$ref": "#/$defs/Click"},
                    {"$ref": "#/$defs/Key"},
                    {"$ref": "#/$defs/Scroll"},
                ],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {
                        "click": "#/$defs/Click",
                        "key": "#/$defs/Key",
                        "scroll": "#/$defs/Scroll",
                    },
                },
            },
        },
        "required": ["event"],
    },
    "Measurement": {
        "$schema": DRAFT7,
        "title": "Measurement",
        "type": "object",
        "properties": {
            "value": {"type": "number", "minimum": -1000, "maximum": 1000},
            "unit": {"type": "string", "enum": ["m", "s", "kg"]},
            "samples": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 1,
                "maxItems": 5,
            },
            "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "count": {"type": "integer", "multipleOf": 5, "minimum": 0},
            "sensor": {"$ref": "#/definitions/Sensor"},
        },
        "required": ["value", "unit"],
        "additionalProperties": {"type": "string"},
        "definitions": {
            "Sensor": {
                "type": "object",
                "properties": {
                    "serial": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "calibrated": {"type": "boolean"},
                },
                "required": ["serial"],
                "additionalProperties": False,
            }
        },
    },
    # Tuples, 2020-12 style.
    "Route": {
        "$schema": DRAFT2020,
        "title": "Route",
        "type": "object",
        "properties": {
            "start": {
                "type": "array",
                "prefixItems": [{"type": "number"}, {"type": "number"}],
                "items": False,
                "minItems": 2,
            },
            "hops": {
                "type": "array",
                "prefixItems": [{"type": "string"}, {"type": "integer", "minimum": 0}],
                "items": {"type": "boolean"},
                "maxItems": 4,
            },
            "name": {"type": "string", "minLength": 1},
        },
        "required": ["start"],
        "additionalProperties": False,
    },
    # Tuples, draft-07 style; a recursive model through the root `#`.
    "Category": {
        "$schema": DRAFT7,
        "title": "Category",
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 12},
            "range": {
                "type": "array",
                "items": [{"type": "integer"}, {"type": "integer"}],
                "additionalItems": False,
            },
            "row": {
                "type": "array",
                "items": [{"type": "string"}, {"type": "number"}],
                "additionalItems": {"type": "string", "maxLength": 4},
            },
            "sub": {"type": "array", "items": {"$ref": "#"}, "maxItems": 2},
        },
        "required": ["name"],
    },
    # A top-level array of models.
    "Batch": {
        "title": "Batch",
        "type": "array",
        "items": {"$ref": "#/$defs/Item"},
        "minItems": 1,
        "maxItems": 3,
        "$defs": {
            "Item": {
                "title": "Item",
                "type": "object",
                "properties": {
                    "sku": {"title": "Sku", "type": "string", "pattern": "^[A-Z]{3}$"},
                    "qty": {"title": "Qty", "type": "integer", "exclusiveMinimum": 0},
                    "status": {"$ref": "#/$defs/Status"},
                },
                "required": ["sku", "qty"],
            },
            "Status": {"title": "Status", "type": "string", "enum": ["new", "done"]},
            "Legacy": {"title": "Legacy", "type": "string", "enum": ["new", "done", "lost"]},
        },
    },
}

# ----------------------------------------------------------------------------------------
# Walking schemas
# ----------------------------------------------------------------------------------------

_SCHEMA_VALUED = (
    "additionalProperties",
    "additionalItems",
    "items",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_LIST_VALUED = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_MAP_VALUED = (
    "properties",
    "patternProperties",
    "dependentSchemas",
    "dependencies",
    "$defs",
    "definitions",
)


def subschemas(schema: Any, path: Path = ()) -> Iterator[tuple[Path, Schema]]:
    """Every object subschema of `schema` (itself included) with its path."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for key in _SCHEMA_VALUED:
        if isinstance(schema.get(key), dict):
            yield from subschemas(schema[key], (*path, key))
    for key in _LIST_VALUED:
        if isinstance(schema.get(key), list):
            for index, sub in enumerate(schema[key]):
                yield from subschemas(sub, (*path, key, index))
    for key in _MAP_VALUED:
        if isinstance(schema.get(key), dict):
            for name, sub in schema[key].items():
                yield from subschemas(sub, (*path, key, name))


def node_at(schema: Any, path: Path) -> Any:
    for part in path:
        schema = schema[part]
    return schema


def pointer(path: Path) -> str:
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def types_of(node: Schema) -> set[str]:
    """The JSON types a schema node is about (declared, or implied by its keywords)."""
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    implied: set[str] = set()
    if "properties" in node or "required" in node or "additionalProperties" in node:
        implied.add("object")
    if "items" in node or "prefixItems" in node:
        implied.add("array")
    return implied


def is_object(node: Schema) -> bool:
    return "object" in types_of(node)


# ----------------------------------------------------------------------------------------
# Edits
# ----------------------------------------------------------------------------------------

NEW_PROPERTY_NAMES = ("extra", "comment", "score2", "flag", "zz")
SIMPLE_SCHEMAS: tuple[Schema, ...] = (
    {"type": "string"},
    {"type": "string", "maxLength": 5},
    {"type": "integer", "minimum": 0},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "null"},
    {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
    {"enum": ["a", "b"]},
    {"const": 1},
)
PATTERNS = ("^[A-Z]{3}$", "^[a-z]+$", "^[A-Z]", "^[a-z0-9_]{1,8}$", "^[0-9]+$", "^[A-Za-z]{2,}$")
PRIMITIVE_TYPES = ("string", "integer", "number", "boolean", "null")
LENGTH_BOUNDS = ("minLength", "maxLength")
NUMBER_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
ARRAY_BOUNDS = ("minItems", "maxItems", "uniqueItems")
MULTIPLES = (0.25, 0.5, 1, 2, 3, 5, 10)
ANNOTATIONS = ("title", "description")


@dataclass(frozen=True)
class Mutation:
    name: str
    applies: Callable[[Schema, Schema], bool]  # (root, node) -> bool
    apply: Callable[[Draw, Schema, Schema], str]  # (draw, root, node) -> what it did


def _properties(node: Schema) -> dict[str, Any]:
    props = node.get("properties")
    return props if isinstance(props, dict) else {}


def _required(node: Schema) -> list[str]:
    req = node.get("required")
    return req if isinstance(req, list) else []


def _set_required(node: Schema, names: list[str]) -> None:
    if names:
        node["required"] = names
    else:
        node.pop("required", None)


def _add_property(draw: Draw, root: Schema, node: Schema) -> str:
    free = [n for n in NEW_PROPERTY_NAMES if n not in _properties(node)]
    name = draw(st.sampled_from(free))
    node.setdefault("properties", {})[name] = copy.deepcopy(draw(st.sampled_from(SIMPLE_SCHEMAS)))
    required = draw(st.booleans())
    if required:
        _set_required(node, [*_required(node), name])
    return f"added {'required' if required else 'optional'} property {name!r}"


def _remove_property(draw: Draw, root: Schema, node: Schema) -> str:
    name = draw(st.sampled_from(sorted(_properties(node))))
    del node["properties"][name]
    _set_required(node, [n for n in _required(node) if n != name])
    return f"removed property {name!r}"


def _add_required(draw: Draw, root: Schema, node: Schema) -> str:
    optional = [n for n in _properties(node) if n not in _required(node)]
    name = draw(st.sampled_from(optional))
    _set_required(node, [*_required(node), name])
    return f"made {name!r} required"


def _remove_required(draw: Draw, root: Schema, node: Schema) -> str:
    declared = [n for n in _required(node) if n in _properties(node)]
    name = draw(st.sampled_from(declared))
    _set_required(node, [n for n in _required(node) if n != name])
    return f"made {name!r} optional"


def _type_changeable(root: Schema, node: Schema) -> bool:
    declared = node.get("type")
    if "enum" in node or "const" in node:
        return False
    if isinstance(declared, str):
        return declared in PRIMITIVE_TYPES
    return isinstance(declared, list) and all(t in PRIMITIVE_TYPES for t in declared)


def _change_type(draw: Draw, root: Schema, node: Schema) -> str:
    old = node["type"]
    if isinstance(old, list):
        choices: list[Any] = [[t for t in old if t != drop] for drop in old if len(old) > 1]
        choices += [[*old, t] for t in PRIMITIVE_TYPES if t not in old]
        new: Any = draw(st.sampled_from(choices))
        if len(new) == 1:
            new = new[0]
    else:
        swap = {"integer": "number", "number": "integer"}
        preferred = [swap[old]] if old in swap else []
        others = [t for t in PRIMITIVE_TYPES if t != old and t not in preferred]
        new = draw(
            st.one_of(
                st.sampled_from([*preferred, *others]),
                st.sampled_from(others).map(lambda t: [old, t]),
            )
        )
    node["type"] = new
    return f"type {old!r} -> {new!r}"


def _enum_candidates(values: list[Any]) -> list[Any]:
    if all(isinstance(v, str) for v in values):
        return [c for c in ("zeta", "new", "other") if c not in values]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers:
        top = max(numbers)
        return [top + 1, top + 7, -1]
    return ["x", 0, None]


def _has_enum(root: Schema, node: Schema) -> bool:
    return (isinstance(node.get("enum"), list) and bool(node["enum"])) or "const" in node


def _change_enum(draw: Draw, root: Schema, node: Schema) -> str:
    if "const" in node:
        old = node["const"]
        extra = draw(st.sampled_from(_enum_candidates([old])))
        if draw(st.booleans()):
            del node["const"]
            node["enum"] = [old, extra]
            return f"const {old!r} -> enum {node['enum']!r}"
        node["const"] = extra
        return f"const {old!r} -> {extra!r}"
    old_values = list(node["enum"])
    widen = len(old_values) == 1 or draw(st.booleans())
    if widen:
        node["enum"] = [*old_values, draw(st.sampled_from(_enum_candidates(old_values)))]
    else:
        gone = draw(st.sampled_from(old_values))
        node["enum"] = [v for v in old_values if v != gone]
    return f"enum {old_values!r} -> {node['enum']!r}"


def _bound_keywords(node: Schema) -> list[str]:
    types = types_of(node)
    keywords: list[str] = []
    if "enum" in node or "const" in node:
        return keywords
    if "string" in types:
        keywords += LENGTH_BOUNDS
    if types & {"integer", "number"}:
        keywords += NUMBER_BOUNDS
    if "array" in types:
        keywords += ARRAY_BOUNDS
    return keywords


def _bound_value(draw: Draw, node: Schema, keyword: str) -> Any:
    old = node.get(keyword)
    if keyword == "uniqueItems":
        return not old
    if keyword == "multipleOf":
        integral = types_of(node) == {"integer"}
        pool = [m for m in MULTIPLES if m != old and (not integral or isinstance(m, int))]
        return draw(st.sampled_from(pool))
    if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
        if old is not None:
            return max(0, old + draw(st.sampled_from([-2, -1, 1, 2])))
        low, high = ("minLength", "maxLength") if "Length" in keyword else ("minItems", "maxItems")
        floor = node.get(low, 0) if keyword == high else 0
        ceiling = node.get(high, 12) if keyword == low else 12
        return draw(st.integers(floor, max(floor, ceiling)))
    # minimum, maximum, exclusiveMinimum, exclusiveMaximum
    if old is not None:
        return old + draw(st.sampled_from([-5, -1, -0.5, 0.5, 1, 5]))
    anchors = [node[k] for k in ("minimum", "maximum", "exclusiveMinimum") if k in node]
    return (anchors[0] if anchors else 0) + draw(st.sampled_from([-10, -1, 0, 1, 5, 100]))


def _change_bound(draw: Draw, root: Schema, node: Schema) -> str:
    keyword = draw(st.sampled_from(_bound_keywords(node)))
    old = node.get(keyword)
    if old is not None and draw(st.booleans()):
        del node[keyword]
        return f"removed {keyword} {old!r}"
    node[keyword] = _bound_value(draw, node, keyword)
    return f"{keyword} {old!r} -> {node[keyword]!r}"


def _is_string(root: Schema, node: Schema) -> bool:
    return "string" in types_of(node) and "enum" not in node and "const" not in node


def _change_pattern(draw: Draw, root: Schema, node: Schema) -> str:
    old = node.get("pattern")
    if old is not None and draw(st.booleans()):
        del node["pattern"]
        return f"removed pattern {old!r}"
    node["pattern"] = draw(st.sampled_from([p for p in PATTERNS if p != old]))
    return f"pattern {old!r} -> {node['pattern']!r}"


_ABSENT = "<absent>"
ADDITIONAL_PROPERTIES: tuple[Any, ...] = (
    _ABSENT,
    True,
    False,
    {"type": "string"},
    {"type": "integer"},
)


def _flip_additional_properties(draw: Draw, root: Schema, node: Schema) -> str:
    old = node.get("additionalProperties", _ABSENT)
    new = draw(st.sampled_from([v for v in ADDITIONAL_PROPERTIES if v != old]))
    if new == _ABSENT:
        del node["additionalProperties"]
    else:
        node["additionalProperties"] = copy.deepcopy(new)
    return f"additionalProperties {old!r} -> {new!r}"


def _nullable_branches(schema: Any) -> list[Any] | None:
    """The non-null branches of a pydantic `Optional[X]` (anyOf [X, {type: null}])."""
    if not isinstance(schema, dict) or not isinstance(schema.get("anyOf"), list):
        return None
    branches = schema["anyOf"]
    if {"type": "null"} not in branches or len(branches) != 2:
        return None
    return [b for b in branches if b != {"type": "null"}]


def _toggle_nullable(draw: Draw, root: Schema, node: Schema) -> str:
    name = draw(st.sampled_from(sorted(_properties(node))))
    prop = node["properties"][name]
    inner = _nullable_branches(prop)
    if inner is not None and len(inner) == 1 and isinstance(inner[0], dict):
        rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
        node["properties"][name] = {**inner[0], **rest}
        return f"unwrapped Optional from property {name!r}"
    annotations = {k: prop.pop(k) for k in ANNOTATIONS if isinstance(prop, dict) and k in prop}
    node["properties"][name] = {
        "anyOf": [prop, {"type": "null"}],
        "default": None,
        **annotations,
    }
    return f"wrapped property {name!r} in anyOf [..., null]"


def _has_branches(root: Schema, node: Schema) -> bool:
    return any(isinstance(node.get(k), list) for k in ("anyOf", "oneOf"))


def _variant(kind: str) -> Schema:
    return {
        "title": kind.title(),
        "type": "object",
        "properties": {
            "kind": {"title": "Kind", "const": kind, "type": "string"},
            "value": {"title": "Value", "type": "integer"},
        },
        "required": ["kind"],
    }


def _change_branches(draw: Draw, root: Schema, node: Schema) -> str:
    keyword = draw(
        st.sampled_from([k for k in ("anyOf", "oneOf") if isinstance(node.get(k), list)])
    )
    branches = node[keyword]
    if len(branches) > 1 and draw(st.booleans()):
        index = draw(st.integers(0, len(branches) - 1))
        gone = branches.pop(index)
        return f"removed {keyword} branch {index}: {gone!r}"
    discriminated = "discriminator" in node or any(
        isinstance(b, dict) and "$ref" in b for b in branches
    )
    pool = [_variant("drag"), _variant("click")] if discriminated else list(SIMPLE_SCHEMAS)
    new = copy.deepcopy(draw(st.sampled_from(pool)))
    branches.append(new)
    return f"added {keyword} branch {new!r}"


def _definitions(root: Schema) -> list[str]:
    refs: list[str] = []
    for keyword in ("$defs", "definitions"):
        if isinstance(root.get(keyword), dict):
            refs += [f"#/{keyword}/{name}" for name in root[keyword]]
    return refs


def _retargetable(root: Schema, node: Schema) -> bool:
    ref = node.get("$ref")
    return isinstance(ref, str) and ref in _definitions(root) and len(_definitions(root)) > 1


def _retarget_ref(draw: Draw, root: Schema, node: Schema) -> str:
    old = node["$ref"]
    node["$ref"] = draw(st.sampled_from([r for r in _definitions(root) if r != old]))
    return f"$ref {old!r} -> {node['$ref']!r}"


def _cosmetic(draw: Draw, root: Schema, node: Schema) -> str:
    keyword = draw(st.sampled_from(ANNOTATIONS))
    old = node.get(keyword)
    if old is not None and draw(st.booleans()):
        del node[keyword]
        return f"removed {keyword}"
    node[keyword] = draw(st.sampled_from(["Renamed", "Better words.", "X"]))
    return f"{keyword} {old!r} -> {node[keyword]!r}"


def _is_tuple(root: Schema, node: Schema) -> bool:
    return isinstance(node.get("prefixItems"), list) or isinstance(node.get("items"), list)


TRAILING_ITEMS: tuple[Any, ...] = (_ABSENT, False, {"type": "string"}, True)


def _change_tuple(draw: Draw, root: Schema, node: Schema) -> str:
    modern = isinstance(node.get("prefixItems"), list)
    positional, trailing = ("prefixItems", "items") if modern else ("items", "additionalItems")
    action = draw(st.sampled_from(["append", "drop", "trailing"]))
    if action == "append":
        new = copy.deepcopy(draw(st.sampled_from(SIMPLE_SCHEMAS)))
        node[positional].append(new)
        return f"appended tuple item {new!r}"
    if action == "drop" and len(node[positional]) > 1:
        gone = node[positional].pop()
        return f"dropped last tuple item {gone!r}"
    old = node.get(trailing, _ABSENT)
    new = draw(st.sampled_from([v for v in TRAILING_ITEMS if v != old]))
    if new == _ABSENT:
        del node[trailing]
    else:
        node[trailing] = copy.deepcopy(new)
    return f"{trailing} {old!r} -> {new!r}"


MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "add_property",
        lambda root, node: (
            is_object(node) and any(n not in _properties(node) for n in NEW_PROPERTY_NAMES)
        ),
        _add_property,
    ),
    Mutation("remove_property", lambda root, node: bool(_properties(node)), _remove_property),
    Mutation(
        "add_required",
        lambda root, node: any(n not in _required(node) for n in _properties(node)),
        _add_required,
    ),
    Mutation(
        "remove_required",
        lambda root, node: any(n in _properties(node) for n in _required(node)),
        _remove_required,
    ),
    Mutation("change_type", _type_changeable, _change_type),
    Mutation("change_enum", _has_enum, _change_enum),
    Mutation("change_bound", lambda root, node: bool(_bound_keywords(node)), _change_bound),
    Mutation("change_pattern", _is_string, _change_pattern),
    Mutation(
        "flip_additional_properties",
        lambda root, node: is_object(node),
        _flip_additional_properties,
    ),
    Mutation("toggle_nullable", lambda root, node: bool(_properties(node)), _toggle_nullable),
    Mutation("change_branches", _has_branches, _change_branches),
    Mutation("retarget_ref", _retargetable, _retarget_ref),
    Mutation("cosmetic", lambda root, node: True, _cosmetic),
    Mutation("change_tuple", _is_tuple, _change_tuple),
)


@dataclass(frozen=True)
class Mutant:
    schema: Schema
    edits: list[str] = field(default_factory=list)


@st.composite
def mutants(draw: Draw, base: Schema, max_edits: int = 3) -> Mutant:
    """`base` after 1 to `max_edits` random realistic edits (each described in `edits`)."""
    schema = copy.deepcopy(base)
    edits: list[str] = []
    for _ in range(draw(st.integers(1, max_edits))):
        sites = list(subschemas(schema))
        usable = [m for m in MUTATIONS if any(m.applies(schema, node) for _, node in sites)]
        mutation = draw(st.sampled_from(usable))
        path = draw(st.sampled_from([p for p, node in sites if mutation.applies(schema, node)]))
        what = mutation.apply(draw, schema, node_at(schema, path))
        edits.append(f"{mutation.name} at {pointer(path)}: {what}")
    return Mutant(schema, edits)


# ----------------------------------------------------------------------------------------
# Validation and generation
# ----------------------------------------------------------------------------------------


def _key(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True)


def validator_class(
    schema: Any, default: type[jsonschema.protocols.Validator] = DEFAULT_VALIDATOR
) -> type[jsonschema.protocols.Validator]:
    if isinstance(schema, dict):
        return validator_for(schema, default=default)  # type: ignore[no-any-return]
    return default


@lru_cache(maxsize=2048)
def _validator(key: str, default: type[jsonschema.protocols.Validator]) -> Any:
    schema = json.loads(key)
    return validator_class(schema, default)(schema, format_checker=None)


def validation_error(
    schema: Any,
    instance: Any,
    default: type[jsonschema.protocols.Validator] = DEFAULT_VALIDATOR,
) -> jsonschema.ValidationError | None:
    """The most relevant reason `schema` rejects `instance`, or None if it accepts it."""
    errors = _validator(_key(schema), default).iter_errors(instance)
    return jsonschema.exceptions.best_match(errors)  # type: ignore[no-any-return]


def describe_error(error: jsonschema.ValidationError) -> str:
    return (
        f"{error.message} (at instance {error.json_path}, "
        f"schema keyword path {'/'.join(str(p) for p in error.absolute_schema_path)})"
    )


# Keywords hypothesis-jsonschema understands (draft-07 vocabulary). Everything else
# (annotations, `format`, `discriminator`, `$id`, …) is dropped: without them the
# generator's instances are a superset, and they are checked against the original anyway.
_KEEP = frozenset(
    {
        "type",
        "enum",
        "const",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
    }
)
MAX_UNROLL = 2


def _resolve(root: Any, ref: str) -> Any:
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        raise UnsupportedForGeneration(f"non-local $ref {ref!r}")
    target = root
    for raw in ref[2:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(target, list):
            target = target[int(part)]
        elif isinstance(target, dict) and part in target:
            target = target[part]
        else:
            raise UnsupportedForGeneration(f"unresolvable $ref {ref!r}")
    return target


class _Generatable:
    def __init__(self, root: Any, modern: bool) -> None:
        self.root = root
        self.modern = modern  # 2019-09+: `$ref` siblings apply

    def convert(self, node: Any, stack: tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if stack.count(ref) >= MAX_UNROLL:
                return False
            target = self.convert(_resolve(self.root, ref), (*stack, ref))
            if not self.modern:
                return target
            rest = self.convert({k: v for k, v in node.items() if k != "$ref"}, stack)
            if rest in ({}, True):
                return target
            return {**rest, "allOf": [*rest.get("allOf", []), target]}
        out: Schema = {k: copy.deepcopy(v) for k, v in node.items() if k in _KEEP}
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                out[key] = [self.convert(s, stack) for s in node[key]]
        for key in (
            "not",
            "additionalProperties",
            "contains",
            "propertyNames",
            "if",
            "then",
            "else",
        ):
            if key in node:
                out[key] = self.convert(node[key], stack)
        for key in ("properties", "patternProperties"):
            if isinstance(node.get(key), dict):
                out[key] = {n: self.convert(s, stack) for n, s in node[key].items()}
        if isinstance(node.get("dependencies"), dict):
            out["dependencies"] = {
                n: s if isinstance(s, list) else self.convert(s, stack)
                for n, s in node["dependencies"].items()
            }
        if "prefixItems" in node:
            out["items"] = [self.convert(s, stack) for s in node["prefixItems"]]
            if "items" in node:
                out["additionalItems"] = self.convert(node["items"], stack)
        elif isinstance(node.get("items"), list):
            out["items"] = [self.convert(s, stack) for s in node["items"]]
            if "additionalItems" in node:
                out["additionalItems"] = self.convert(node["additionalItems"], stack)
        elif "items" in node:
            out["items"] = self.convert(node["items"], stack)
        _pad_properties(out)
        return out


# hypothesis-jsonschema draws each optional property name with `.filter(not yet drawn)` from
# one_of(any text, the declared optional names), and a branch that fails the filter three
# times aborts the whole test case: a third of them, on these models. So a model's extra
# properties are drawn from a fixed list instead: the names the edits add (the only extra
# names whose values an edit can constrain) and a few others, with values its
# `additionalProperties` allows, and the model is closed to other names (a subset of its
# instances). A closed model also gets `maxProperties` = its property count, which it
# cannot exceed anyway and which stops the name draws once every name is used.
EXTRA_NAMES = (*NEW_PROPERTY_NAMES, "zq0", "zq1")
ANY_SMALL_VALUE: Schema = {
    "anyOf": [
        {"type": ["null", "boolean", "integer", "number", "string"]},
        {"type": "array", "items": {"type": ["integer", "string"]}, "maxItems": 2},
    ]
}


def _pad_properties(out: Schema) -> None:
    properties = out.get("properties")
    if not isinstance(properties, dict) or any(
        k in out for k in ("patternProperties", "propertyNames", "allOf", "anyOf", "oneOf")
    ):
        return
    if any(name not in properties for name in out.get("required", [])):
        return
    additional = out.get("additionalProperties", True)
    if additional is not False:
        value = ANY_SMALL_VALUE if additional in (True, {}) else additional
        for name in EXTRA_NAMES:
            properties.setdefault(name, copy.deepcopy(value))
        out["additionalProperties"] = False
    out["maxProperties"] = min(out.get("maxProperties", len(properties)), len(properties))


def generation_schema(
    schema: Any, default: type[jsonschema.protocols.Validator] = DEFAULT_VALIDATOR
) -> Any:
    """A draft-07, `$ref`-free schema whose instances all satisfy `schema`, mostly."""
    cls = validator_class(schema, default)
    modern = cls in (jsonschema.Draft201909Validator, jsonschema.Draft202012Validator)
    converted = _Generatable(schema, modern).convert(schema, ())
    if isinstance(converted, dict):
        converted["$schema"] = DRAFT7
    return converted


@lru_cache(maxsize=2048)
def _instances(key: str, default: type[jsonschema.protocols.Validator]) -> Any:
    return from_schema(generation_schema(json.loads(key), default))


def instances(
    schema: Any, default: type[jsonschema.protocols.Validator] = DEFAULT_VALIDATOR
) -> st.SearchStrategy[Any]:
    """hypothesis-jsonschema instances of `schema` (see the module docstring).

    Raises one of GENERATION_ERRORS, now or when drawn from, if that is impossible.
    """
    return _instances(_key(schema), default)  # type: ignore[no-any-return]
