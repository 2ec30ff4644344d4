"""Whether the record's blob container is protected against rewrite, read through azure-mgmt-storage.

>>> container_protection(record, azure, account="stcastieldrills").line
'container drillbook-record: protected against rewrite: time-based retention of 2555 days (locked)'

The hash chain shows that an entry changed; only the container's own protection keeps an entry from
being replaced. Protected means version-level immutability, or a locked time-based retention policy.
An unlocked policy, no policy, or a protection that cannot be read is a warning, never silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillbook.clients.azure import arm_call, azure_errors, management_client
from drillbook.config.sections import AzureSection, RecordSection
from drillbook.config.secrets import SecretRef, resolve_secret
from drillbook.errors import StoreError

SETUP = 'README "A shared record"'


@dataclass(frozen=True)
class Protection:
    """What journal verify reports about the container: protected or not, in one line with the fix."""

    protected: bool
    line: str


def container_protection(record: RecordSection, azure: AzureSection, account: str, *,
                         where: str = "the environment file", **arm_options: Any) -> Protection:
    """Read the container's immutability settings; ``arm_options`` reach the management client."""
    container = f"container {record.container}"
    subscription = _subscription(azure, where)
    resource_group = record.resource_group or azure.resource_group
    if not (subscription and resource_group):
        return Protection(False, f"{container}: protection against rewrite not checked -> set [azure] "
                                 "subscription_id and [record] resource_group (the storage account's) to read it")
    call = arm_call(f"reading the immutability of {container} in storage account {account}",
                    f"Reader on storage account {account}")
    try:
        with azure_errors(call, StoreError):
            found = management_client("storage", subscription, **arm_options).blob_containers.get(
                resource_group, account, record.container)
    except StoreError as exc:
        return Protection(False, f"{container}: protection against rewrite unknown: {exc}")
    return judge(container, found)


def judge(container: str, found: Any) -> Protection:
    """Protected, or a warning with the fix, from the management API's BlobContainer."""
    versioning = getattr(found.immutable_storage_with_versioning, "enabled", False)
    policy = found.immutability_policy if found.has_immutability_policy else None
    appends = _append_warning(policy)
    if versioning:
        return Protection(True, f"{container}: protected against rewrite: version-level immutability{appends}")
    if policy is None:
        return Protection(False, f"{container}: NOT protected against rewrite (no version-level immutability, no "
                                 "time-based retention policy): whoever can write to it can replace an entry, and "
                                 f"the chain only shows that it changed -> add a retention policy ({SETUP})")
    days, state = policy.immutability_period_since_creation_in_days, str(getattr(policy.state, "value", policy.state))
    if state.lower() != "locked":
        return Protection(False, f"{container}: time-based retention of {days} days is {state.lower()}: an owner "
                                 f"can still remove it -> lock it ({SETUP}){appends}")
    return Protection(True, f"{container}: protected against rewrite: time-based retention of {days} days "
                            f"(locked){appends}")


def _append_warning(policy: Any) -> str:
    if policy is None or policy.allow_protected_append_writes or getattr(policy, "allow_protected_append_writes_all",
                                                                         None):
        return ""
    return ("; but protected append writes are off, so no run can append to the journal -> allow them "
            f"({SETUP})")


def _subscription(azure: AzureSection, where: str) -> str | None:
    value = azure.subscription_id
    if isinstance(value, SecretRef):
        return resolve_secret(value, where=f"{where}: [azure] subscription_id")
    return value
