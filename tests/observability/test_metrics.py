"""The Metrics object: labels, bounded cardinality, exposition, multiprocess guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.observability.metrics import OTHER_METHOD, Metrics


def _values(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = metrics.render(None)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_requests_are_counted_by_method_path_and_status() -> None:
    metrics = Metrics()
    metrics.observe_request("POST", "/v1/analyze", 200, 0.01)
    metrics.observe_request("POST", "/v1/analyze", 200, 0.02)
    metrics.observe_request("GET", "/livez", 503, 0.0)
    values = _values(metrics)
    key = (("method", "POST"), ("path", "/v1/analyze"), ("status", "200"))
    assert values[("http_requests_total", key)] == 2
    assert values[("http_request_duration_seconds_count", key)] == 2
    assert values[("http_request_duration_seconds_sum", key)] == pytest.approx(0.03)


def test_unknown_methods_share_one_label() -> None:
    metrics = Metrics()
    for method in ("FOO", "BAR", "get"):
        metrics.observe_request(method, "<unmatched>", 405, 0.0)
    values = _values(metrics)
    key = (("method", OTHER_METHOD), ("path", "<unmatched>"), ("status", "405"))
    assert values[("http_requests_total", key)] == 3


def test_analyses_are_recorded() -> None:
    metrics = Metrics()
    metrics.observe_analysis(
        verdict="defects_found",
        issue_count=3,
        categories=[("injection", "security", 2), ("naming", "quality", 1)],
        flags=["contradiction"],
        body_bytes=1000,
        seconds=0.004,
    )
    values = _values(metrics)
    assert values[("review_verdicts_total", (("verdict", "defects_found"),))] == 1
    assert values[("review_issues_sum", ())] == 3
    cat = (("category", "injection"), ("family", "security"))
    assert values[("review_categories_total", cat)] == 2
    assert values[("review_flags_total", (("flag", "contradiction"),))] == 1
    assert values[("review_body_bytes_sum", ())] == 1000
    assert values[("review_analysis_duration_seconds_count", ())] == 1


def test_each_instance_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe_request("GET", "/livez", 200, 0.0)
    assert not any(name == "http_requests_total" for name, _ in _values(second))


def test_in_progress_gauge_goes_up_and_down() -> None:
    metrics = Metrics()
    metrics.request_started()
    metrics.request_started()
    metrics.request_finished()
    assert _values(metrics)[("http_requests_in_progress", ())] == 1


def test_multiprocess_mode_refuses_values_that_would_not_be_shared(tmp_path: Path) -> None:
    # This process imported prometheus_client without PROMETHEUS_MULTIPROC_DIR, so its values
    # live in process memory: exporting them as "every worker" would be wrong.
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR"):
        Metrics(str(tmp_path))
