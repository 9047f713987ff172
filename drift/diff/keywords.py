"""Which keywords the engine understands, and how."""

from __future__ import annotations

ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
METADATA = frozenset({"$schema", "$id", "id", "$core_version", "$schema_id", "$track"})
DEFINITIONS = frozenset({"$defs", "definitions"})
COMBINATORS = frozenset({"allOf", "anyOf", "oneOf", "not"})

SCALAR = frozenset({"type", "enum", "const"})
STRING = frozenset({"minLength", "maxLength", "pattern", "format"})
NUMBER = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
OBJECT = frozenset(
    {
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
    }
)
ARRAY = frozenset(
    {
        "items",
        "prefixItems",
        "additionalItems",
        "contains",
        "minContains",
        "maxContains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "unevaluatedItems",
    }
)
VALIDATION = SCALAR | STRING | NUMBER | OBJECT | ARRAY | COMBINATORS | {"$ref"}
IGNORED = ANNOTATIONS | METADATA | DEFINITIONS
KNOWN = VALIDATION | IGNORED

# Bounds: keyword → True for a lower bound (raising it rejects more), False for an upper one.
BOUNDS = {
    "minLength": True,
    "maxLength": False,
    "minItems": True,
    "maxItems": False,
    "minProperties": True,
    "maxProperties": False,
    "minContains": True,
    "maxContains": False,
}

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
