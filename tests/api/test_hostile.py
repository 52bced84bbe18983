"""Hostile requests over HTTP (Flask test client): never a 500, never a hang, bounded answers.

Every worst-case body family of the performance work, at the 1 MiB body limit, and every
malformed request we could think of (invalid UTF-8, lone surrogates, 50k-deep JSON, duplicate
keys, huge batches) gets 200, 400 or 413; anything but 200 is an RFC 9457 problem. Each request
runs under a generous guard, so a hang fails the test instead of stalling the suite, and every
answer is checked against openapi.yaml and for its hygiene headers.

What can grow with the input is bounded: issues per review (MAX_ISSUES, with the `capped` flag),
line references and symbols per issue, CWE ids, JSON nesting, and the size of the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask.testing import FlaskClient
from support.http import ValidateResponse, problem
from werkzeug.test import TestResponse

from service.analysis.extract import MAX_CWES, MAX_LINE_REFS, MAX_SYMBOLS
from service.analysis.pipeline import MAX_ISSUES
from service.config import MIB

# Far above any honest analysis time on a loaded machine: this guards against hangs only.
HANG_GUARD_SECONDS = 120.0


def fill(unit: str, limit: int = MIB) -> str:
    """`unit` repeated to at most `limit` bytes of UTF-8 (whole units only)."""
    return unit * (limit // len(unit.encode("utf-8")))


def numbered(template: str, limit: int = MIB, start: int = 1) -> str:
    """Concatenate template.format(n) for n = start, start + 1, ... up to `limit` bytes."""
    parts: list[str] = []
    size = 0
    n = start
    while True:
        part = template.format(n)
        size += len(part.encode("utf-8"))
        if size > limit:
            return "".join(parts)
        parts.append(part)
        n += 1


# The worst-case families of the performance work, each as large as the body limit allows.
FAMILIES: dict[str, Callable[[], str]] = {
    "stars": lambda: fill("*"),
    "backticks": lambda: fill("`"),
    "hashes": lambda: fill("#"),
    "line-list": lambda: "line 1" + numbered(", {}", MIB - 6, start=2),
    "list-items-100k": lambda: "- x\n" * 100_000,
    "nesting-200": lambda: "".join(f"{'  ' * level}- level {level}\n" for level in range(200)),
    "one-long-line": lambda: fill("word "),
    "combining-marks": lambda: "a" + fill("\u0301", MIB - 1),
    "open-fences": lambda: fill("```\n"),
    "cwe-prefix": lambda: fill("CWE-"),
}
# More shapes that stress one stage or another; 128 KiB each keeps `make test` fast (the
# families above already run at the full limit).
EXTRA = 128 * 1024
EXTRA_FAMILIES: dict[str, Callable[[], str]] = {
    "cwe-ids": lambda: "- " + numbered("CWE-{} ", EXTRA),
    "symbols": lambda: "- " + numbered("`sym_{}` ", EXTRA),
    "nul-and-controls": lambda: fill("\x00\x01\x1b[0m\x7f", EXTRA),
    "control-chars-in-an-item": lambda: "- " + fill("\x01", EXTRA),
    "lone-cr": lambda: fill("1. item\r", EXTRA),
    "crlf": lambda: fill("- item\r\n", EXTRA),
    "json-nested-50k": lambda: "[" * 50_000 + "]" * 50_000,
    "json-answer-nested": lambda: '{"issues": ' * 500 + '"x"' + "}" * 500,
    "json-answer-wide": lambda: '{"issues": [' + numbered('{{"title": "t{}"}}, ', EXTRA) + "{}]}",
    "quote-nesting": lambda: fill("> ", EXTRA),
    "emphasis": lambda: fill("**a** _b_ ", EXTRA),
    "table-rows": lambda: "| a | b |\n|---|---|\n" + fill("| x | `y` |\n", EXTRA),
    "headings": lambda: numbered("## h{}\ntext\n", EXTRA),
    "html-comments": lambda: fill("<!-- x -->", EXTRA),
    "unclosed-html-comment": lambda: "<!--" + fill("x", EXTRA),
    "mojibake": lambda: fill("Itâ€™s ", EXTRA),
    "emoji-and-rtl": lambda: fill("\U0001f600\u202e\u200b", EXTRA),
    "yaml-fence": lambda: "```yaml\n" + numbered("key{}: &a [*a, {{b: *a}}]\n", EXTRA) + "```",
}


def guarded(call: Callable[[], TestResponse]) -> TestResponse:
    """Run `call` in a thread; fail (instead of hanging) if it does not return in time."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=HANG_GUARD_SECONDS)


def check_answer(response: TestResponse, validate: ValidateResponse) -> dict[str, Any]:
    """200, 400 or 413; a problem unless 200; documented; hygiene headers. Return the JSON."""
    assert response.status_code in {200, 400, 413}, response.get_data(as_text=True)[:500]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]
    assert response.headers["Cache-Control"] == "no-store"
    validate(response)
    if response.status_code != 200:
        return problem(response, response.status_code)
    document: dict[str, Any] = response.get_json()
    return document


