"""The pr-comment sink against a GitHub REST API stand-in over real loopback HTTP."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from drift.sinks.prcomment import (
    MAX_COMMENT_CHARS,
    TRUNCATION_NOTICE,
    CommentError,
    CommentResult,
    compose_body,
    marker,
    pull_request_number,
    upsert_comment,
)
from tests.github_stand_in import TOKEN, GitHubStandIn, github_api

__all__ = ["github_api"]  # the fixture, imported for pytest

REPO = "octo-org/octo-repo"
PR = 7


def upsert(server: GitHubStandIn, body: str, mark: str, **overrides: Any) -> CommentResult:
    options: dict[str, Any] = {
        "api_url": server.url,
        "repository": REPO,
        "number": PR,
        "token": TOKEN,
        "body": body,
        "marker": mark,
        "timeout": 5.0,
    }
    options.update(overrides)
    return upsert_comment(**options)


# -- create, then update in place ----------------------------------------------------


def test_first_call_creates_and_second_call_updates_the_same_comment(
    github_api: GitHubStandIn,
) -> None:
    mark = marker("schema-drift", "v1")
    first = upsert(github_api, "3 schemas: 3 synced", mark)
    assert first.action == "created"
    assert first.url.endswith(f"/{REPO}/pull/{PR}#issuecomment-{first.id}")

    second = upsert(github_api, "3 schemas: 2 synced, 1 drift", mark)
    assert second == CommentResult("updated", first.url, first.id)

    comments = github_api.comments(REPO, PR)
    assert len(comments) == 1
    assert comments[0]["id"] == first.id
    assert comments[0]["body"] == f"{mark}\n3 schemas: 2 synced, 1 drift"
    calls = [(r.method, r.path) for r in github_api.requests]
    assert calls == [
        ("GET", f"/repos/{REPO}/issues/{PR}/comments"),
        ("POST", f"/repos/{REPO}/issues/{PR}/comments"),
        ("GET", f"/repos/{REPO}/issues/{PR}/comments"),
        ("PATCH", f"/repos/{REPO}/issues/comments/{first.id}"),
    ]


def test_requests_carry_githubs_headers_and_paging_parameters(github_api: GitHubStandIn) -> None:
    upsert(github_api, "body", marker("ci", "v1"))
    listing, create = github_api.requests
    for request in (listing, create):
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["user-agent"].startswith("schema-drift-action/")
    assert listing.query == {"per_page": ["100"], "page": ["1"]}
    assert create.headers["content-type"] == "application/json"
    assert create.body == {"body": f"{marker('ci', 'v1')}\nbody"}


@pytest.mark.parametrize(
    ("one", "other"),
    [(("nightly", "v1"), ("pr-check", "v1")), (("pr-check", "v1"), ("pr-check", "v2"))],
    ids=["workflow", "track"],
)
def test_different_workflow_or_track_keeps_its_own_comment(
    github_api: GitHubStandIn, one: tuple[str, str], other: tuple[str, str]
) -> None:
    a = upsert(github_api, "A1", marker(*one))
    b = upsert(github_api, "B1", marker(*other))
    assert (a.action, b.action) == ("created", "created")
    assert a.id != b.id
    again = upsert(github_api, "B2", marker(*other))
    assert (again.action, again.id) == ("updated", b.id)
    bodies = {c["id"]: c["body"] for c in github_api.comments(REPO, PR)}
    assert bodies == {a.id: f"{marker(*one)}\nA1", b.id: f"{marker(*other)}\nB2"}


def test_comments_on_other_pull_requests_are_left_alone(github_api: GitHubStandIn) -> None:
    mark = marker("ci", "v1")
    elsewhere = upsert(github_api, "on PR 8", mark, number=8)
    here = upsert(github_api, "on PR 7", mark)
    assert here.action == "created"
    assert here.id != elsewhere.id
    assert github_api.comments(REPO, 8)[0]["body"] == f"{mark}\non PR 8"


# -- pagination ---------------------------------------------------------------------


def test_marked_comment_after_150_others_is_found_on_page_two(github_api: GitHubStandIn) -> None:
    mark = marker("schema-drift", "v1")
    for index in range(150):
        github_api.seed(REPO, PR, f"LGTM #{index}")
    # Not written by this run, not by a bot: the marker alone identifies the comment.
    old = github_api.seed(REPO, PR, f"{mark}\nlast week's report", login="a-person")
    github_api.seed(REPO, PR, "after it")

    result = upsert(github_api, "this week's report", mark)

    assert (result.action, result.id) == ("updated", old)
    comments = github_api.comments(REPO, PR)
    assert len(comments) == 152
    assert [c["id"] for c in comments if mark in c["body"]] == [old]
    assert comments[150]["body"] == f"{mark}\nthis week's report"
    assert all(c["body"] == f"LGTM #{i}" for i, c in enumerate(comments[:150]))
    pages = [r.query["page"] for r in github_api.requests if r.method == "GET"]
    assert pages == [["1"], ["2"]]


def test_without_a_marked_comment_every_page_is_read_then_one_is_created(
    github_api: GitHubStandIn,
) -> None:
    for index in range(200):  # exactly two full pages: the Link header says where to stop
        github_api.seed(REPO, PR, f"comment {index}")
    result = upsert(github_api, "report", marker("ci", "v1"))
    assert result.action == "created"
    listing = [r.query["page"] for r in github_api.requests if r.method == "GET"]
    assert listing == [["1"], ["2"]]
    assert len(github_api.comments(REPO, PR)) == 201


def test_marker_inside_a_longer_marker_does_not_match(github_api: GitHubStandIn) -> None:
    github_api.seed(REPO, PR, marker("ci-extra", "v1") + "\nother workflow")
    assert upsert(github_api, "mine", marker("ci", "v1")).action == "created"


# -- the marker ---------------------------------------------------------------------

NASTY = [
    "-->",
    "--!>",
    "a--b",
    "->",
    ">",
    "<!--",
    "x -->\n<img src=x onerror=alert(1)>",
    "---",
    "ends-with-",
    "-",
    "",
    "track=v2",
    "\u2014 dash \u2013",
]


@pytest.mark.parametrize("value", NASTY)
def test_marker_can_never_close_the_html_comment_early(value: str) -> None:
    for mark in (marker(value, "v1"), marker("ci", value), marker(value, value)):
        assert mark.startswith("<!-- schema-drift-action: workflow=")
        assert mark.endswith(" -->")
        inner = mark[len("<!--") : -len("-->")]
        assert "--" not in inner
        assert ">" not in inner
        assert "<" not in inner
        assert "\n" not in mark
        assert not inner.endswith("-")
        assert re.fullmatch(r"<!-- schema-drift-action: workflow=\S+ track=\S+ -->", mark)


def test_marker_keeps_ordinary_names_readable_and_distinct() -> None:
    assert marker("schema-drift", "v1") == (
        "<!-- schema-drift-action: workflow=schema-drift track=v1 -->"
    )
    assert marker("CI build", "v1") == "<!-- schema-drift-action: workflow=CI%20build track=v1 -->"
    values = ["a b", "a%20b", "a--b", "a%2D%2Db", "a-b", "", "%00", "a", "a track=b"]
    marks = {marker(value, "v1") for value in values} | {marker("ci", value) for value in values}
    assert len(marks) == 2 * len(values)


def test_a_sanitised_marker_round_trips_through_github(github_api: GitHubStandIn) -> None:
    mark = marker("release --> <b>", "v2")
    first = upsert(github_api, "one", mark)
    second = upsert(github_api, "two", mark)
    assert (first.action, second.action, second.id) == ("created", "updated", first.id)


# -- the body and GitHub's limit ----------------------------------------------------


def test_body_that_fits_exactly_is_sent_whole(github_api: GitHubStandIn) -> None:
    mark = marker("ci", "v1")
    body = "x" * (MAX_COMMENT_CHARS - len(mark) - 1)
    upsert(github_api, body, mark)
    sent = github_api.comments(REPO, PR)[0]["body"]
    assert sent == f"{mark}\n{body}"
    assert len(sent) == MAX_COMMENT_CHARS


@pytest.mark.parametrize("extra", [1, 50_000])
def test_long_body_is_cut_to_the_limit_with_a_notice_and_keeps_the_marker(
    github_api: GitHubStandIn, extra: int
) -> None:
    mark = marker("ci", "v1")
    lines = [f"| md.Schema{i} | drift | breaking |" for i in range(5000)]
    body = "\n".join(lines)
    body += "y" * max(0, MAX_COMMENT_CHARS - len(mark) - 1 - len(body) + extra)
    first = upsert(github_api, body, mark)  # the stand-in answers 422 past the limit
    sent = github_api.comments(REPO, PR)[0]["body"]
    assert len(sent) <= MAX_COMMENT_CHARS
    assert sent.startswith(mark + "\n| md.Schema0 |")
    assert sent.rstrip("\n").endswith(TRUNCATION_NOTICE)
    kept = sent[: sent.index(TRUNCATION_NOTICE)].rstrip("\n")
    assert f"{mark}\n{body}".startswith(kept)
    # Cut on a line boundary: the last kept line is a whole table row.
    assert kept.rsplit("\n", 1)[-1].endswith("|")
    # The marker still finds the truncated comment.
    assert upsert(github_api, body, mark) == CommentResult("updated", first.url, first.id)


def test_one_line_body_is_cut_mid_line() -> None:
    mark = marker("ci", "v1")
    sent = compose_body("z" * 100_000, mark)
    assert len(sent) <= MAX_COMMENT_CHARS
    assert sent.startswith(mark + "\nzzz")
    assert TRUNCATION_NOTICE in sent


# -- errors never show the token ----------------------------------------------------


def test_wrong_token_is_a_401_error_without_the_token(github_api: GitHubStandIn) -> None:
    wrong = "ghp_thisIsNotTheRightToken0123456789"
    with pytest.raises(CommentError) as caught:
        upsert(github_api, "body", marker("ci", "v1"), token=wrong)
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "list comments" in message
    assert "Bad credentials" in message
    assert wrong not in message
    assert TOKEN not in message
    assert github_api.comments(REPO, PR) == []


@pytest.mark.parametrize(
    ("method", "action", "existing"),
    [
        ("GET", "list comments", False),
        ("POST", "create comment", False),
        ("PATCH", "update comment", True),
    ],
)
def test_server_error_names_the_action_and_status_without_the_token(
    github_api: GitHubStandIn, method: str, action: str, existing: bool
) -> None:
    mark = marker("ci", "v1")
    if existing:
        github_api.seed(REPO, PR, f"{mark}\nold")
    # A server that echoes the token back must not get it into the message either.
    github_api.fail(500, method=method, message=f"boom while handling Bearer {TOKEN}")
    with pytest.raises(CommentError) as caught:
        upsert(github_api, "body", mark)
    message = str(caught.value)
    assert "HTTP 500" in message
    assert action in message
    assert f"{REPO}#{PR}" in message
    assert TOKEN not in message


def test_403_explains_the_permission_needed(github_api: GitHubStandIn) -> None:
    github_api.fail(403, method="POST", message="Resource not accessible by integration")
    with pytest.raises(CommentError, match=r"HTTP 403 .*pull-requests: write") as caught:
        upsert(github_api, "body", marker("ci", "v1"))
    assert TOKEN not in str(caught.value)


def test_unreachable_api_is_an_error_without_the_token() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CommentError, match="list comments") as caught:
        upsert_comment(
            api_url=f"http://127.0.0.1:{port}",
            repository=REPO,
            number=PR,
            token=TOKEN,
            body="body",
            marker=marker("ci", "v1"),
            timeout=2.0,
        )
    assert TOKEN not in str(caught.value)
    # The httpx error (whose request holds the Authorization header) is not chained.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("token", [f"{TOKEN}\r\nX-Injected: 1", f"{TOKEN} ", f"{TOKEN}\u00e9"])
def test_token_an_http_header_cannot_carry_is_refused_without_echoing_it(
    github_api: GitHubStandIn, token: str
) -> None:
    with pytest.raises(CommentError, match="token") as caught:
        upsert(github_api, "body", marker("ci", "v1"), token=token)
    assert TOKEN not in str(caught.value)
    assert github_api.requests == []


@pytest.mark.parametrize(
    "repository",
    ["", "octo-repo", "a/b/c", "../x", "./x", "a/..", "a b/c", "a/b?x=1", "/a/b", "a/b/"],
)
def test_repository_must_be_owner_slash_name(github_api: GitHubStandIn, repository: str) -> None:
    with pytest.raises(CommentError, match="owner/name"):
        upsert(github_api, "body", marker("ci", "v1"), repository=repository)
    assert github_api.requests == []


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"token": ""}, "no GitHub token"),
        ({"number": 0}, "positive integer"),
        ({"marker": ""}, "marker"),
        ({"api_url": "ftp://example"}, "http"),
    ],
)
def test_other_inputs_are_checked_before_any_request(
    github_api: GitHubStandIn, overrides: dict[str, Any], match: str
) -> None:
    with pytest.raises(CommentError, match=match):
        upsert(github_api, "body", marker("ci", "v1"), **overrides)
    assert github_api.requests == []


def test_api_url_with_a_trailing_slash_and_a_path_prefix(github_api: GitHubStandIn) -> None:
    result = upsert(github_api, "body", marker("ci", "v1"), api_url=github_api.url + "/")
    assert result.action == "created"
    with pytest.raises(CommentError, match="HTTP 404"):  # GHES-style /api/v3 prefix, unknown here
        upsert(github_api, "body", marker("ci", "v1"), api_url=github_api.url + "/api/v3")


# -- the event payload --------------------------------------------------------------


def write_event(tmp_path: Path, payload: Any) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
def test_pull_request_events_give_the_number(tmp_path: Path, event: str) -> None:
    path = write_event(
        tmp_path, {"action": "synchronize", "number": 42, "pull_request": {"number": 42}}
    )
    assert pull_request_number(path, event) == 42


def test_number_from_the_pull_request_object_or_the_top_level(tmp_path: Path) -> None:
    assert (
        pull_request_number(write_event(tmp_path, {"pull_request": {"number": 5}}), "pull_request")
        == 5
    )
    assert pull_request_number(write_event(tmp_path, {"number": 6}), "pull_request") == 6


def test_push_and_other_events_give_none(tmp_path: Path) -> None:
    path = write_event(
        tmp_path, {"ref": "refs/heads/main", "number": 3, "pull_request": {"number": 3}}
    )
    for event in ("push", "schedule", "workflow_dispatch", "issue_comment", None, ""):
        assert pull_request_number(path, event) is None


@pytest.mark.parametrize(
    "content",
    [
        None,
        "",
        "{not json",
        "[1, 2]",
        '{"number": "42"}',
        '{"number": true}',
        '{"number": 0}',
        '{"pull_request": {"number": -1}}',
        '{"pull_request": null}',
        "\udcff",
    ],
)
def test_missing_or_unusable_event_file_gives_none(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "event.json"
    if content is not None:
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert pull_request_number(str(path), "pull_request") is None
    assert pull_request_number(None, "pull_request") is None
    assert pull_request_number(str(tmp_path), "pull_request") is None  # a directory
