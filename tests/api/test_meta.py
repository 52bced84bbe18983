"""GET /v1/taxonomy, /openapi.yaml and /metrics."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from support.http import OPENAPI_PATH

from service.analysis.taxonomy import load_taxonomy
from service.api.schemas import TaxonomyCategorySchema


def _samples(
    client: FlaskClient, accept: str | None = None
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    headers = {"Accept": accept} if accept else {}
    text = client.get("/metrics", headers=headers).get_data(as_text=True)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _labels(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


def test_taxonomy_lists_every_category(client: FlaskClient) -> None:
    response = client.get("/v1/taxonomy")
    assert response.status_code == 200
    categories = response.get_json()["categories"]
    taxonomy = load_taxonomy()
    assert [c["id"] for c in categories] == [c.id for c in taxonomy.categories]
    for served, category in zip(categories, taxonomy.categories, strict=True):
        assert served["family"] == category.family
        assert served["description"] == category.description
        assert served["cwe"] == list(category.cwe)


def test_taxonomy_body_is_what_jsonify_writes_and_the_same_every_time(app: Flask) -> None:
    document = {"categories": TaxonomyCategorySchema(many=True).dump(load_taxonomy().categories)}
    with app.app_context():
        expected = jsonify(document).get_data()
    client = app.test_client()
    first, second = client.get("/v1/taxonomy"), client.get("/v1/taxonomy")
    assert first.status_code == second.status_code == 200
    assert first.mimetype == "application/json"
    assert first.get_data() == expected
    assert second.get_data() == first.get_data()


def test_taxonomy_names_the_contracts_representative_cwe_first(client: FlaskClient) -> None:
    categories = {c["id"]: c for c in client.get("/v1/taxonomy").get_json()["categories"]}
    assert categories["injection"]["cwe"][0] == "CWE-74"
    assert categories["request-forgery"]["cwe"][0] == "CWE-352"
    assert categories["naming"]["cwe"] == []
    assert categories["naming"]["family"] == "quality"


def test_openapi_document_is_the_repository_file(client: FlaskClient) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert response.get_data() == OPENAPI_PATH.read_bytes()


def test_metrics_count_requests_by_route_template_and_status(client: FlaskClient) -> None:
    for _ in range(3):
        client.post("/v1/analyze", json={"body": "No security defects are detected."})
    client.post("/v1/analyze", json={"body": ""})
    client.get("/no/such/path/42")
    client.get("/another/unknown")
    samples = _samples(client)
    total = "http_requests_total"
    assert samples[(total, _labels(method="POST", path="/v1/analyze", status="200"))] == 3
    assert samples[(total, _labels(method="POST", path="/v1/analyze", status="400"))] == 1
    assert samples[(total, _labels(method="GET", path="<unmatched>", status="404"))] == 2
    duration = "http_request_duration_seconds_count"
    assert samples[(duration, _labels(method="POST", path="/v1/analyze", status="200"))] == 3


def test_metrics_bound_unusual_methods(client: FlaskClient) -> None:
    client.open("/livez", method="PROPFIND")
    samples = _samples(client)
    assert (
        samples[
            ("http_requests_total", _labels(method="<other>", path="<unmatched>", status="405"))
        ]
        == 1
    )


def test_metrics_count_analyses(client: FlaskClient) -> None:
    reviews = [{"body": "No security defects are detected in the code."}, {"body": "  "}]
    client.post("/v1/analyze/batch", json={"reviews": reviews})
    samples = _samples(client)
    verdicts = sum(v for (name, _), v in samples.items() if name == "review_verdicts_total")
    assert verdicts == 2
    assert samples[("review_issues_count", frozenset())] == 2
    assert samples[("review_body_bytes_count", frozenset())] == 2
    assert samples[("review_body_bytes_sum", frozenset())] == len(reviews[0]["body"]) + 2
    assert samples[("review_analysis_duration_seconds_count", frozenset())] == 2
    assert samples[("review_flags_total", _labels(flag="empty"))] == 1


def test_metrics_in_progress_gauge_returns_to_zero(client: FlaskClient) -> None:
    client.get("/livez")
    client.get("/nowhere")
    # The scrape itself is the one request in progress.
    assert _samples(client)[("http_requests_in_progress", frozenset())] == 1


def test_metrics_negotiate_openmetrics(client: FlaskClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.mimetype == "application/openmetrics-text"
    assert response.get_data(as_text=True).endswith("# EOF\n")


def test_metrics_default_to_prometheus_text(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.mimetype == "text/plain"
    assert "# TYPE http_requests_total counter" in response.get_data(as_text=True)
