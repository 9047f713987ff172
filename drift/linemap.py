"""Map JSON pointers to line numbers in the file a schema was read from.

`json` and `yaml.safe_load` forget positions, so the text is read a second time,
and only when a line is asked for (drifted schemas), keeping the all-synced fast
path free of it. For JSON only the path to the asked pointer is walked: keys are
decoded with the C `scanstring`, values off the path are skipped with the C
decoder. YAML snapshots are rare, so their lines come from one full map.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from typing import Any, Protocol

from drift.localfiles import yaml_loader

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]
_INDEX = re.compile(r"0|[1-9][0-9]*", re.ASCII)
# A key without escapes and its ':' (others go through scanstring), and what ends a value.
_PLAIN_KEY = re.compile(r'"([^"\\]*)"[ \t\n\r]*:[ \t\n\r]*')
_AFTER_VALUE = re.compile(r"[ \t\n\r]*([,}\]])[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    """Index of the first non-whitespace character at or after `pos`."""
    match = _WS.match(text, pos)
    return match.end() if match else pos


class Lines(Protocol):
    def line(self, pointer: str) -> int | None:
        """1-based line of `pointer`, or of its nearest ancestor present in the file."""
        ...


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str | None:
    """The key a pointer token names; None when the token is no valid escape of any key."""
    key = token.replace("~1", "/").replace("~0", "~")
    return key if escape_pointer_token(key) == token else None


class JsonLines:
    """Lines of JSON pointers, found by walking only along each pointer's path.

    Object members are at the line of their key, array elements at their first
    character. With duplicate keys a pointer is at its first occurrence in the
    text. The text must be one valid JSON document, after an optional BOM.
    """

    __slots__ = ("_cache", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._cache: dict[str, int] = {}

    def line(self, pointer: str) -> int:
        line = self._cache.get(pointer)
        if line is None:
            text = self._text
            start = _skip(text, 1 if text.startswith("\ufeff") else 0)
            tokens = [_unescape(token) for token in pointer.split("/")[1:]]
            anchor = _walk(text, start, tokens)[1]
            line = self._cache[pointer] = text.count("\n", 0, anchor) + 1
        return line


Found = tuple[int, int, int]  # (depth reached, where its line is, end of the value or -1)
# A search yields (pos, depth, anchor) to descend into a nested value; the result is sent back.
Search = Generator[tuple[int, int, int], Found, Found]


def _walk(text: str, start: int, tokens: list[str | None]) -> Found:
    """Run `_search` on an explicit stack: a pointer of any length costs no Python recursion."""
    stack: list[Search] = [_search(text, start, tokens, 0, start)]
    found: Found | None = None
    while True:
        try:
            pos, depth, anchor = next(stack[-1]) if found is None else stack[-1].send(found)
        except StopIteration as done:
            stack.pop()
            found = done.value
            if not stack:
                return found
            continue
        stack.append(_search(text, pos, tokens, depth, anchor))
        found = None


def _search(text: str, pos: int, tokens: list[str | None], depth: int, anchor: int) -> Search:
    """Deepest prefix of `tokens` found in the value at `pos`, reached through `tokens[:depth]`.

    Returns (depth reached, where that prefix's line is, end of the value at `pos`
    or -1 when the walk stopped before it). Among duplicate keys the first one
    that leads deepest wins, as a map built in text order with setdefault gives.
    A nested value is searched by yielding (pos, depth, anchor) to `_walk`.
    """
    best = (depth, anchor, -1)
    if depth == len(tokens) or (token := tokens[depth]) is None:
        return best
    char = text[pos : pos + 1]
    if char == "{":
        pos = _skip(text, pos + 1)
        if text[pos] == "}":
            return (depth, anchor, pos + 1)
        while True:
            key_start = pos
            plain = _PLAIN_KEY.match(text, pos)
            if plain:
                key, pos = plain.group(1), plain.end()
            else:
                key, pos = _scanstring(text, pos + 1)
                pos = _skip(text, _skip(text, pos) + 1)  # past the ':'
            end = -1
            if key == token:
                found = yield (pos, depth + 1, key_start)
                if found[0] == len(tokens):
                    return found
                if found[0] > best[0]:
                    best = found
                end = found[2]
            if end < 0:
                end = _DECODER.raw_decode(text, pos)[1]
            after = _AFTER_VALUE.match(text, end)
            assert after, "not JSON"
            if after.group(1) != ",":
                return (best[0], best[1], after.end(1))
            pos = after.end()
    if char == "[" and _INDEX.fullmatch(token):
        wanted = int(token)
        pos = _skip(text, pos + 1)
        if text[pos] == "]":
            return (depth, anchor, pos + 1)
        index = 0
        while True:
            if index == wanted:
                found = yield (pos, depth + 1, pos)
                return (found[0], found[1], -1)
            after = _AFTER_VALUE.match(text, _DECODER.raw_decode(text, pos)[1])
            assert after, "not JSON"
            if after.group(1) != ",":
                return (depth, anchor, after.end(1))
            pos = after.end()
            index += 1
    return best


class YamlLines:
    """Lines of JSON pointers in a YAML document, from one map built on first use."""

    __slots__ = ("_map", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._map: dict[str, int] | None = None

    def line(self, pointer: str) -> int | None:
        if self._map is None:
            self._map = _yaml_line_map(self._text)
        while True:
            if pointer in self._map:
                return self._map[pointer]
            if not pointer:
                return None
            pointer = pointer.rpartition("/")[0]


def _yaml_line_map(text: str) -> dict[str, int]:
    """Pointer → 1-based line for a YAML document, from the composed node tree."""
    import yaml  # noqa: PLC0415  (pyyaml is only needed when a YAML snapshot is present)

    result: dict[str, int] = {}
    root = yaml.compose(text, Loader=yaml_loader())  # the loader that read it: libyaml's speed
    if root is None:
        return result
    stack: list[tuple[Any, str, int]] = [(root, "", root.start_mark.line + 1)]
    while stack:
        node, pointer, line = stack.pop()
        result.setdefault(pointer, line)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = f"{pointer}/{escape_pointer_token(str(key_node.value))}"
                stack.append((value_node, child, key_node.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, f"{pointer}/{index}", item.start_mark.line + 1))
    return result
