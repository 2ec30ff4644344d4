"""``[security]``: the security checks (admin routes, headers, certificate age)."""

from __future__ import annotations

from drillbook.config.model import Number, Positive, Routes, Section, TextList, setting


class SecuritySection(Section):
    """Which routes must refuse anonymous callers, which answers need security headers, and the TLS floor."""

    tls_min_days: Positive = setting(21.0, "21", "the certificate must stay valid at least this many days")
    admin_routes: Routes = setting(("GET /api/admin/cache/stats", "POST /api/admin/cache/clear",
                                    "GET /api/admin/performance/slow"), '["GET /api/admin/cache/stats"]',
                                   "routes that must refuse a request without the admin token")
    header_paths: TextList = setting(("/health",), '["/health", "/api/shards?tenantId=drillbook-probe"]',
                                     "paths whose answers must carry the security headers")
    hsts_min_age_s: Number = setting(15768000.0, "31536000", "the smallest Strict-Transport-Security max-age "
                                                             "(six months, the usual floor)")
