"""``[metrics]``: where the watch, the load drill and the chaos drills read the target's metrics."""

from __future__ import annotations

from drillbook.config.model import Count, Positive, Section, Share, Text, TextList, choice, setting

SOURCES = ("scrape", "probe", "azure-monitor")


class MetricsSection(Section):
    """The metrics source, its interval, what counts as data, and (scrape) the Prometheus names it reads."""

    source: choice(*SOURCES) = setting("probe", '"scrape"', "scrape (Prometheus text at path), probe (drillbook's "
                                       "own traffic) or azure-monitor (Application Insights and Azure Monitor)")
    interval_s: Positive = setting(60.0, "60", "the watch's evaluation interval")
    min_requests: Count = setting(20, "20", "a window with fewer requests is no data")
    min_points_share: Share = setting(0.8, "0.8", "a gauge window with fewer of its expected points is no data")
    max_unreadable_share: Share = setting(0.2, "0.2", "more unreadable ticks than this share make the watch "
                                                      "inconclusive")
    path: Text = setting("/metrics", '"/metrics"', "scrape: where the target serves Prometheus text")
    requests_metric: Text = setting("http_requests_total", '"http_requests_total"', "scrape: the request counter")
    duration_metric: Text = setting("http_request_duration_seconds", '"http_request_duration_seconds"',
                                    "scrape: the request duration histogram")
    status_label: Text = setting("status", '"status"', "scrape: the label holding the HTTP status")
    route_label: Text = setting("route", '"route"', "scrape: the label holding the route")
    method_label: Text = setting("method", '"method"', "scrape: the label holding the HTTP method")
    cpu_metric: Text = setting("process_cpu_seconds_total", '"process_cpu_seconds_total"', "scrape: CPU seconds")
    memory_metric: Text = setting("process_resident_memory_bytes", '"process_resident_memory_bytes"',
                                  "scrape: resident memory in bytes")
    memory_limit_mb: Positive | None = setting(None, "1536", "scrape: the memory the process may use, for the "
                                                             "memory rule; unset: memory is not judged")
    probe_routes: TextList = setting(("/health", "/health/ready", "/api/shards?tenantId=drillbook-probe"),
                                     '["/health", "/api/shards"]', "the routes drillbook's own probe traffic exercises")
    probe_rps: Positive = setting(5.0, "5", "the probe traffic's requests per second")
