"""The HTTP harness's parsers and the baseline app (no server is started, no load is sent)."""

from __future__ import annotations

import json
import os

import pytest

from bench import httpload
from bench.baseline_app import FIXED_ANSWER, app

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:1234/v1/analyze
  1 threads and 4 connections
BENCH_JSON {"requests": 2500, "duration_us": 10000000, "bytes": 1000, "connect": 0, "read": 2, \
"write": 0, "status": 3, "timeout": 1, "p50_us": 1500, "p99_us": 9000}
"""


def test_parse_wrk_reads_the_summary_line() -> None:
    result = httpload.parse_wrk(WRK_OUTPUT)
    assert result.requests == 2500
    assert result.rate == pytest.approx(250.0)
    assert result.errors == 3
    assert result.non_2xx == 3
    assert result.p50_ms == pytest.approx(1.5)
    assert result.p99_ms == pytest.approx(9.0)


def test_parse_wrk_without_summary_fails() -> None:
    with pytest.raises(ValueError, match="BENCH_JSON"):
        httpload.parse_wrk("Running 10s test\n")


def test_parse_rss() -> None:
    assert httpload.parse_rss_kb("Name:\tx\nVmRSS:\t   51234 kB\nVmData: 1 kB\n") == 51234
    with pytest.raises(ValueError, match="VmRSS"):
        httpload.parse_rss_kb("Name:\tx\n")


def test_rss_of_this_process() -> None:
    size = httpload.rss_mb(os.getpid())
    assert size is not None
    assert size > 1


def test_request_lines_are_one_json_request_per_line() -> None:
    text = httpload.request_lines(["a\nb", "c"])
    lines = text.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"body": "a\nb", "id": "bench-0"},
        {"body": "c", "id": "bench-1"},
    ]


def test_baseline_parses_the_json_and_answers_fixed_json() -> None:
    client = app.test_client()
    answer = client.post("/v1/analyze", json={"body": "review", "id": "x"})
    assert answer.status_code == 200
    assert answer.get_json() == FIXED_ANSWER
    assert client.post("/v1/analyze", json={"body": 3}).status_code == 400
    assert client.get("/livez").status_code == 200
