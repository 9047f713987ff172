"""Which keywords the engine understands, and how."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

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

# Keywords of some draft (03 to 2020-12) that the engine does not reason about: a change
# to one stays conservative (breaking), since a validator of that draft applies it.
UNMODELLED = frozenset(
    {
        "if",
        "then",
        "else",
        "contentSchema",
        "contentMediaType",
        "contentEncoding",
        "$anchor",
        "$dynamicRef",
        "$dynamicAnchor",
        "$recursiveRef",
        "$recursiveAnchor",
        "$vocabulary",
        "extends",
        "disallow",
        "divisibleBy",
    }
)
DRAFT_VOCABULARY = KNOWN | UNMODELLED
"""Every keyword any draft defines. Anything else (`markdownDescription`,
`enumDescriptions`, `x-…`, a typo such as `"maxItems:"`) is ignored by every standard
validator: an annotation, whose change is documentation only."""

# In-place applicators: keywords whose subschemas apply to the same instance and so may
# evaluate its properties or items. Beside none of them, `unevaluatedProperties` is the
# `additionalProperties` of its node, and `unevaluatedItems` its tuple's rest (`not`
# is not among them: a `not` passes only when its subschema fails, whose annotations
# are dropped). `dependencies` is here for schemas that do not declare their draft.
EVALUATORS = frozenset(
    {
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "dependentSchemas",
        "dependencies",
    }
)

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


# -- what a keyword's value must look like --------------------------------------------------
# A value outside its keyword's form (`type: 5`, `required: "x"`, `minimum: true`, a NaN
# bound, `multipleOf: 0`) means nothing this engine can reason about: the walk compares
# such a keyword as an opaque value (see Comparer._opaque), so it never reaches the
# keyword families, which may therefore assume the forms below.


def _finite(value: Any) -> bool:
    """A JSON number: an int (any size) or a finite float; never a boolean."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _flag_or_finite(value: Any) -> bool:
    return isinstance(value, bool) or _finite(value)


def _type_names(value: Any) -> bool:
    names = value if isinstance(value, list) else [value]
    return all(isinstance(name, str) and name in ALL_TYPES for name in names)


def _strings(value: Any) -> bool:
    return all(isinstance(item, str) for item in value)


def _dependencies(value: Any) -> bool:
    return all(
        isinstance(item, dict | bool) or (isinstance(item, list) and _strings(item))
        for item in value.values()
    )


_SCHEMA = (dict, bool)
_NUMBER = (int, float)
# keyword → (Python types its value may have, a finer check or None, what it must be)
FORMS: dict[str, tuple[tuple[type, ...], Callable[[Any], bool] | None, str]] = {
    "type": ((str, list), _type_names, "a type name or a list of type names"),
    "enum": ((list,), None, "an array"),
    "required": ((list,), _strings, "an array of strings"),
    "properties": ((dict,), None, "an object"),
    "patternProperties": ((dict,), None, "an object"),
    "dependentSchemas": ((dict,), None, "an object"),
    "dependentRequired": (
        (dict,),
        lambda value: all(isinstance(v, list) and _strings(v) for v in value.values()),
        "an object of string arrays",
    ),
    "dependencies": ((dict,), _dependencies, "an object of schemas or string arrays"),
    "items": ((dict, bool, list), None, "a schema or an array of schemas"),
    "prefixItems": ((list,), None, "an array of schemas"),
    "allOf": ((list,), None, "an array of schemas"),
    "anyOf": ((list,), lambda value: len(value) > 0, "a non-empty array of schemas"),
    "oneOf": ((list,), lambda value: len(value) > 0, "a non-empty array of schemas"),
    "additionalItems": (_SCHEMA, None, "a schema"),
    "additionalProperties": (_SCHEMA, None, "a schema"),
    "propertyNames": (_SCHEMA, None, "a schema"),
    "contains": (_SCHEMA, None, "a schema"),
    "not": (_SCHEMA, None, "a schema"),
    "unevaluatedProperties": (_SCHEMA, None, "a schema"),
    "unevaluatedItems": (_SCHEMA, None, "a schema"),
    "minimum": (_NUMBER, _finite, "a finite number"),
    "maximum": (_NUMBER, _finite, "a finite number"),
    # bool is an int, so draft-04's boolean form passes the type check
    "exclusiveMinimum": (_NUMBER, _flag_or_finite, "a finite number or (draft-04) a boolean"),
    "exclusiveMaximum": (_NUMBER, _flag_or_finite, "a finite number or (draft-04) a boolean"),
    "multipleOf": (_NUMBER, lambda value: _finite(value) and value > 0, "a number above 0"),
    **dict.fromkeys(BOUNDS, (_NUMBER, _finite, "a finite number")),
    "pattern": ((str,), None, "a string"),
    "format": ((str,), None, "a string"),
    "uniqueItems": ((bool,), None, "a boolean"),
    "$ref": ((str,), None, "a string"),
}


def malformed(schema: dict[str, Any]) -> list[str]:
    """The keywords of `schema` whose value is outside the form JSON Schema gives it."""
    bad = []
    for key, value in schema.items():
        form = FORMS.get(key)
        if form is not None and (
            not isinstance(value, form[0]) or (form[1] is not None and not form[1](value))
        ):
            bad.append(key)
    return bad
