"""The runbook catalogue: sections with their remedies, and every threshold. One source of truth.

>>> threshold("api_error_rate").describe()
'API error rate > 5 % for 5 min (P1)'
>>> remedy_line("high-error-rate")
'runbook §High error rate: check recent deployments; ...'

Remedies are templates: they name the selected target's resources (its
``[azure]`` section, or the sandbox on a local run), never production's by
default. Checks, the watch, load drills and chaos hypotheses read limits from
here; ``tests/test_runbook_md.py`` keeps RUNBOOK.md's alert table in step with it. An environment may override
any limit (``[thresholds] api_error_rate = 3``): its keys are this catalogue's (``drillbook.config.sections``).
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Mapping
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from drillbook.findings import Finding
    from drillbook.rules import Rule

Severity = Literal["P0", "P1", "P2", "P3"]
PRIMARY = "primary on-call (backend engineer)"
SECONDARY = "secondary on-call (DevOps engineer)"
RUNBOOK_FILE = "RUNBOOK.md"
MIN_POINTS_SHARE = 0.8  # a gauge window with fewer of its expected points is no data


# How a remedy names each resource: with its [azure] name, on a local run without one, and elsewhere.
_PHRASES = {
    "app_service": ("App Service {}", "the sandbox app", "the App Service"),
    "app_service_plan": ("App Service plan {}", "the sandbox's host", "the App Service plan"),
    "app_insights": ("Application Insights {}", "the sandbox's stderr", "Application Insights"),
    "cosmos_account": ("{}", "the sandbox's Cosmos server", "the Cosmos DB account"),
    "redis_name": ("{}", "the sandbox's redis", "the Redis cache"),
    "resource_group": ("resource group {}", "the sandbox", "the resource group"),
    "host": ("{}", "the sandbox", "the API host"),
}


@dataclass(frozen=True)
class Resources:
    """The target's resource names that remedies mention, and whether it is a local run.

    >>> Resources.of("staging", {"redis_name": "redis-castiel-staging"}).phrase("redis_name")
    'redis-castiel-staging'
    """

    names: Mapping[str, str] = field(default_factory=dict)
    local: bool = False

    @classmethod
    def of(cls, tier: str, azure: Mapping[str, Any], base_url: str = "") -> Resources:
        """From an environment's tier, ``[azure]`` section and base URL (its host is named in TLS commands)."""
        names = {key: value for key, value in azure.items() if key in _PHRASES and isinstance(value, str)}
        url = urlsplit(base_url)
        if url.scheme == "https" and url.hostname:
            names.update(host=url.hostname, authority=f"{url.hostname}:{url.port or 443}")
        return cls(names, local=tier == "local")

    def phrase(self, key: str) -> str:
        named, local, other = _PHRASES[key]
        if key in self.names:
            return named.format(self.names[key])
        return local if self.local else other


@dataclass(frozen=True)
class Step:
    """A remedy step: text naming resources, a command, and the command's arguments that need real names.

    The arguments are shown only when the target gives every name they use
    (without them a local run shows no command at all); a ``cloud`` step is
    left out of a local run, where there is no Azure to check.
    """

    text: str
    command: str = ""
    args: str = ""
    cloud: bool = False

    def render(self, resources: Resources) -> str | None:
        if self.cloud and resources.local:
            return None
        text = self.text.format_map({key: resources.phrase(key) for key in _fields(self.text)})
        command = self._command(resources)
        return f"{text} ({command})" if command else text

    def _command(self, resources: Resources) -> str:
        if _fields(self.args) <= resources.names.keys():
            return " ".join(filter(None, [self.command, self.args.format_map(resources.names)]))
        return "" if resources.local else self.command  # an az command aimed at nothing would mislead locally


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Section:
    """A RUNBOOK.md section: what it is about, how bad, who owns it, and the fix."""

    key: str
    title: str
    severity: Severity
    owner: str
    remedy: tuple[str | Step, ...]

    def steps(self, resources: Resources) -> list[str]:
        """The remedy for this target: resource names filled in, steps that do not apply left out."""
        rendered = ((step if isinstance(step, Step) else Step(step)).render(resources) for step in self.remedy)
        return [step for step in rendered if step]

    @property
    def anchor(self) -> str:
        return re.sub(r"[^a-z0-9 -]", "", self.title.lower()).replace(" ", "-")

    @property
    def link(self) -> str:
        return f"{RUNBOOK_FILE}#{self.anchor}"


