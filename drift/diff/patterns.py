"""Matching `patternProperties` regexes against property names, with bounded work.

The regexes come from the schemas, so from the registry: a hostile one such as
`^(a+)+$` backtracks for ever in Python's `re` on a name like `aaaa…b`. `re` has no
step budget, so a regex is evaluated only when its shape bounds the work:

* at most MAX_PATTERN_LENGTH characters and MAX_PATTERN_QUANTIFIERS quantifiers;
* no repeating quantifier on a group that holds a quantifier or an alternation
  (`(a+)+`, `(a|aa)*`: the exponential cases; `(a|b)?` is fine), and no backreference;
* the name matched is at most MAX_MATCHED_NAME characters (the remaining cost is
  polynomial in it, of degree at most the quantifier count plus one).

Anything else is "cannot tell": the object comparison then reports the pattern (or
the name) as breaking with the reason, never a guess and never a hang. The `pattern`
keyword itself is never run: it is read (see "reading the `pattern` keyword" below).
"""

from __future__ import annotations

import functools
import re

from drift.records import Row

MAX_PATTERN_LENGTH = 256
"""Characters of a `patternProperties` regex this engine evaluates."""

MAX_PATTERN_QUANTIFIERS = 3
"""Quantifiers (`*`, `+`, `?`, `{n,m}`) in a `patternProperties` regex it evaluates."""

MAX_MATCHED_NAME = 64
"""Characters of a property name it matches against a `patternProperties` regex."""

_COUNTED = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _quantifier_end(pattern: str, i: int) -> int:
    """The index after a quantifier starting at `i` (with its lazy or possessive
    suffix), or `i` when none starts there."""
    if pattern.startswith(("*", "+", "?"), i):
        end = i + 1
    else:
        counted = _COUNTED.match(pattern, i)
        if counted is None:
            return i
        end = counted.end()
    return end + 1 if pattern.startswith(("?", "+"), end) else end


def _class_end(pattern: str, i: int) -> int:
    """The index after the character class `[...]` opening at `i`."""
    i += 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):  # a literal ] first in the class
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _shape(pattern: str) -> str | None:
    """Why this regex's shape does not bound backtracking, or None when it does."""
    if _BACKREFERENCE.search(pattern):
        return "it uses a backreference"
    groups: list[bool] = []  # each open group: holds a quantifier or an alternation
    count = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        risky = False
        if char == "\\":
            i += 2
        elif char == "[":
            i = _class_end(pattern, i)
        elif char == "(":
            groups.append(False)
            i += 2 if pattern.startswith("?", i + 1) else 1  # (?:, (?=, (?P<…>: not a quantifier
            continue
        elif char == ")":
            risky = groups.pop() if groups else False
            i += 1
        elif char == "|":
            if groups:
                groups[-1] = True
            i += 1
            continue
        else:
            i += 1
        end = _quantifier_end(pattern, i)
        quantified = end > i
        if quantified:
            if risky and pattern[i] != "?":  # once or not at all cannot multiply paths
                return (
                    "a quantifier applies to a group holding a quantifier or an alternation "
                    "(catastrophic backtracking)"
                )
            count += 1
            i = end
        if groups and (quantified or risky):
            groups[-1] = True
    if count > MAX_PATTERN_QUANTIFIERS:
        return f"it has more than {MAX_PATTERN_QUANTIFIERS} quantifiers"
    return None


