"""Requests that never reached the API: counted apart from its errors, and their own verdict when they dominate.

A request without a connection behind it (no TLS session, connection refused, a
host name that does not resolve, no connection in time; see _locust_reach) tells
nothing about the API. The API's error rate and latency are judged on the requests
that reached it; these are counted here, by kind and cause.

The rule: when more than half the requests of a complete window (the error-rate
rule's window, with at least the minimum of requests), or of the whole run, never
reached the API, the run is *unreachable*: a configuration or network finding that
names the cause and the fix, never a threshold breach with the runbook's remedy for
a high error rate. A window that decides it stops the load, as a failed rule does.
Fewer are reported as a note, whatever the verdict.

>>> reach = Reach.for_window(window_s=6, min_requests=5, run_start=t0)
>>> reach.add(interval)
>>> reach.dominated, reach.finding("locust client-side")
(True, 'unreachable: 48 of 48 requests (100 %) never reached the API over 6 s window ending ...')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from drillbook.load._stats import Interval
from drillbook.rules import Evaluator, Rule, Sample
from drillbook.record.series import iso_utc

UNREACHABLE_PCT = 50.0  # above this share of a window's (or the run's) requests, the load did not test the API
CAUSES_SHOWN = 3
TARGET_FIX = "check [target] base_url (host and port), and that the API is up and reachable from this machine"
FIXES = {
    "tls": "set [http] ca_bundle to the PEM file of the CA that signed the target's certificate (or, for a test "
           "target only, verify_tls = false): the load drill trusts what the other drills trust",
    "dns": "check the host name in [target] base_url and this machine's DNS",
    "refused": TARGET_FIX,
    "network": f"{TARGET_FIX} (route, firewall, proxy)",
    "connect timeout": f"{TARGET_FIX} (route, firewall, proxy)",
}


@dataclass
class Reach:
    """How many requests never reached the API, why, and whether they decide the run."""

    evaluator: Evaluator
    requests: int = 0
    causes: Counter = field(default_factory=Counter)  # (kind, cause) -> requests

    @classmethod
    def for_window(cls, *, window_s: float, min_requests: int, run_start: float) -> Reach:
        rule = Rule("unreached", "rate", ">", UNREACHABLE_PCT, window_s=window_s, min_count=min_requests, unit="%")
        return cls(Evaluator(rule, run_start))

    def add(self, interval: Interval) -> None:
        total = interval.total()
        self.requests += total.count
        self.causes.update(total.unreached)
        self.evaluator.add(Sample(interval.at, count=total.count, hits=total.missed))

    @property
    def missed(self) -> int:
        return sum(self.causes.values())

    @property
    def decided(self) -> bool:
        """A complete window was mostly unreached: the verdict cannot change, so the load may stop."""
        return self.evaluator.failed

    @property
    def dominated(self) -> bool:
        """Unreachable: a window or the whole run mostly never reached the API."""
        return self.decided or (self.requests > 0 and 100.0 * self.missed / self.requests > UNREACHABLE_PCT)

    def finding(self, source: str) -> str:
        """``unreachable: 48 of 48 requests (100 %) never reached the API over ...: causes -> fix``."""
        breach = self.evaluator.verdict(final=True).first_breach
        if breach is not None:
            share = f"{breach.hits} of {breach.count} requests ({breach.value:.0f} %)"
            where = f"over {breach.window_end - breach.window_start:g} s window ending {iso_utc(breach.window_end)}"
        else:
            share, where = f"{self.missed} of {self.requests} requests ({self._pct():.0f} %)", "over the run"
        return (f"unreachable: {share} never reached the API {where} (source: {source}); a configuration or "
                f"network problem, not the API's error rate; over the run {self._causes()} -> {self._fixes()}")

    def note(self) -> str | None:
        """A line for the record when some requests never reached the API; None when all did."""
        if not self.missed:
            return None
        return (f"note: {self.missed} of {self.requests} requests ({self._pct():.1f} %) never reached the API and are "
                f"not in its error rate: {self._causes()} -> {self._fixes()}")

    def summary(self) -> str:
        """For the journal: ``48 of 48 requests never reached the API (tls: SSLCertVerificationError: ...)``."""
        (kind, cause), _ = self.causes.most_common(1)[0]
        return f"{self.missed} of {self.requests} requests never reached the API ({kind}: {cause})"

    def _pct(self) -> float:
        return 100.0 * self.missed / self.requests if self.requests else 0.0

    def _causes(self) -> str:
        top = self.causes.most_common(CAUSES_SHOWN)
        return "; ".join(f"{n} x {kind}: {cause}" for (kind, cause), n in top)

    def _fixes(self) -> str:
        kinds = dict.fromkeys(kind for (kind, _), _n in self.causes.most_common())
        return "; ".join(dict.fromkeys(FIXES.get(kind, TARGET_FIX) for kind in kinds))
