"""Disaster-recovery drills: back up a container with per-document checksums, restore it into a scratch
container, verify counts and checksums, and measure RPO and RTO against the environment's targets.

Modules: ``settings`` (``[dr]``), ``backup`` (export and compare), ``drill`` (the run). Importing this
package loads none of them.
"""
