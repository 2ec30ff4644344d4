"""A chaos drill as staging runs it, with the sandbox standing in for the App Service (staging itself is https
only): the environment file, Azure resources named as staging's, every address on loopback.

>>> path.write_text(app_on_loopback(sandbox.url, SUB))
>>> path.write_text(app_on_loopback(sandbox.url, SUB, azure='app_insights = "app-x"', extra="[alerts]..."))
"""

from __future__ import annotations

APP_ON_LOOPBACK = """
[target]
tier = "local"
base_url = "{url}"
[safety]
allow_destructive = true
[metrics]
source = "scrape"
[azure]
subscription_id = "{sub}"
resource_group = "rg-castiel-staging"
app_service = "app-castiel-api-staging"
{azure}
[chaos]
steady_window_s = 1
observe_s = 1
min_requests = 3
probe_rps = 10
rto_s = 20
{extra}
"""


def app_on_loopback(url: str, sub: str, *, azure: str = "", extra: str = "") -> str:
    """``azure``: more lines of ``[azure]``; ``extra``: more sections after ``[chaos]``."""
    return APP_ON_LOOPBACK.format(url=url, sub=sub, azure=azure, extra=extra)