@functools.lru_cache(maxsize=1024)
def refusal(pattern: str) -> str | None:
    """Why this engine does not evaluate `pattern`, or None when it does."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"it is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"it is not a regex this engine reads ({exc})"
    return _shape(pattern)


@functools.lru_cache(maxsize=4096)
def matches(pattern: str, name: str) -> bool | None:
    """Whether `pattern` matches somewhere in `name`; None when that is not evaluated."""
    if refusal(pattern) is not None or len(name) > MAX_MATCHED_NAME:
        return None
    return re.search(pattern, name) is not None


# -- reading the `pattern` keyword without running it ------------------------------------
#
# What a `pattern` implies (a length bound) and whether one pattern's strings are all
# another's is read from a parse of a small, common subset of the syntax on which
# ECMA-262 (JSON Schema's dialect, with and without the `u` flag), Python's `re` and
# Java agree: literals, `.`, classes of literals and ranges, \d \w \s (and negations),
# groups `( )` and `(?: )`, `|`, the quantifiers `* + ? {n} {n,} {n,m}` (lazy too), and
# `^`/`$` at the ends. Anything else (lookaround, backreferences, flags, `\p{…}`, `\b`,
# astral characters, a `{` that is not a quantifier, …) is "cannot tell": no bound, no
# inclusion, only identical patterns are equal. The parse is linear in the pattern and
# the inclusion search spends at most MAX_PATTERN_STEPS states: no user regex is run.
#
# Where the dialects differ, the reading is sound for all of them:
# * `$` also matches before a final "\n" in Python and Java, not in ECMA-262: a pattern
#   anchored at both ends bounds the length at its longest match plus one;
# * `.` excludes "\n" in Python, also "\r", U+2028 and U+2029 in ECMA-262;
# * without the `u` flag an ECMA-262 `.` (or `[^…]`, `\S`, …) matches half of a surrogate
#   pair, so it counts half a character towards a minimum length unless the schema is
#   2020-12, whose spec asks for Unicode-aware regexes.

MAX_PATTERN_NESTING = 16
"""Groups open inside one another in a `pattern` this engine reads (deeper: not read)."""

MAX_PATTERN_STEPS = 10_000
"""States one pattern inclusion search may visit; past it, inclusion is not proved."""

_LINE_TERMINATORS = frozenset("\n\r\u2028\u2029")
_SPECIAL = frozenset("\\^$.|?*+()[]{}")
_LITERAL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\f", "v": "\v"}
# What every dialect puts in the named classes (Python's are wider, ECMA-262's ASCII).
_NAMED_CORE = {
    "d": ((48, 57),),
    "w": ((48, 57), (65, 90), (95, 95), (97, 122)),
    "s": ((9, 13), (32, 32)),
}


class CharSet(Row):
    """One character: a literal (one range), a class, a named class, or `.` (dot)."""

    ranges: tuple[tuple[int, int], ...] = ()
    named: frozenset[str] = frozenset()  # d, w, s
    negated: bool = False
    dot: bool = False
    anything: bool = False  # any one character at all (the free ends of a search)

    def wide(self) -> bool:
        """Can it match half a surrogate pair (ECMA-262 without the `u` flag)?"""
        surrogates = any(lo <= 0xDFFF and hi >= 0xD800 for lo, hi in self.ranges)
        return self.negated or self.dot or self.anything or surrogates


class Group(Row):
    alternatives: tuple[tuple[Item, ...], ...]


class Anchor(Row):
    start: bool  # ^ (True) or $ (False)


class Item(Row):
    atom: CharSet | Group | Anchor
    low: int = 1
    high: int | None = 1  # None: unbounded


Sequence = tuple[Item, ...]
_ANY_STRING = Item(CharSet(anything=True), 0, None)


class _Unread(Exception):
    """The pattern is outside the subset this engine reads."""


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.text[index] if index < len(self.text) else ""

    def alternatives(self) -> tuple[Sequence, ...]:
        found = [self.sequence()]
        while self.peek() == "|":
            self.at += 1
            found.append(self.sequence())
        return tuple(found)

    def sequence(self) -> Sequence:
        items: list[Item] = []
        while self.peek() not in ("", "|", ")"):
            atom = self.atom()
            if isinstance(atom, Anchor) and self.peek() in ("*", "+", "?", "{"):
                raise _Unread  # nothing to repeat (an error in Python)
            low, high = self.quantifier()
            items.append(Item(atom, low, high))
        return tuple(items)

    def atom(self) -> CharSet | Group | Anchor:
        char = self.peek()
        self.at += 1
        if char in "^$":
            return Anchor(char == "^")
        if char == ".":
            return CharSet(dot=True)
        if char == "[":
            return self.char_class()
        if char == "(":
            if self.peek() == "?":
                if self.peek(1) != ":":
                    raise _Unread  # lookaround, named group, flags
                self.at += 2
            self.depth += 1
            if self.depth > MAX_PATTERN_NESTING:
                raise _Unread
            inner = self.alternatives()
            if self.peek() != ")":
                raise _Unread
            self.at += 1
            self.depth -= 1
            return Group(inner)
        if char == "\\":
            return self.escape(in_class=False)
        if char in _SPECIAL:
            raise _Unread  # a quantifier with nothing to repeat, a stray ] } or )
        return CharSet(ranges=((_code(char),) * 2,))

    def escape(self, in_class: bool) -> CharSet:
        char = self.peek()
        self.at += 1
        if not char:
            raise _Unread  # a trailing backslash
        if char.lower() in _NAMED_CORE:
            return CharSet(named=frozenset(char.lower()), negated=char.isupper())
        if char in _LITERAL_ESCAPES:
            code = ord(_LITERAL_ESCAPES[char])
        elif char in "xu":
            digits = 2 if char == "x" else 4
            text = self.text[self.at : self.at + digits]
            if len(text) != digits or not all(c in "0123456789abcdefABCDEF" for c in text):
                raise _Unread
            self.at += digits
            code = _check(int(text, 16))
        elif char and not char.isalnum() and char.isascii():
            code = ord(char)  # an escaped punctuation mark is itself in every dialect
        else:
            raise _Unread  # \b \B \A \Z \1 \p \c \0 …
        return CharSet(ranges=((code, code),))

    def char_class(self) -> CharSet:
        negated = self.peek() == "^"
        self.at += 1 if negated else 0
        if self.peek() == "]":
            raise _Unread  # [] and [^] differ between dialects
        ranges: list[tuple[int, int]] = []
        named: set[str] = set()
        while self.peek() != "]":
            if (
                self.peek() == ""
                or self.peek() == "["
                or self.text.startswith(("&&", "||", "--", "~~"), self.at)
            ):
                raise _Unread  # unterminated, or set syntax some dialect reads
            low = self.class_member()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.at += 1
                high = self.class_member()
                if low.named or high.named or low.ranges[0][0] > high.ranges[0][0]:
                    raise _Unread
                ranges.append((low.ranges[0][0], high.ranges[0][0]))
            elif low.named:
                if low.negated:
                    raise _Unread  # [\D] inside a class: keep the reading simple
                named |= low.named
            else:
                ranges += low.ranges
        self.at += 1
        return CharSet(ranges=tuple(sorted(ranges)), named=frozenset(named), negated=negated)

    def class_member(self) -> CharSet:
        char = self.peek()
        self.at += 1
        if char == "\\":
            return self.escape(in_class=True)
        return CharSet(ranges=((_code(char),) * 2,))

    def quantifier(self) -> tuple[int, int | None]:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.at += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{":
            counted = _COUNTED.match(self.text, self.at)
            if counted is None:
                raise _Unread  # a literal { in one dialect, an error in another
            self.at = counted.end()
            numbers = counted.group()[1:-1].split(",")
            low = int(numbers[0])
            high = low if len(numbers) == 1 else int(numbers[1]) if numbers[1] else None
            if high is not None and high < low:
                raise _Unread
        else:
            return 1, 1
        if self.peek() == "?":
            self.at += 1  # lazy: the same strings match
        if self.peek() in ("*", "+", "?", "{"):
            raise _Unread  # possessive in Python, an error in ECMA-262
        return low, high


def _code(char: str) -> int:
    return _check(ord(char))


def _check(code: int) -> int:
    """Astral characters and surrogates: one character or two, depending on the dialect."""
    if code > 0xFFFF or 0xD800 <= code <= 0xDFFF:
        raise _Unread
    return code


@functools.lru_cache(maxsize=1024)
def parse(pattern: str) -> tuple[Sequence, ...] | None:
    """The pattern's top-level alternatives, or None when it is outside the subset."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return None
    reader = _Reader(pattern)
    try:
        found = reader.alternatives()
    except (_Unread, IndexError):
        return None
    return found if reader.at == len(pattern) else None  # a stray ")"


