"""Map JSON pointers to line numbers in the file a schema was read from.

`json` and `yaml.safe_load` forget positions, so this module walks the text a
second time. It runs only when a line is asked for (drifted schemas), keeping
the all-synced fast path free of it.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

LineMap = dict[str, int]

_WS = re.compile(r"[ \t\n\r]*")
_NEWLINE = re.compile("\n")
_DECODER = json.JSONDecoder()


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def json_line_map(text: str) -> LineMap:
    """Pointer → 1-based line for every value in a JSON document (object members at their key)."""
    newlines = [match.start() for match in _NEWLINE.finditer(text)]
    result: LineMap = {}

    def line_of(pos: int) -> int:
        return bisect.bisect_right(newlines, pos - 1) + 1

    def skip(pos: int) -> int:
        match = _WS.match(text, pos)
        return match.end() if match else pos

    def value(pos: int, pointer: str, line: int) -> int:
        pos = skip(pos)
        result.setdefault(pointer, line)
        char = text[pos] if pos < len(text) else ""
        if char == "{":
            return members(pos + 1, pointer)
        if char == "[":
            return elements(pos + 1, pointer)
        _, end = _DECODER.raw_decode(text, pos)
        return int(end)

    def members(pos: int, pointer: str) -> int:
        pos = skip(pos)
        if text[pos] == "}":
            return pos + 1
        while True:
            pos = skip(pos)
            key_start = pos
            key, pos = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
            pos = skip(pos) + 1  # the ':'
            child = f"{pointer}/{escape_pointer_token(key)}"
            pos = skip(value(pos, child, line_of(key_start)))
            if text[pos] == "}":
                return pos + 1
            pos += 1  # the ','

    def elements(pos: int, pointer: str) -> int:
        pos = skip(pos)
        if text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = skip(pos)
            pos = skip(value(pos, f"{pointer}/{index}", line_of(pos)))
            index += 1
            if text[pos] == "]":
                return pos + 1
            pos += 1

    start = skip(0)
    if text.startswith("\ufeff"):
        start = skip(1)
    value(start, "", line_of(start))
    return result


def yaml_line_map(text: str) -> LineMap:
    """Pointer → 1-based line for a YAML document, from the composed node tree."""
    import yaml  # noqa: PLC0415  (pyyaml is only needed when a YAML snapshot is present)

    result: LineMap = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)
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


def nearest_line(line_map: LineMap, pointer: str) -> int | None:
    """The line of `pointer`, or of its nearest ancestor present in the file."""
    while True:
        if pointer in line_map:
            return line_map[pointer]
        if not pointer:
            return None
        pointer = pointer.rsplit("/", 1)[0]
