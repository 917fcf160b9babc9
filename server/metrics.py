"""Prometheus metrics of the served calls, in a registry owned by one app."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

__all__ = ["ServerMetrics"]

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class ServerMetrics:
    """Requests, errors by type, latency (answers and failures apart), first token, cost."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "genesis_requests",
            "Chat completion requests served",
            ["model", "task", "outcome"],
            registry=self.registry,
        )
        self.errors = Counter(
            "genesis_errors", "Failed calls by error type", ["type"], registry=self.registry
        )
        self.latency = Histogram(
            "genesis_request_seconds",
            "Total time of a served request",
            ["model", "task"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.failed_latency = Histogram(
            "genesis_failed_attempt_seconds",
            "Time lost on failed attempts (kept apart from the answers' latency)",
            ["model", "type"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.first_token = Histogram(
            "genesis_first_token_seconds",
            "Time to the first streamed token",
            ["model", "task"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.cost = Counter(
            "genesis_cost_usd",
            "Cost of served calls in USD",
            ["model", "task"],
            registry=self.registry,
        )

        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def count(self, counter: Counter, *labels: str) -> Counter:
        """``counter.labels(*labels)``, looked up once rather than on every request."""
        child: Counter = self._child(counter, labels)
        return child

    def timing(self, histogram: Histogram, *labels: str) -> Histogram:
        """``histogram.labels(*labels)``, looked up once rather than on every request."""
        child: Histogram = self._child(histogram, labels)
        return child

    def _child(self, metric: Counter | Histogram, labels: tuple[str, ...]) -> Any:
        key = (id(metric), labels)  # the metrics live as long as this object
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def render(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
