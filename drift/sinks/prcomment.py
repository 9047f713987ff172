"""The `pr-comment` sink: one comment per workflow and track on a pull request, kept up to date.

The comment carries a hidden marker naming its workflow and track. A run lists the pull
request's comments (GitHub REST API, every page), updates the first comment holding its
marker, and creates one only when there is none, so a pull request never collects a new
comment per push.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx

from drift import __version__
from drift.errors import DriftError
from drift.settings import redact_url

MARKER_PREFIX = "<!-- schema-drift-action:"
MAX_COMMENT_CHARS = 65536  # GitHub rejects a longer comment body with HTTP 422
TRUNCATION_NOTICE = "… truncated, see the workflow run's artifact"
MAX_MARKER_CHARS = 1024
PER_PAGE = 100  # GitHub's largest page
MAX_PAGES = 1000  # 100,000 comments: a guard against a server that never stops paging
API_VERSION = "2022-11-28"
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_REL = re.compile(r""";\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)
# Header-safe token characters: anything else (CR, LF, space, non-ASCII) would either be
# rejected by the HTTP library, with the header value in its message, or split the header.
_TOKEN = re.compile(r"[\x21-\x7e]+")


class CommentError(DriftError):
    """The pull request comment could not be written; the message never holds the token."""


@dataclass(frozen=True)
class CommentResult:
    action: Literal["created", "updated"]
    url: str
    id: int


def _escape(value: str) -> str:
    """Percent-encode what could end the HTML comment early or blur the marker's fields.

    `%` is always encoded, so the encoding is reversible and two different values never
    share a marker. A `-` is encoded only beside another `-`, so `schema-drift` stays
    readable while `--` (and with it `-->` and `--!>`) can never appear.
    """
    out: list[str] = []
    for index, char in enumerate(value):
        hyphen_run = char == "-" and (
            value[index - 1 : index] == "-" or value[index + 1 : index + 2] == "-"
        )
        if char in "%<>!&=\"'" or hyphen_run or char.isspace() or not char.isprintable():
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out) or "%00"


def marker(workflow: str, track: str) -> str:
    """The hidden HTML comment that identifies this workflow's and track's comment."""
    return f"{MARKER_PREFIX} workflow={_escape(workflow)} track={_escape(track)} -->"


def pull_request_number(event_path: str | None, event_name: str | None) -> int | None:
    """The pull request's number from GitHub's event payload (GITHUB_EVENT_PATH), or None.

    None unless the event is `pull_request` or `pull_request_target` and the payload file
    can be read and names a positive number.
    """
    if event_name not in PULL_REQUEST_EVENTS or not event_path:
        return None
    try:
        payload = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    pull = payload.get("pull_request")
    number = pull.get("number") if isinstance(pull, dict) else None
    if number is None:
        number = payload.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        return None
    return number