@dataclass(frozen=True)
class Threshold:
    """A limit from the runbook: ``value op limit`` sustained over ``window_s`` is a breach."""

    key: str
    title: str
    kind: Literal["rate", "percentile", "gauge"]
    op: Literal[">", "<"]
    limit: float
    unit: str
    window_s: float
    section: str
    alert: bool
    quantile: float | None = None
    default_limit: float | None = None  # set when an environment overrides the limit

    @property
    def severity(self) -> Severity:
        return SECTIONS[self.section].severity

    def describe(self) -> str:
        sustained = f" for {_minutes(self.window_s)}" if self.window_s else ""
        return f"{self.title} {self.op} {_num(self.limit)} {self.unit}{sustained} ({self.severity})"

    def to_rule(self, *, window_s: float | None = None, min_count: int = 1, min_points: int = 1,
                point_every_s: float | None = None, min_points_share: float = MIN_POINTS_SHARE) -> Rule:
        """The verdict engine's rule; with ``point_every_s`` a gauge window needs ``min_points_share`` of its points.

        >>> threshold("cpu").to_rule(point_every_s=60).min_points   # 4 of the 5 points of a 5-minute window
        4
        """
        from drillbook.rules import Rule

        window = window_s or self.window_s
        if point_every_s:
            expected = window / point_every_s
            min_points = max(min_points, math.ceil(min_points_share * expected - 1e-9))
        return Rule(name=self.key, kind=self.kind, op=self.op, limit=self.limit, window_s=window,
                    quantile=self.quantile, min_count=min_count, min_points=min_points, unit=self.unit)


def _sections(*items: Section) -> dict[str, Section]:
    return {s.key: s for s in items}