def check_bounded(analysis: dict[str, Any], body: str, response: TestResponse) -> None:
    """Everything that grows with the body is capped; the answer is at most a few times it."""
    issues = analysis["issues"]
    assert len(issues) <= MAX_ISSUES
    for issue in issues:
        assert len(issue["lines"]) <= MAX_LINE_REFS
        assert len(issue["symbols"]) <= MAX_SYMBOLS
        assert len(issue["cwe"]) <= MAX_CWES
        assert 0 <= issue["span"]["start"] < issue["span"]["end"] <= len(body)
    # The answer quotes each issue's text once, JSON-escaped: a control character becomes
    # `\u00XX` (6 bytes for 1), so 6x the body is the worst case, plus a fixed overhead.
    assert len(response.get_data()) <= 6 * len(body.encode("utf-8")) + 256 * 1024


@pytest.mark.parametrize("family", [*FAMILIES, *EXTRA_FAMILIES])
def test_worst_case_bodies_get_an_answer(
    client: FlaskClient, validate_response: ValidateResponse, family: str
) -> None:
    body = {**FAMILIES, **EXTRA_FAMILIES}[family]()
    assert len(body.encode("utf-8")) <= MIB
    response = guarded(
        lambda: client.post("/v1/analyze", data=body.encode("utf-8"), content_type="text/plain")
    )
    analysis = check_answer(response, validate_response)
    assert response.status_code == 200
    check_bounded(analysis, body, response)


def test_issues_are_capped_with_the_capped_flag(client: FlaskClient) -> None:
    body = "".join(
        f"{n}. `f{n}()` leaks a file handle (line {n}).\n" for n in range(1, 2 * MAX_ISSUES)
    )
    response = guarded(lambda: client.post("/v1/analyze", json={"body": body}))
    analysis = response.get_json()
    assert len(analysis["issues"]) == MAX_ISSUES
    assert "capped" in analysis["flags"]
    assert [i["index"] for i in analysis["issues"]] == list(range(1, MAX_ISSUES + 1))


def test_under_the_cap_there_is_no_capped_flag(client: FlaskClient) -> None:
    body = "".join(f"{n}. `f{n}()` leaks a file handle.\n" for n in range(1, 11))
    analysis = client.post("/v1/analyze", json={"body": body}).get_json()
    assert len(analysis["issues"]) == 10
    assert "capped" not in analysis["flags"]


def test_symbols_per_issue_are_capped(client: FlaskClient) -> None:
    body = "- " + " ".join(f"`symbol_{n}`" for n in range(5 * MAX_SYMBOLS))
    [issue] = client.post("/v1/analyze", json={"body": body}).get_json()["issues"]
    assert issue["symbols"] == [f"symbol_{n}" for n in range(MAX_SYMBOLS)]


def test_cwe_ids_per_issue_are_capped(client: FlaskClient) -> None:
    body = "- " + " ".join(f"CWE-{n}" for n in range(1, 5 * MAX_CWES))
    [issue] = client.post("/v1/analyze", json={"body": body}).get_json()["issues"]
    assert issue["cwe"] == [f"CWE-{n}" for n in range(1, MAX_CWES + 1)]


def test_line_references_per_issue_are_capped(client: FlaskClient) -> None:
    body = "- line 1" + "".join(f", {n}" for n in range(2, 5 * MAX_LINE_REFS))
    [issue] = client.post("/v1/analyze", json={"body": body}).get_json()["issues"]
    assert len(issue["lines"]) == MAX_LINE_REFS
    assert issue["lines"][-1] == {"start": MAX_LINE_REFS, "end": MAX_LINE_REFS}


def test_capped_line_references_set_the_capped_flag(client: FlaskClient) -> None:
    body = "- line 1" + "".join(f", {n}" for n in range(2, 5 * MAX_LINE_REFS))
    analysis = client.post("/v1/analyze", json={"body": body}).get_json()
    assert "capped" in analysis["flags"]


# --- malformed requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\xff\xfe\xfd", "text/plain"),
        (b"valid start \xc3\x28 then invalid", "text/markdown"),
        (b"\xed\xa0\x80", "text/plain"),  # a UTF-8-encoded surrogate is not UTF-8
        (b"\xf4\x90\x80\x80", "text/plain"),  # above U+10FFFF
        (b"\xc0\xaf", "text/plain"),  # overlong encoding of '/'
        (b'{"body": "\xff"}', "application/json"),
        (b"\xef\xbb\xbf\xff", "text/plain"),
    ],
)
def test_invalid_utf8_is_400(client: FlaskClient, data: bytes, content_type: str) -> None:
    response = client.post("/v1/analyze", data=data, content_type=content_type)
    document = problem(response, 400)
    assert document["code"] == "invalid_utf8"
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "data",
    [
        b'{"body": "\\ud800"}',
        b'{"body": "review \\udfff tail"}',
        b'{"body": "x", "id": "\\ud83d"}',
        b'{"reviews": [{"body": "ok"}, {"body": "\\udc00"}]}',
    ],
)
def test_lone_surrogate_escapes_are_400(client: FlaskClient, data: bytes) -> None:
    path = "/v1/analyze/batch" if b"reviews" in data else "/v1/analyze"
    response = client.post(path, data=data, content_type="application/json")
    document = problem(response, 400)
    assert document["errors"]


