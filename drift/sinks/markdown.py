"""Markdown that hostile text cannot break: table cells, HTML blocks, links."""

from __future__ import annotations

from urllib.parse import quote

# Inline Markdown that can change meaning mid-line; the rest ('#', '-', '.', …) only
# matters at the start of a line, and these values never start one.
_MD_SPECIAL = "\\`*_[]|~"
# html.escape's replacements, as one-pass tables: importing html loads its entity
# tables too, a cost every action run would pay for these five characters.
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_TEXT = str.maketrans(_HTML_ESCAPES)
_HTML_ATTRIBUTE = str.maketrans({**_HTML_ESCAPES, '"': "&quot;", "'": "&#x27;"})


def md_text(value: object) -> str:
    """Inline text: Markdown and HTML syntax shown literally, on one line."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    text = text.translate(_HTML_TEXT)  # & < > as entities: no raw HTML gets through
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def md_code(value: object) -> str:
    """Inline code that no backtick in the value can close early."""
    # GFM splits table rows on | before it parses code spans: escape it even here.
    text = str(value).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(value: object) -> str:
    """Text inside raw HTML (<summary>): entities only, one line."""
    return str(value).replace("\r", " ").replace("\n", " ").translate(_HTML_ATTRIBUTE)


def url_path(path: str) -> str:
    return quote(path, safe="/")