SECTIONS: dict[str, Section] = _sections(
    Section("service-health", "Service health", "P0", PRIMARY, (
        Step("check Azure service status", cloud=True),
        Step("check {app_service}", "az webapp show --query state", "-n {app_service} -g {resource_group}"),
        Step("restart {app_service} if it is wedged", "az webapp restart", "-n {app_service} -g {resource_group}"),
        "check recent deployments", "roll back by swapping the slots back if the deploy caused it")),
    Section("dependency-readiness", "Dependency readiness", "P1", PRIMARY, (
        "look at which dependency /health/ready reports down",
        "for Cosmos DB see §Database connection, for Redis see §Cache issues",
        Step("check firewall rules and connection strings in Key Vault", cloud=True))),
    Section("deployment-verification", "Deployment verification", "P1", PRIMARY, (
        "confirm the slot swap finished and the expected build is live",
        "if the wrong version serves, swap the slots back and redeploy")),
    Section("pre-deployment-checklist", "Pre-deployment checklist", "P1", SECONDARY, (
        "do not swap: fix the evidence the failing item names and run the gate again",
        "each item reads what the pipeline exported; update the release manifest when it points elsewhere")),
    Section("rollback", "Rollback", "P0", SECONDARY, (
        Step("swap the slots of {app_service} back", "az webapp deployment slot swap --slot production "
             "--target-slot staging", "-n {app_service} -g {resource_group}"),
        "check the staging slot's health and version before relying on it",
        Step("for a configuration change, revert the app setting (az webapp config appsettings set or delete) "
             "and restart", cloud=True),
        "if swaps are slow, check the slot's warm-up (applicationInitialization) and the App Service plan")),
    Section("critical-flows", "Critical user flows", "P1", PRIMARY, (
        "reproduce the failing flow by hand against the target",
        "check logs in {app_insights} for the failing route",
        "roll back the deploy if the flow worked in the previous release")),
    Section("admin-security", "Admin endpoint security", "P0", PRIMARY, (
        "treat an open admin endpoint as a security incident: isolate it",
        "restore the bearer-token check and rotate the admin token in Key Vault",
        "preserve logs and notify the security team")),
    Section("high-error-rate", "High error rate", "P1", PRIMARY, (
        "check recent deployments", "query exceptions in {app_insights} by type",
        "verify database connectivity", "check rate limit configuration and authentication logs")),
    Section("slow-response-times", "Slow response times", "P1", PRIMARY, (
        "list slow endpoints at /api/admin/performance/slow", "optimise slow queries and add missing indexes",
        "improve the cache hit rate",
        Step("scale out {app_service_plan}", "az appservice plan update --number-of-workers N",
             "-n {app_service_plan} -g {resource_group}", cloud=True))),
    Section("database-connection", "Database connection", "P0", SECONDARY, (
        Step("check {cosmos_account} status", "az cosmosdb show", "-n {cosmos_account} -g {resource_group}"),
        Step("verify the connection string in Key Vault", cloud=True),
        Step("check the firewall rules and RU provisioning", cloud=True))),
    Section("database-capacity", "Database capacity", "P2", SECONDARY, (
        # The finding already names the account; this command reads the same on every target.
        Step("scale the container's RU/s", "az cosmosdb sql container throughput update"),
        "optimise the queries that consume the most RUs")),
    Section("database-indexes", "Database containers and indexes", "P1", SECONDARY, (
        Step("create a missing container with the partition key the app expects", "az cosmosdb sql container create",
             "-a {cosmos_account} -g {resource_group}"),
        "a partition key cannot change in place: create a new container with the right key and copy the data",
        Step("add the missing paths to the indexing policy", "az cosmosdb sql container update --idx @policy.json",
             "-a {cosmos_account} -g {resource_group}"),
        "wait for the index transformation to finish")),
    Section("cache-issues", "Cache issues", "P2", SECONDARY, (
        "check /api/admin/cache/stats and {redis_name} memory",
        "clear stale entries (POST /api/admin/cache/clear with a pattern)",
        "adjust TTLs and review key patterns",
        Step("scale {redis_name} if memory stays high", "az redis update --sku ...",
             "-n {redis_name} -g {resource_group}", cloud=True))),
    Section("queue-backlog", "Queue backlog", "P2", SECONDARY, (
        "check the queue workers' health and restart stuck workers",
        "inspect the dead-letter queue", "scale out the workers")),
    Section("embedding-failures", "Embedding failures", "P2", PRIMARY, (
        "check Azure OpenAI service status and quota", "retry failed jobs once the provider recovers")),
    Section("infrastructure-capacity", "Infrastructure capacity", "P2", SECONDARY, (
        "find the process or endpoint that uses the CPU or memory",
        Step("scale up or out {app_service_plan}", "az appservice plan update",
             "-n {app_service_plan} -g {resource_group}", cloud=True))),
    Section("error-leaks", "Error leaks", "P1", PRIMARY, (
        "turn off detailed error pages and debug mode in the configuration of {app_service}",
        "answer errors with the generic JSON error body and log the exception to {app_insights}",
        "review what the leaked lines exposed (paths, queries, versions) and rotate any secret among them")),
    Section("security-headers", "Security headers", "P2", PRIMARY, (
        "add Strict-Transport-Security, X-Content-Type-Options: nosniff and a frame policy in the API middleware",
        "check that no proxy or gateway in front strips them")),
    Section("tls-certificates", "TLS certificates", "P1", SECONDARY, (
        "renew the certificate (App Service managed certificate or the Key Vault certificate) and rebind it",
        "check that auto-renewal is on and the issuer can renew",
        Step("verify the served chain of {host}", "openssl s_client", "-connect {authority} -servername {host}"))),
    Section("recovery-objectives", "Recovery objectives", "P1", SECONDARY, (
        "find what kept the service from coming back: /health/ready's failing dependency, the App Service log stream",
        "restart the dependency or the App Service by hand and note the time it took",
        Step("cancel a Chaos Studio experiment that is still running (portal: Chaos Studio, Experiments)",
             cloud=True),
        "if recovery is slower than the objective, fix the cause (start-up time, retries, health probe timing) "
        "or agree a new objective in the environment file's [chaos] rto_s")),
    Section("backup-restore", "Backup and restore", "P0", SECONDARY, (
        Step("check the backup policy and retention of {cosmos_account}", "az cosmosdb show --query backupPolicy",
             "-n {cosmos_account} -g {resource_group}", cloud=True),
        Step("restore to a new account and compare counts before pointing the app at it",
             "az cosmosdb restore --restore-timestamp ...", cloud=True),
        "never restore over the live account; find why documents were lost or changed before switching")),
    Section("monitoring-alerts", "Monitoring & Alerts", "P1", SECONDARY, (
        Step("check that the alert rule exists, is enabled and watches the drilled resource",
             "az monitor metrics alert list", "-g {resource_group}", cloud=True),
        "compare the rule's metric, threshold and window with the runbook's alert table (the gate checks it too)",
        "check that the resource emits the metric the rule reads (a stopped app or a lagging ingestion sends none)",
        "if the fault was shorter than the rule's window can notice, lengthen [chaos] observe_s and drill again")),
    Section("api-contract", "API contract", "P1", PRIMARY, (
        "reproduce the failing request with the curl line above",
        "fix the handler so it validates its input and answers 4xx, never 5xx",
        "make the response and /openapi.json agree, or roll back if the previous release conformed")),
)

