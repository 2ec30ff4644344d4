"""Disaster-recovery drills: back up a container with per-document checksums, restore it into a scratch
container, verify counts and checksums, and measure RPO and RTO against the environment's targets.

On an Azure tier, ``pitr`` checks the Cosmos account's backup policy and restores it to a point in time
into a new account, deleted afterwards.

Modules: ``backup`` (export and compare), ``drill`` (the run), ``pitr`` (Azure); the settings are ``[dr]``
(``drillbook.config.sections.dr``).
Importing this package loads none of them.
"""
