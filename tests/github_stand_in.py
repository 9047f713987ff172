"""A GitHub REST API stand-in on loopback: issue comments only, in memory.

Answers the three calls the pr-comment sink makes, as GitHub does:

- GET   /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=  (Link header)
- POST  /repos/{owner}/{repo}/issues/{number}/comments                  -> 201
- PATCH /repos/{owner}/{repo}/issues/comments/{id}                      -> 200

Every request must carry `Authorization: Bearer <token>` (else 401 "Bad credentials"), a
body longer than 65536 characters is refused with 422, and every request is recorded.
`fail` makes the next matching requests answer a given status instead.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

MAX_BODY = 65536
HTML_BASE = "https://github.example"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: Any


@dataclass
class Failure:
    status: int
    method: str | None  # None: any method
    remaining: int
    message: str = "Server Error"


@dataclass
class _State:
    comments: dict[tuple[str, str, int], list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    next_id: int = 1000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GitHubStandIn

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.handle_call("GET")

    def do_POST(self) -> None:
        self.handle_call("POST")

    def do_PATCH(self) -> None:
        self.handle_call("PATCH")

    def handle_call(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = {"__invalid__": raw.decode("utf-8", "replace")}
        query = parse_qs(url.query)
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, payload, extra = self.server.answer(method, url.path, query, headers, body)
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class GitHubStandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self._state = _State()
        self._lock = threading.Lock()
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    # -- test helpers ---------------------------------------------------------------

    def seed(self, repository: str, number: int, body: str, *, login: str = "someone") -> int:
        """Add a comment as if a person (or bot) had written it; returns its id."""
        owner, repo = repository.split("/")
        with self._lock:
            return self._create(owner, repo, number, body, login)["id"]  # type: ignore[no-any-return]

    def comments(self, repository: str, number: int) -> list[dict[str, Any]]:
        owner, repo = repository.split("/")
        with self._lock:
            return [dict(item) for item in self._state.comments.get((owner, repo, number), [])]

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._state.requests)

    def fail(
        self, status: int, *, method: str | None = None, times: int = 1, message: str = ""
    ) -> None:
        """Answer the next `times` requests (of `method`, if given) with `status`."""
        with self._lock:
            self._state.failures.append(
                Failure(status, method, times, message or f"stand-in failure {status}")
            )

    # -- the API --------------------------------------------------------------------

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self._state.requests.append(Recorded(method, path, query, headers, body))
            if headers.get("authorization") != f"Bearer {self.token}":
                return 401, _error("Bad credentials"), {}
            for failure in self._state.failures:
                if failure.remaining > 0 and failure.method in (None, method):
                    failure.remaining -= 1
                    return failure.status, _error(failure.message), {}
            segments = [unquote(part) for part in path.strip("/").split("/")]
            match segments:
                case ["repos", owner, repo, "issues", "comments", ident] if method == "PATCH":
                    return self._update(owner, repo, ident, body)
                case ["repos", owner, repo, "issues", number, "comments"] if number.isdigit():
                    if method == "GET":
                        return self._list(owner, repo, int(number), query)
                    if method == "POST":
                        return self._post(owner, repo, int(number), body)
            return 404, _error("Not Found"), {}

    def _list(
        self, owner: str, repo: str, number: int, query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        try:
            per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
            page = max(1, int(query.get("page", ["1"])[0]))
        except ValueError:
            return 422, _error("Invalid pagination"), {}
        items = self._state.comments.get((owner, repo, number), [])
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        base = f"{self.url}/repos/{owner}/{repo}/issues/{number}/comments?per_page={per_page}"
        links = []
        if page < last:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
            links.append(f'<{base}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}&page=1>; rel="first"')
            links.append(f'<{base}&page={min(page - 1, last)}>; rel="prev"')
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def _post(
        self, owner: str, repo: str, number: int, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        problem = _check_body(body)
        if problem:
            return 422, _error(problem), {}
        return 201, self._create(owner, repo, number, body["body"], "github-actions[bot]"), {}

    def _update(
        self, owner: str, repo: str, ident: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        for (o, r, _number), items in self._state.comments.items():
            if (o, r) != (owner, repo):
                continue
            for item in items:
                if str(item["id"]) == ident:
                    problem = _check_body(body)
                    if problem:
                        return 422, _error(problem), {}
                    item["body"] = body["body"]
                    item["updated_at"] = _now()
                    return 200, item, {}
        return 404, _error("Not Found"), {}

    def _create(self, owner: str, repo: str, number: int, text: str, login: str) -> dict[str, Any]:
        self._state.next_id += 1
        ident = self._state.next_id
        now = _now()
        item = {
            "id": ident,
            "node_id": f"IC_{ident}",
            "url": f"{self.url}/repos/{owner}/{repo}/issues/comments/{ident}",
            "html_url": f"{HTML_BASE}/{owner}/{repo}/pull/{number}#issuecomment-{ident}",
            "body": text,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "created_at": now,
            "updated_at": now,
        }
        self._state.comments.setdefault((owner, repo, number), []).append(item)
        return item


def _check_body(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return "Invalid request: body is required"
    if len(body["body"]) > MAX_BODY:
        return f"Validation Failed: body is too long (maximum is {MAX_BODY} characters)"
    return ""


def _error(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


TOKEN = "ghs_standInToken0123456789abcdefABCDEF"


@pytest.fixture
def github_api() -> Iterator[GitHubStandIn]:
    """The stand-in on an ephemeral loopback port, accepting `TOKEN`."""
    server = GitHubStandIn(TOKEN)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