def test_a_surrogate_pair_escape_is_a_valid_character(client: FlaskClient) -> None:
    response = client.post(
        "/v1/analyze", data=b'{"body": "ok \\ud83d\\ude00"}', content_type="application/json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("depth", [1_000, 50_000, 1_000_000])
def test_deeply_nested_json_request_is_400(client: FlaskClient, depth: int) -> None:
    for data in (b"[" * depth + b"]" * depth, b'{"body": ' + b"[" * depth + b"]" * depth + b"}"):

        def send(data: bytes = data) -> TestResponse:
            return client.post("/v1/analyze", data=data, content_type="application/json")

        response = guarded(send)
        document = problem(response, 400)
        assert document["code"] in {"invalid_json", "invalid_request"}


@pytest.mark.parametrize("count", [101, 10_000, 200_000])
def test_huge_batches_are_refused_before_any_analysis(client: FlaskClient, count: int) -> None:
    data = json.dumps({"reviews": [{"body": "x"}] * count}).encode()
    response = guarded(
        lambda: client.post("/v1/analyze/batch", data=data, content_type="application/json")
    )
    assert len(data) <= 8 * MIB  # under the request limit: the batch size is what is refused
    document = problem(response, 400)
    assert response.headers["X-Request-ID"]
    assert "reviews" in document["errors"]


def test_batch_over_the_request_limit_is_413(client: FlaskClient) -> None:
    review = {"body": fill("a", 100 * 1024)}
    data = json.dumps({"reviews": [review] * 90}).encode()
    assert len(data) > 8 * MIB
    problem(client.post("/v1/analyze/batch", data=data, content_type="application/json"), 413)


def test_full_batch_of_worst_case_bodies_is_answered(
    client: FlaskClient, validate_response: ValidateResponse
) -> None:
    # The largest batch, every review hostile (2 KiB each: the families above run at 1 MiB).
    units = ["*", "`", "#", "line 1, ", "- x\n", "```\n", "CWE-", "\u0301", "> ", "| a |\n"]
    reviews = [{"id": str(n), "body": fill(units[n % len(units)], 2 * 1024)} for n in range(100)]
    data = json.dumps({"reviews": reviews}).encode()
    assert len(data) <= 8 * MIB
    response = guarded(
        lambda: client.post("/v1/analyze/batch", data=data, content_type="application/json")
    )
    document = check_answer(response, validate_response)
    assert [result["id"] for result in document["results"]] == [str(n) for n in range(100)]


def test_body_one_byte_over_the_limit_is_413(client: FlaskClient) -> None:
    body = fill("a", MIB) + "a"
    response = client.post("/v1/analyze", data=body.encode(), content_type="text/plain")
    assert problem(response, 413)["code"] == "body_too_large"
    multibyte = fill("é", MIB) + "é"  # the limit counts UTF-8 bytes, not characters
    response = client.post("/v1/analyze", json={"body": multibyte})
    assert problem(response, 413)["code"] == "body_too_large"


@pytest.mark.parametrize(
    "header", ["x" * 10_000, "\x00\x01", "<script>alert(1)</script>", "id\r\nX-Injected: 1"]
)
def test_hostile_request_ids_are_replaced(client: FlaskClient, header: str) -> None:
    # Put into the WSGI environ directly: werkzeug's client refuses to send a line break.
    response = client.get("/livez", environ_overrides={"HTTP_X_REQUEST_ID": header})
    assert response.headers["X-Request-ID"] != header
    assert len(response.headers["X-Request-ID"]) == 32
    assert "X-Injected" not in response.headers


def test_a_review_id_is_a_name_not_a_document(client: FlaskClient) -> None:
    long_id = "r" * 257
    reply = client.post("/v1/analyze", json={"body": "LGTM", "id": long_id})
    assert reply.status_code == 400
    assert "id" in reply.get_json()["errors"]
    reply = client.post(
        "/v1/analyze",
        data="LGTM",
        headers={"Content-Type": "text/plain", "X-Review-ID": long_id},
    )
    assert reply.status_code == 400
    assert client.post("/v1/analyze", json={"body": "LGTM", "id": "r" * 256}).status_code == 200


def test_non_ascii_and_control_characters_do_not_bloat_the_answer(client: FlaskClient) -> None:
    body = "- `f()` is never used: " + ("é\x01" * 20_000)
    reply = client.post("/v1/analyze", json={"body": body})
    assert reply.status_code == 200
    assert len(reply.data) < 3 * len(body.encode("utf-8"))
    assert "\\u0001" not in reply.get_data(as_text=True)
