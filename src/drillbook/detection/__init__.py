"""Did monitoring notice the fault, and how fast: a drill's expected alerts, read while it runs.

>>> detection = watch_for(env, "cosmos-outage", rps=24, min_requests=10)   # detection.drill
>>> ctx.watchers.append(detection)          # told when the fault starts and when it ends
>>> result = detection.finish(progress)     # waits for the alerts' deadlines on Azure; result.findings

On an Azure tier the fired alerts of the target's resources are read from Azure
Resource Manager (``fired``) and judged per expected alert (``judge``): fired
or not, time to detect, resolved. On the sandbox, which has no Azure Monitor,
the runbook's own rules are evaluated on the sandbox's metrics during the fault
(``rules_during``) and the Azure alerts are reported as not checked.
Importing this package loads none of them.
"""