def compose_body(body: str, marker: str) -> str:
    """The marker, a newline and the body, cut to GitHub's limit with a visible notice."""
    full = f"{marker}\n{body}"
    if len(full) <= MAX_COMMENT_CHARS:
        return full
    notice = f"\n\n{TRUNCATION_NOTICE}\n"
    budget = MAX_COMMENT_CHARS - len(notice)
    head = full[:budget]
    # End on a whole line (a table row, a list item) when one ends reasonably close.
    cut = head.rfind("\n", len(marker))
    if cut > budget - 2000:
        head = head[:cut]
    return head + notice


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _github_message(response: httpx.Response) -> str:
    """GitHub's one-line explanation from an error body ({"message": ...}), if any."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    return message if len(message) <= 200 else message[:199] + "…"


def _has_next(response: httpx.Response) -> bool:
    """Whether the Link header (RFC 8288) has a rel="next" link."""
    for quoted, bare in _REL.findall(response.headers.get("Link", "")):
        if "next" in (quoted or bare).lower().split():
            return True
    return False


class _GitHub:
    def __init__(self, client: httpx.Client, api_url: str, token: str, where: str) -> None:
        self.client = client
        self.api_url = api_url
        self.token = token
        self.where = where

    def call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        params: dict[str, int] | None = None,
        body: dict[str, str] | None = None,
    ) -> httpx.Response:
        what = f"pr-comment: {action} on {self.where} ({method} {path})"
        try:
            response = self.client.request(method, self.api_url + path, params=params, json=body)
        except httpx.HTTPError as exc:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise CommentError(_scrub(f"{what} failed: {detail}", self.token)) from None
        if response.status_code >= 300 or response.status_code < 200:
            raise CommentError(_scrub(self._failure(what, response), self.token))
        return response

    def json(self, action: str, response: httpx.Response, path: str) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            what = f"pr-comment: {action} on {self.where} ({response.request.method} {path})"
            raise CommentError(
                f"{what}: HTTP {response.status_code} but the response is not JSON"
            ) from None

    @staticmethod
    def _failure(what: str, response: httpx.Response) -> str:
        status = response.status_code
        message = _github_message(response)
        text = f"{what} failed: HTTP {status}"
        text += f" ({message})" if message else f" {response.reason_phrase}".rstrip()
        if status in (401, 403):
            text += (
                "; the token was refused or lacks permission (the workflow needs "
                "`permissions: pull-requests: write`, or `issues: write`)"
            )
        elif status == 404:
            text += "; no such repository or pull request, or the token cannot see it"
        elif 300 <= status < 400:
            target = redact_url(response.headers.get("Location", "?"))
            text += f"; redirected to {target} (not followed)"
        return text


def _find(github: _GitHub, prefix: str, number: int, wanted: str) -> dict[str, Any] | None:
    """The first comment on the issue whose body holds the marker, reading every page."""
    path = f"{prefix}/issues/{number}/comments"
    action = "list comments"
    for page in range(1, MAX_PAGES + 1):
        # The next page is built here, not taken from the Link header, so the token is
        # only ever sent to api_url.
        response = github.call(action, "GET", path, params={"per_page": PER_PAGE, "page": page})
        items = github.json(action, response, path)
        if not isinstance(items, list):
            raise CommentError(
                f"pr-comment: {action} on {github.where} (GET {path}): "
                f"expected a JSON array, got {type(items).__name__}"
            )
        for item in items:
            if not isinstance(item, dict):
                continue
            text = item.get("body")
            if isinstance(text, str) and wanted in text and _comment_id(item) is not None:
                return item
        if len(items) < PER_PAGE or not _has_next(response):
            return None
    return None


def _comment_id(item: dict[str, Any]) -> int | None:
    value = item.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _result(
    github: _GitHub, action: Literal["created", "updated"], response: httpx.Response, path: str
) -> CommentResult:
    verb = "create comment" if action == "created" else "update comment"
    data = github.json(verb, response, path)
    ident = _comment_id(data) if isinstance(data, dict) else None
    if not isinstance(data, dict) or ident is None:
        raise CommentError(
            f"pr-comment: {verb} on {github.where}: HTTP {response.status_code} "
            "but the response names no comment id"
        )
    url = data.get("html_url") or data.get("url") or ""
    return CommentResult(action=action, url=str(url), id=ident)


def upsert_comment(
    *,
    api_url: str,
    repository: str,
    number: int,
    token: str,
    body: str,
    marker: str,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 10.0,
) -> CommentResult:
    """Update the pull request comment holding `marker`, or create it; the body gets the marker.

    Raises CommentError (naming the call and the HTTP status, never the token) when GitHub
    cannot be reached or answers with an error.
    """
    if not _REPOSITORY.fullmatch(repository) or any(
        part in (".", "..") for part in repository.split("/")
    ):
        raise CommentError(
            f"pr-comment: repository {repository!r} is not owner/name (e.g. octo-org/octo-repo)"
        )
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        raise CommentError(
            f"pr-comment: pull request number must be a positive integer, not {number!r}"
        )
    if not token:
        raise CommentError(
            "pr-comment: no GitHub token (pass secrets.GITHUB_TOKEN as github-token)"
        )
    if not _TOKEN.fullmatch(token):
        raise CommentError(
            "pr-comment: the GitHub token holds whitespace or characters an HTTP header cannot "
            "carry; check the secret"
        )
    if not marker.strip() or len(marker) > MAX_MARKER_CHARS:
        # An empty marker would match, and overwrite, the first comment on the pull request.
        raise CommentError(f"pr-comment: the marker must be 1 to {MAX_MARKER_CHARS} characters")
    base = api_url.rstrip("/")
    if not base.lower().startswith(("http://", "https://")):
        raise CommentError(f"pr-comment: api_url {redact_url(api_url)!r} is not http(s)://…")
    owner, name = repository.split("/")
    prefix = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
    where = f"{repository}#{number}"
    content = compose_body(body, marker)
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": f"schema-drift-action/{__version__}",
    }
    secure = base.lower().startswith("https://")
    with httpx.Client(
        headers=headers,
        timeout=httpx.Timeout(timeout),
        transport=transport,
        # Plain http:// (a local stand-in) needs no CA bundle.
        verify=httpx.create_ssl_context() if secure else False,
        follow_redirects=False,
        # No proxy or .netrc from the environment: .netrc credentials would replace the token.
        trust_env=False,
    ) as client:
        github = _GitHub(client, base, token, where)
        existing = _find(github, prefix, number, marker)
        if existing is not None:
            path = f"{prefix}/issues/comments/{_comment_id(existing)}"
            response = github.call("update comment", "PATCH", path, body={"body": content})
            return _result(github, "updated", response, path)
        path = f"{prefix}/issues/{number}/comments"
        response = github.call("create comment", "POST", path, body={"body": content})
        return _result(github, "created", response, path)
