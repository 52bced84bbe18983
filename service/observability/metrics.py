"""Every Prometheus metric the service exports, and their exposition.

One `Metrics` object per app owns all metric objects, registered in a private registry (so tests
can build many apps in one process). Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set before any
worker imports prometheus_client; each worker then writes its values to memory-mapped files in
that directory and a scrape merges the files of every worker, live or dead, so counts are exact
whichever worker answers the scrape.

Label values are bounded: `path` is the route template (or `<unmatched>`), `method` one of the
standard methods (or `<other>`), categories and verdicts come from fixed enumerations.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

UNMATCHED_ROUTE = "<unmatched>"
OTHER_METHOD = "<other>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_ISSUE_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
_BYTE_BUCKETS = tuple(float(2**n) for n in range(8, 25, 2))  # 256 B .. 16 MiB, x4 steps


class Metrics:
    """The service's metric objects and how to expose them."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        if multiprocess_dir is not None:
            _require_multiprocess_values(multiprocess_dir)
        self._multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        http = ("method", "path", "status")
        self.http_requests = Counter(
            "http_requests", "HTTP requests answered.", http, registry=registry
        )
        self.http_duration = Histogram(
            "http_request_duration_seconds",
            "Time from request received to response ready.",
            http,
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )
        self.http_in_progress = Gauge(
            "http_requests_in_progress",
            "Requests being handled right now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.verdicts = Counter(
            "review_verdicts", "Reviews analysed, by verdict.", ("verdict",), registry=registry
        )
        self.issues = Histogram(
            "review_issues", "Issues found per review.", buckets=_ISSUE_BUCKETS, registry=registry
        )
        self.categories = Counter(
            "review_categories",
            "Issues found, by category.",
            ("category", "family"),
            registry=registry,
        )
        self.flags = Counter(
            "review_flags", "Reviews analysed, by flag raised.", ("flag",), registry=registry
        )
        self.body_bytes = Histogram(
            "review_body_bytes",
            "Size of review bodies in UTF-8 bytes.",
            buckets=_BYTE_BUCKETS,
            registry=registry,
        )
        self.analysis_duration = Histogram(
            "review_analysis_duration_seconds",
            "Time spent analysing one review body.",
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )

    def request_started(self) -> None:
        """Count a request as in progress."""
        self.http_in_progress.inc()

    def request_finished(self) -> None:
        """Stop counting a request as in progress."""
        self.http_in_progress.dec()

    def observe_request(self, method: str, path: str, status: int, seconds: float) -> None:
        """Record one answered request; `path` is the route template or `UNMATCHED_ROUTE`."""
        labels = (method if method in _METHODS else OTHER_METHOD, path, str(status))
        self.http_requests.labels(*labels).inc()
        self.http_duration.labels(*labels).observe(seconds)

    def observe_analysis(
        self,
        *,
        verdict: str,
        issue_count: int,
        categories: Iterable[tuple[str, str, int]],
        flags: Iterable[str],
        body_bytes: int,
        seconds: float,
    ) -> None:
        """Record one analysed review; `categories` holds (id, family, issue count) triples."""
        self.verdicts.labels(verdict).inc()
        self.issues.observe(issue_count)
        for category, family, count in categories:
            self.categories.labels(category, family).inc(count)
        for flag in flags:
            self.flags.labels(flag).inc()
        self.body_bytes.observe(body_bytes)
        self.analysis_duration.observe(seconds)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """Return the exposition (format negotiated from `accept`) and its content type."""
        encoder, content_type = choose_encoder(accept or "")
        if self._multiprocess_dir is None:
            return encoder(self.registry), content_type
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self._multiprocess_dir)  # type: ignore[no-untyped-call]
        return encoder(merged), content_type


def _require_multiprocess_values(directory: str) -> None:
    """Fail loudly rather than export per-worker numbers that merely look right."""
    if not getattr(values.ValueClass, "_multiprocess", False):
        raise RuntimeError(
            "prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set, "
            "so its metrics are not shared between processes"
        )
    exported = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not os.path.isdir(directory) or os.path.realpath(exported) != os.path.realpath(directory):
        raise RuntimeError(
            f"the metrics directory {directory!r} must exist and equal the "
            "PROMETHEUS_MULTIPROC_DIR environment variable"
        )
