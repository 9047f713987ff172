"""Three-valued validation: does a schema accept one JSON value? True, False or None.

None means "cannot tell", and the callers treat it as the conservative answer: a
`format` on a string (validators differ on formats), `if`/`then`/`else`,
`unevaluated*`, `$dynamicRef`, `contentSchema` and the other keywords the engine does
not model, an unresolvable `$ref`, a keyword whose meaning depends on a draft the
document does not name, a regex the bounded matcher refuses (drift/diff/patterns.py)
or whose Python meaning may differ from ECMA 262's on this text, a `multipleOf` where
decimal and binary arithmetic disagree, and a budget that ran out.

A True or False follows the schema's draft exactly: 1.0 is an integer (from draft-06
on), true is not 1 in `enum`/`const`/`uniqueItems` (JSON equality), lengths count
code points.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from drift.diff.base import canon, json_equal
from drift.diff.keywords import DRAFT_VOCABULARY, IGNORED, UNMODELLED, malformed

if TYPE_CHECKING:
    from fractions import Fraction

    from drift.diff.engine import Side

MAX_EVALUATION_STEPS = 20_000
"""Schema nodes one diff may check against values (values x nodes, summed over the diff).

Past it every further check is "cannot tell", so the verdict stays as conservative as
the keyword-by-keyword comparison left it: a huge `enum` is never validated value by
value without end."""

MAX_EVALUATION_DEPTH = 64
"""Subschemas open inside one another while checking one value (a `$ref` cycle ends here)."""

Answer = bool | None

# Keywords a draft does not have, beyond the engine's INACTIVE table: draft-04 (a "legacy"
# document to the walk) ignores what draft-06 introduced.
# Keywords that some drafts apply and others ignore: with no $schema, cannot tell.
_DRAFT_DEPENDENT = frozenset(
    {
        "prefixItems",
        "additionalItems",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
        "minContains",
        "maxContains",
    }
)
_DRAFT_04_UNKNOWN = frozenset(
    {"const", "contains", "propertyNames", "if", "then", "else", "examples"}
)
# Escapes whose meaning Python's `re` and ECMA 262 share on printable ASCII text.
_CLASS_ESCAPES = frozenset("dDwWsSbB")
_SAME_ESCAPES = frozenset("tnvfrxu") | _CLASS_ESCAPES
_SAME_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_PLAIN_TEXT = r"[\x20-\x7e\t\n\x0b\x0c\r]*"  # compiled when first used


class _Exhausted(Exception):
    """The evaluation budget ran out."""


class Budget:
    """Evaluation steps left: one budget for the whole diff, shared by both sides, and
    one evaluator per side (so what it learns about an `enum` is learnt once)."""

    __slots__ = ("evaluators", "left")

    def __init__(self, left: int = MAX_EVALUATION_STEPS) -> None:
        self.left = left
        self.evaluators: dict[int, Evaluator] = {}

    def evaluator(self, side: Side) -> Evaluator:
        found = self.evaluators.get(id(side))
        if found is None:
            found = self.evaluators[id(side)] = Evaluator(side, self)
        return found


def dialect(side: Side) -> str | None:
    """draft-03, draft-04, legacy (06/07), 2019-09, 2020-12, or None when unnamed."""
    schema = side.root.get("$schema") if isinstance(side.root, dict) else None
    if isinstance(schema, str):
        for name in ("draft-03", "draft-04"):
            if name in schema:
                return name
    return side.family


def every(answers: Iterable[Answer]) -> Answer:
    """Three-valued AND, stopping at the first False."""
    result: Answer = True
    for answer in answers:
        if answer is False:
            return False
        if answer is None:
            result = None
    return result


def some(answers: Iterable[Answer]) -> Answer:
    """Three-valued OR, stopping at the first True."""
    result: Answer = False
    for answer in answers:
        if answer is True:
            return True
        if answer is None:
            result = None
    return result


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def ecma_safe(pattern: str, text: str) -> bool:
    """Does Python's `re` match `pattern` on `text` exactly as ECMA 262 would?

    Only a subset is vouched for: printable ASCII around the class escapes (`\\d`, `\\w`,
    `\\s`, `\\b` are Unicode-aware in Python, ASCII in ECMA), no `$` before a newline
    (Python's `$` also matches there), no `.` against `\\r` or U+2028/9, nothing beyond
    the Basic Multilingual Plane (ECMA without `u` sees UTF-16 halves), and none of the
    syntax Python reads differently (inline flags, `(?P`, `\\A`, `\\Z`, `{,n}`,
    possessive quantifiers, `[]`, `[^]`).
    """
    if any(ord(char) > 0xFFFF for char in pattern + text):
        return False
    if "$" in pattern and "\n" in text:
        return False
    if "." in pattern and any(char in text for char in "\r\u2028\u2029"):
        return False
    if "{," in pattern or "[]" in pattern or "[^]" in pattern:
        return False
    if any(quantified in pattern for quantified in ("++", "*+", "?+", "}+")):
        return False
    plain = re.fullmatch(_PLAIN_TEXT, text) is not None
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if escaped.isalnum() and escaped not in _SAME_ESCAPES:
                return False
            if escaped in _CLASS_ESCAPES and not plain:
                return False
            i += 2
            continue
        if pattern.startswith("(?", i) and not pattern.startswith(_SAME_GROUPS, i):
            return False
        i += 1
    return True


class Evaluator:
    """Checks values against the schemas of one side, within a step budget."""

    def __init__(self, side: Side, budget: Budget) -> None:
        self.side = side
        self.budget = budget
        self.dialect = dialect(side)
        self.unknown = side.inactive | (
            _DRAFT_04_UNKNOWN if self.dialect == "draft-04" else frozenset()
        )
        self._enums: dict[int, frozenset[str]] = {}
        self._bad: dict[int, bool] = {}  # schema → a keyword has the wrong form

    def accepts(self, schema: Any, value: Any) -> Answer:
        """Whether `schema` accepts `value`; None when that cannot be told."""
        if self.budget.left <= 0:
            return None
        try:
            return self._valid(schema, value, 0)
        except _Exhausted:
            self.budget.left = 0
            return None

    # -- the walk ------------------------------------------------------------------------

    def _valid(self, schema: Any, value: Any, depth: int) -> Answer:
        self._spend(1)
        if depth > MAX_EVALUATION_DEPTH or self.dialect == "draft-03":
            return None
        if isinstance(schema, bool):
            # draft-04 has no boolean schemas (but for additional*: handled there)
            return None if self.dialect == "draft-04" else schema
        if not isinstance(schema, dict) or self._malformed(schema):
            return None
        if "$ref" in schema:
            return self._ref(schema, value, depth)
        return self._keywords(schema, value, depth)

    def _malformed(self, schema: dict[str, Any]) -> bool:
        key = id(schema)
        found = self._bad.get(key)
        if found is None:
            found = self._bad[key] = bool(malformed(schema))
        return found

    def _ref(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        found = self.side.pointer(schema["$ref"])
        if found is None:
            return None
        target = self._valid(found[0], value, depth + 1)
        siblings = [key for key in schema if key != "$ref" and self.active(key)]
        if not siblings or self.dialect in ("draft-04", "legacy"):
            return target  # before 2019-09 a $ref's siblings are ignored
        if self.dialect is None:
            return every([target, None])  # whether they apply depends on the draft
        rest = {key: schema[key] for key in siblings}
        return every([target, self._keywords(rest, value, depth)])

    def active(self, key: str) -> bool:
        """Is `key` an assertion or applicator in this document's draft?"""
        return key in DRAFT_VOCABULARY and key not in IGNORED and key not in self.unknown

    def _keywords(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        result: Answer = True
        for key in schema:
            if not self.active(key):
                continue
            answer = self._keyword(key, schema, value, depth)
            if answer is False:
                return False
            if answer is None:
                result = None
        return result

    def _keyword(self, key: str, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        if key in UNMODELLED or (self.dialect is None and key in _DRAFT_DEPENDENT):
            return None
        if (key == "unevaluatedItems" and isinstance(value, list)) or (
            key == "unevaluatedProperties" and isinstance(value, dict)
        ):
            return None  # what counts as evaluated depends on every subschema: not read here
        handler = _GENERIC.get(key)
        if handler is not None:
            return handler(self, schema, value, depth)
        if isinstance(value, str):
            return self._string(key, schema[key], value)
        if _number(value):
            return self._number(key, schema, value)
        if isinstance(value, dict):
            return self._object(key, schema, value, depth)
        if isinstance(value, list):
            return self._array(key, schema, value, depth)
        return True  # null and booleans have no keywords of their own

    # -- any type ------------------------------------------------------------------------

    def _type(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return some(self.is_type(value, name) for name in names)

    def is_type(self, value: Any, name: str) -> Answer:
        if name == "integer":
            if isinstance(value, float) and value.is_integer():
                # draft-04: an integer has no fraction part, and 1.0 has one
                return None if self.dialect == "draft-04" else True
            return isinstance(value, int) and not isinstance(value, bool)
        checks = {
            "null": value is None,
            "boolean": isinstance(value, bool),
            "number": _number(value),
            "string": isinstance(value, str),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }
        return checks[name]

    def _enum(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        values = schema["enum"]
        known = self._enums.get(id(values))
        if known is None:
            self._spend(len(values))
            known = frozenset(canon(item) for item in values)
            self._enums[id(values)] = known
        return canon(value) in known

    def _const(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        return json_equal(value, schema["const"])

    def _all_of(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        return every(self._valid(branch, value, depth + 1) for branch in schema["allOf"])

    def _any_of(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        return some(self._valid(branch, value, depth + 1) for branch in schema["anyOf"])

    def _one_of(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        matched = unsure = 0
        for branch in schema["oneOf"]:
            answer = self._valid(branch, value, depth + 1)
            matched += answer is True
            unsure += answer is None
            if matched > 1:
                return False
        if unsure:
            return None
        return matched == 1

    def _not(self, schema: dict[str, Any], value: Any, depth: int) -> Answer:
        answer = self._valid(schema["not"], value, depth + 1)
        return None if answer is None else not answer

    def _spend(self, steps: int) -> None:
        self.budget.left -= steps
        if self.budget.left < 0:
            raise _Exhausted

    # -- strings and numbers ---------------------------------------------------------------

    def _string(self, key: str, keyword: Any, value: str) -> Answer:
        if key == "minLength":
            return bool(len(value) >= keyword)
        if key == "maxLength":
            return bool(len(value) <= keyword)
        if key == "pattern":
            return _regex_matches(keyword, value)
        if key == "format":
            return None  # validators differ on which formats they assert, and how
        return True

    def _number(self, key: str, schema: dict[str, Any], value: int | float) -> Answer:
        keyword = schema[key]
        if key in ("minimum", "maximum"):
            exclusive = schema.get("exclusive" + key.capitalize())
            if isinstance(exclusive, bool) and self.dialect != "draft-04":
                return None  # draft-04's form, outside draft-04
            if key == "minimum":
                return bool(value > keyword if exclusive is True else value >= keyword)
            return bool(value < keyword if exclusive is True else value <= keyword)
        if key in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(keyword, bool):
                # draft-04's form: it modifies minimum/maximum (handled there)
                return True if self.dialect == "draft-04" else None
            if self.dialect == "draft-04":
                return None  # draft-06's form, in draft-04
            return bool(value > keyword if key == "exclusiveMinimum" else value < keyword)
        if key == "multipleOf":
            return _multiple(value, keyword)
        return True

    # -- objects ---------------------------------------------------------------------------

    def _object(
        self, key: str, schema: dict[str, Any], value: dict[str, Any], depth: int
    ) -> Answer:
        keyword = schema[key]
        if key == "properties":
            return every(
                self._valid(sub, value[name], depth + 1)
                for name, sub in keyword.items()
                if name in value
            )
        if key == "patternProperties":
            return every(self._pattern_properties(keyword, value, depth))
        if key == "additionalProperties":
            return every(self._additional(schema, value, depth))
        if key == "required":
            return all(name in value for name in keyword)
        if key == "minProperties":
            return bool(len(value) >= keyword)
        if key == "maxProperties":
            return bool(len(value) <= keyword)
        if key == "propertyNames":
            return every(self._valid(keyword, name, depth + 1) for name in value)
        if key in ("dependencies", "dependentRequired", "dependentSchemas"):
            return every(self._dependencies(keyword, value, depth))
        return True

    def _pattern_properties(
        self, keyword: dict[str, Any], value: dict[str, Any], depth: int
    ) -> Iterator[Answer]:
        for regex, sub in keyword.items():
            for name, item in value.items():
                found = _regex_matches(regex, name)
                if found is None:  # harmless only if the subschema accepts the value anyway
                    yield True if self._valid(sub, item, depth + 1) is True else None
                elif found:
                    yield self._valid(sub, item, depth + 1)

    def _additional(
        self, schema: dict[str, Any], value: dict[str, Any], depth: int
    ) -> Iterator[Answer]:
        declared = schema.get("properties")
        declared = declared if isinstance(declared, dict) and self.active("properties") else {}
        regexes = schema.get("patternProperties")
        regexes = (
            list(regexes) if isinstance(regexes, dict) and self.active("patternProperties") else []
        )
        rest = schema["additionalProperties"]
        for name, item in value.items():
            if name in declared:
                continue
            covered = some(_regex_matches(regex, name) for regex in regexes)
            if covered is True:
                continue
            extra = self._extra(rest, item, depth)
            # an extra the pattern may cover only fails when the rest rejects it
            yield extra if covered is False else (None if extra is False else extra)

    def _extra(self, rest: Any, item: Any, depth: int) -> Answer:
        """`additionalProperties`/`additionalItems` on one value: booleans in every draft."""
        if isinstance(rest, bool):
            return rest
        return self._valid(rest, item, depth + 1)

    def _dependencies(
        self, keyword: dict[str, Any], value: dict[str, Any], depth: int
    ) -> Iterator[Answer]:
        for name, needs in keyword.items():
            if name not in value:
                continue
            if isinstance(needs, list):
                yield all(other in value for other in needs)
            else:
                yield self._valid(needs, value, depth + 1)

    # -- arrays ----------------------------------------------------------------------------

    def _array(self, key: str, schema: dict[str, Any], value: list[Any], depth: int) -> Answer:
        keyword = schema[key]
        if key == "items":
            return self._items(schema, value, depth)
        if key == "prefixItems":
            return self._tuple(keyword, value, depth)
        if key == "additionalItems":
            tuple_items = schema.get("items")
            if not isinstance(tuple_items, list):
                return True  # without a tuple, additionalItems is ignored
            return every(self._extra(keyword, item, depth) for item in value[len(tuple_items) :])
        if key == "minItems":
            return bool(len(value) >= keyword)
        if key == "maxItems":
            return bool(len(value) <= keyword)
        if key == "uniqueItems":
            if keyword is not True:
                return True
            self._spend(len(value))
            return len({canon(item) for item in value}) == len(value)
        if key in ("contains", "minContains", "maxContains"):
            return self._contains(schema, value, depth) if key == "contains" else True
        return True

    def _items(self, schema: dict[str, Any], value: list[Any], depth: int) -> Answer:
        keyword = schema["items"]
        if isinstance(keyword, list):
            if self.dialect not in ("draft-04", "legacy", "2019-09"):
                return None  # a tuple form 2020-12 dropped (or a draft not named)
            return self._tuple(keyword, value, depth)
        start = 0
        if self.active("prefixItems") and isinstance(schema.get("prefixItems"), list):
            if self.dialect is None:
                return None
            start = len(schema["prefixItems"])
        if self.dialect == "draft-04" and isinstance(keyword, bool):
            return None
        return every(self._valid(keyword, item, depth + 1) for item in value[start:])

    def _tuple(self, positions: list[Any], value: list[Any], depth: int) -> Answer:
        pairs = zip(positions, value, strict=False)  # an array may be shorter than the tuple
        return every(self._valid(sub, item, depth + 1) for sub, item in pairs)

    def _contains(self, schema: dict[str, Any], value: list[Any], depth: int) -> Answer:
        low = schema.get("minContains", 1) if self.active("minContains") else 1
        high = schema.get("maxContains") if self.active("maxContains") else None
        if self.dialect is None and ("minContains" in schema or "maxContains" in schema):
            return None  # draft-07 ignores min/maxContains, 2019-09 on apply them
        answers = [self._valid(schema["contains"], item, depth + 1) for item in value]
        sure, unsure = answers.count(True), answers.count(None)
        if high is not None and sure > high:
            return False
        if sure + unsure < low:
            return False
        if unsure and not (sure >= low and (high is None or sure + unsure <= high)):
            return None
        return True


def _multiple(value: int | float, divisor: int | float) -> Answer:
    """Exact decimal arithmetic, answered only where binary arithmetic (what most
    validators use) agrees."""
    if isinstance(value, int) and isinstance(divisor, int):
        return value % divisor == 0
    exact = (_decimal(value) / _decimal(divisor)).denominator == 1
    try:
        if isinstance(divisor, float):
            quotient = value / divisor
            binary = int(quotient) == quotient
        else:
            binary = value % divisor == 0
    except (OverflowError, ValueError):
        return None
    return exact if exact == binary else None


def _regex_matches(regex: str, text: str) -> Answer:
    """Does ECMA-262 `regex` find a match in `text`? None: not decided here."""
    if not ecma_safe(regex, text):
        return None
    from drift.diff import patterns  # noqa: PLC0415 (imported by the first regex compared)

    return patterns.matches(regex, text)


def _decimal(value: int | float) -> Fraction:
    """The number as its author wrote it: 0.1 is 1/10, not the double nearest."""
    from fractions import Fraction  # noqa: PLC0415 (only a multipleOf check needs it)

    return Fraction(value) if isinstance(value, int) else Fraction(repr(value))


_GENERIC = {
    "type": Evaluator._type,
    "enum": Evaluator._enum,
    "const": Evaluator._const,
    "allOf": Evaluator._all_of,
    "anyOf": Evaluator._any_of,
    "oneOf": Evaluator._one_of,
    "not": Evaluator._not,
}