# -- lengths ------------------------------------------------------------------------------


def _halves(item: Item, unicode: bool) -> int:
    """Fewest half-characters one match of `item` covers."""
    atom = item.atom
    if isinstance(atom, Anchor):
        return 0
    if isinstance(atom, CharSet):
        one = 1 if atom.wide() and not unicode else 2
    else:
        one = min(sum(_halves(i, unicode) for i in alt) for alt in atom.alternatives)
    return one * item.low


def _longest(items: Sequence) -> int | None:
    total = 0
    for item in items:
        atom = item.atom
        if isinstance(atom, Anchor):
            continue
        if item.high is None:
            return None
        if isinstance(atom, CharSet):
            one: int | None = 1
        else:
            lengths = [_longest(alt) for alt in atom.alternatives]
            one = None if None in lengths else max(n for n in lengths if n is not None)
        if one is None:
            return None
        total += one * item.high
    return total


def length_bounds(pattern: str | None, unicode: bool) -> tuple[int, int | None]:
    """(fewest, most) characters a string matching `pattern` has; (0, None) when the
    pattern says nothing the engine can read. `unicode`: the schema's dialect is
    Unicode-aware (2020-12), so `.` is a whole character."""
    branches = parse(pattern) if pattern is not None else None
    if not branches:
        return 0, None
    fewest = min(-(-sum(_halves(item, unicode) for item in alt) // 2) for alt in branches)
    most: int | None = 0
    for alt in branches:
        anchored = len(alt) >= 2 and alt[0].atom == Anchor(True) and alt[-1].atom == Anchor(False)
        longest = _longest(alt) if anchored else None
        if longest is None:
            most = None
            break
        most = max(most or 0, longest + 1)  # `$` before a final newline (Python, Java)
    return fewest, most


# -- inclusion -----------------------------------------------------------------------------


class _Spent(Exception):
    """MAX_PATTERN_STEPS ran out."""


@functools.lru_cache(maxsize=1024)
def includes(outer: str | None, inner: str | None) -> bool:
    """Does every string that matches `inner` (searched, unanchored) match `outer`?
    True only when proved; None stands for no pattern (every string)."""
    if outer == inner or not outer:
        return True  # no pattern, or the empty one, matches every string
    outer_branches, inner_branches = parse(outer), parse(inner or "")
    if outer_branches is None or inner_branches is None:
        return False
    budget = [MAX_PATTERN_STEPS]
    try:
        return all(
            any(_branch_includes(o, i, budget) for o in outer_branches)
            for branch in inner_branches
            for i in _distributed(branch)
        )
    except _Spent:
        return False


def _distributed(branch: Sequence) -> list[Sequence]:
    """`^(a|b)$` as `^a$` and `^b$`: a branch that is one group between its anchors
    matches what its alternatives, each between the same anchors, match."""
    split = _split(branch)
    if split is None or len(split[1]) != 1:
        return [branch]
    start, (item,), end = split
    if not isinstance(item.atom, Group) or (item.low, item.high) != (1, 1):
        return [branch]
    head, tail = branch[: int(start)], branch[len(branch) - int(end) :]
    return [head + alternative + tail for alternative in item.atom.alternatives]


def _split(branch: Sequence) -> tuple[bool, Sequence, bool] | None:
    """(anchored at the start, the items between, anchored at the end); None when an
    anchor stands anywhere else."""
    start = bool(branch) and branch[0].atom == Anchor(True)
    end = len(branch) > start and branch[-1].atom == Anchor(False)
    core = branch[int(start) : len(branch) - int(end)]
    if any(_has_anchor(item) for item in core):
        return None
    return start, _flat(core), end


def _has_anchor(item: Item) -> bool:
    atom = item.atom
    if isinstance(atom, Anchor):
        return True
    return isinstance(atom, Group) and any(_has_anchor(i) for alt in atom.alternatives for i in alt)


def _flat(items: Sequence) -> Sequence:
    """Splice in groups that match one way, once: `(?:ab)c` is `abc`."""
    found: list[Item] = []
    for item in items:
        atom = item.atom
        if isinstance(atom, Group) and len(atom.alternatives) == 1 and item.low == item.high == 1:
            found += _flat(atom.alternatives[0])
        else:
            found.append(item)
    return tuple(found)


def _branch_includes(outer: Sequence, inner: Sequence, budget: list[int]) -> bool:
    """A match of `inner` somewhere in a string contains a match of `outer` where
    `outer`'s anchors allow it: the same anchors or fewer, and inner's matched text is
    (any text) outer (any text), the free text only where `outer` is unanchored."""
    split_outer, split_inner = _split(outer), _split(inner)
    if split_outer is None or split_inner is None:
        return False
    o_start, o_core, o_end = split_outer
    i_start, i_core, i_end = split_inner
    if (o_start and not i_start) or (o_end and not i_end):
        return False
    padded = ((), (_ANY_STRING,))
    target = padded[not o_start] + o_core + padded[not o_end]
    return _sequence_includes(target, i_core, budget)


def _sequence_includes(outer: Sequence, inner: Sequence, budget: list[int]) -> bool:
    """Every string of `inner` is a string of `outer`: inner's items are dealt, in order,
    to outer's items, each taking a run of them whose repetitions fit its own count.

    A search over states (inner items placed, outer item open, repetitions it holds at
    least, at most), iterative so that a long pattern costs no stack.
    """
    goal = (len(inner), len(outer))
    stack = [(0, 0, 0, 0)]
    seen = set(stack)
    while stack:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Spent
        i, j, low, high = stack.pop()
        if (i, j) == goal:
            return True
        if j == len(outer):
            continue
        target = outer[j]
        following = []
        if low >= target.low:
            following.append((i, j + 1, 0, 0))  # close outer[j]
        if i < len(inner):
            taken = _takes(target, inner[i], low, high, budget)
            if taken is not None:
                following.append((i + 1, j, *taken))
        if isinstance(target.atom, Group):
            # a run of inner items as one repetition: `ab` is one of `(ab|c)`
            for end in range(i + 2, len(inner) + 1):
                budget[0] -= 1
                run = Item(Group((inner[i:end],)))
                taken = _takes(target, run, low, high, budget)
                if taken is not None:
                    following.append((end, j, *taken))
        for state in following:
            if state not in seen:
                seen.add(state)
                stack.append(state)
    return False


def _takes(
    target: Item, item: Item, low: int, high: int, budget: list[int]
) -> tuple[int, int] | None:
    """The repetitions `target` holds once it also takes `item`, or None when it cannot:
    item's atom must be one of target's and its counts must fit target's."""
    atom = target.atom
    if isinstance(atom, CharSet) and atom.anything:
        return 0, 0
    if item.high is None and target.high is not None:
        return None
    if isinstance(item.atom, Anchor) or not _atom_includes(atom, item.atom, budget):
        return None
    held_low = min(low + item.low, target.low)  # past target.low, more changes nothing
    if target.high is None:
        return held_low, 0
    held_high = high + (item.high or 0)
    return (held_low, held_high) if held_high <= target.high else None


def _atom_includes(
    outer: CharSet | Group | Anchor, inner: CharSet | Group | Anchor, budget: list[int]
) -> bool:
    if isinstance(outer, Anchor) or isinstance(inner, Anchor):
        return False
    if isinstance(outer, CharSet) and isinstance(inner, CharSet):
        return _set_includes(outer, inner)
    outer_alts = outer.alternatives if isinstance(outer, Group) else ((Item(outer),),)
    inner_alts = inner.alternatives if isinstance(inner, Group) else ((Item(inner),),)
    return all(
        any(_sequence_includes(_flat(o), _flat(i), budget) for o in outer_alts) for i in inner_alts
    )


def _set_includes(outer: CharSet, inner: CharSet) -> bool:
    """Does every character `inner` matches match `outer`, in every dialect?"""
    if outer.anything or outer == inner:
        return True
    if inner.dot and outer.negated and not outer.named:
        # `.` excludes "\n" in every dialect (and more in ECMA-262): [^\n] holds it
        return all(lo == hi == ord("\n") for lo, hi in outer.ranges)
    if inner.anything or inner.dot or (inner.negated and not outer.dot):
        return False
    if inner.negated:  # outer is `.`: [^…] holds the line terminators it does not name
        return set(map(chr, _points(inner))) >= _LINE_TERMINATORS
    if outer.negated:
        # inner's characters, all named by value, are none of the ones outer excludes
        return not inner.named and not outer.named and not _overlap(inner.ranges, outer.ranges)
    if outer.dot:
        if "s" in inner.named:
            return False  # \s holds "\n"
        return not any(lo <= ord(t) <= hi for t in _LINE_TERMINATORS for lo, hi in inner.ranges)
    if not inner.named <= outer.named:
        return False
    cover = list(outer.ranges) + [r for name in outer.named for r in _NAMED_CORE[name]]
    return all(_covered(r, cover) for r in inner.ranges)


def _points(charset: CharSet) -> list[int]:
    """The line terminators a class names (only those matter to `.`)."""
    return [
        ord(t) for t in _LINE_TERMINATORS if any(lo <= ord(t) <= hi for lo, hi in charset.ranges)
    ]


def _overlap(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= y_hi and y_lo <= hi for lo, hi in a for y_lo, y_hi in b)


def _covered(span: tuple[int, int], cover: list[tuple[int, int]]) -> bool:
    """Is every code point of `span` in some range of `cover`?"""
    low, high = span
    for lo, hi in sorted(cover):
        if lo <= low <= hi:
            low = hi + 1
            if low > high:
                return True
    return False