_THRESHOLDS = (
    Threshold("api_error_rate", "API error rate", "rate", ">", 5, "%", 300, "high-error-rate", alert=True),
    Threshold("api_p95", "Response time p95", "percentile", ">", 1000, "ms", 600, "slow-response-times",
              alert=True, quantile=0.95),
    Threshold("cosmos_ru", "Database RU consumption", "gauge", ">", 80, "% of provisioned", 300,
              "database-capacity", alert=True),
    Threshold("redis_memory", "Redis memory", "gauge", ">", 90, "%", 300, "cache-issues", alert=True),
    Threshold("servicebus_queue", "Service Bus queue depth", "gauge", ">", 1000, "messages", 300,
              "queue-backlog", alert=True),
    Threshold("embedding_failures", "Embedding failure rate", "rate", ">", 10, "%", 300,
              "embedding-failures", alert=True),
    Threshold("slow_endpoint", "Endpoint p95", "percentile", ">", 500, "ms", 300, "slow-response-times",
              alert=False, quantile=0.95),
    Threshold("cpu", "CPU usage (average)", "gauge", ">", 70, "%", 300, "infrastructure-capacity", alert=False),
    Threshold("memory", "Memory usage (average)", "gauge", ">", 80, "%", 300, "infrastructure-capacity",
              alert=False),
    Threshold("cache_hit_rate", "Cache hit rate", "rate", "<", 80, "%", 300, "cache-issues", alert=False),
)
THRESHOLDS: dict[str, Threshold] = {t.key: t for t in _THRESHOLDS}
POST_DEPLOY_WATCH_S = 15 * 60


def threshold(key: str, overrides: Mapping[str, float] | None = None) -> Threshold:
    """The catalogue entry, with an environment's override applied (and remembered)."""
    entry = THRESHOLDS[key]
    if overrides and key in overrides and overrides[key] != entry.limit:
        return replace(entry, limit=float(overrides[key]), default_limit=entry.limit)
    return entry


def section(key: str) -> Section:
    return SECTIONS[key]


_target = Resources(local=False)


def use_resources(resources: Resources) -> None:
    """Name this target's resources in every remedy from now on (the plugin calls it once per process).

    A process-wide setting, not a pytest stash: check.fail() and the watch
    build messages without a pytest config at hand.
    """
    global _target
    _target = resources


def remedy_line(key: str, resources: Resources | None = None) -> str:
    """One line: ``runbook §Title: step; step; ...``, naming the target's resources."""
    entry = SECTIONS[key]
    return f"runbook §{entry.title}: {'; '.join(entry.steps(resources or _target))}"


def failure_message(section_key: str, finding: str, *, source: str, window: str | None = None,
                    resources: Resources | None = None) -> str:
    """The standard failure text: finding, where and over what it was measured, and the remedy.

    >>> failure_message("service-health", "GET /health returned 503 (expected 200)", source="https://x/health")
    'GET /health returned 503 (expected 200) (source: https://x/health) -> runbook §Service health: ...'
    """
    where = f"over {window}, " if window else ""
    return f"{finding} ({where}source: {source}) -> {remedy_line(section_key, resources)}"


def render(finding: Finding, resources: Resources | None = None) -> str:
    """A finding's one line: ``failure_message`` for one with a runbook section, its own words for one without."""
    if finding.section is None:
        return finding.detail
    return failure_message(finding.section, finding.detail, source=finding.source or "", window=finding.window,
                           resources=resources)


def _minutes(seconds: float) -> str:
    return f"{_num(seconds / 60)} min" if seconds >= 60 else f"{_num(seconds)} s"


def _num(value: float) -> str:
    return f"{value:g}"

