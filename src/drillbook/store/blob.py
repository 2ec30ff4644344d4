"""The store in an Azure Blob Storage container (or Azurite), through the real azure-storage-blob SDK.

A chained log is an append blob: each line lands with ``appendpos_condition`` set to the length its writer
read, so of two writers one wins and the other re-reads the tail, relinks and tries again. A lease is a
blob lease (15-60 s) on a small blob whose body names the holder. Every call is bounded by
``timeout_s`` to connect and to read, with one retry; a failure is one line naming the account and container.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager, suppress
from typing import Any, Iterator

from drillbook.clients.azure import AzureCall, Bounds, azure_errors, data_client, error_code, shared_credential
from drillbook.errors import LeaseLost, StoreError
from drillbook.store._base import (
    APPEND_ATTEMPTS, Holder, Lease, LeaseState, LineBuilder, Store, check_duration, last_line,
)

ROLE = "Storage Blob Data Contributor on the container"
LANDED, MOVED, UNKNOWN = "landed", "moved", "unknown"  # what became of one conditional append
TAIL_BYTES = 64 * 1024  # an append reads the log's end, not the log: a journal grows for years
_LEASE_STATES = {"leased": "held", "breaking": "held", "expired": "expired", "broken": "broken"}


class BlobStore(Store):
    """``BlobStore("https://acct.blob.core.windows.net", "drillbook")``; or ``connection_string=`` (SAS, Azurite)."""

    shared = True

    def __init__(self, account_url: str | None, container: str, *, connection_string: str | None = None,
                 timeout_s: float = 10.0, **client_options: Any) -> None:
        from azure.storage.blob import BlobServiceClient, LinearRetry  # on use: a local run never imports them

        bounds = Bounds(connect_s=timeout_s, read_s=timeout_s, retries=1)
        # the storage SDK's own retry (it routes to the account's hosts); azure-core's would not
        client_options.setdefault("retry_policy", LinearRetry(backoff=1, random_jitter_range=0,
                                                              retry_total=bounds.retries))
        if connection_string:
            service = data_client(BlobServiceClient.from_connection_string, connection_string, bounds=bounds,
                                  **client_options)
        else:
            credential = client_options.pop("credential", None) or shared_credential()
            service = data_client(BlobServiceClient, account_url, credential, bounds=bounds, **client_options)
        self.account_url = service.url.rstrip("/")
        self.account_name = service.account_name
        self.container_name, self.timeout_s = container, timeout_s
        self.container = service.get_container_client(container)
        self.description = f"azure blob {self.account_url}, container {container}"

    def create_container(self) -> None:
        """Make the container if it is missing (the sandbox's and the tests'; a real one is made by its owner)."""
        from azure.core.exceptions import ResourceExistsError

        with self._errors("creating the container"):
            try:
                self.container.create_container()
            except ResourceExistsError:
                pass

    def locate(self, name: str) -> str:
        return f"{self.account_url}/{self.container_name}/{name}"

    def check(self) -> None:
        with self._errors("reading the container's properties"):
            self.container.get_container_properties()

    def read(self, name: str) -> bytes | None:
        with self._errors(f"reading {name}"), _missing_blob_is_none():
            return self.container.get_blob_client(name).download_blob().readall()
        return None

    def write(self, name: str, data: bytes) -> None:
        with self._errors(f"writing {name}"):
            self.container.get_blob_client(name).upload_blob(data, overwrite=True)

    def delete(self, name: str) -> None:
        with self._errors(f"deleting {name}"), _missing_blob_is_none():
            self.container.get_blob_client(name).delete_blob()

    def list(self, prefix: str = "") -> list[str]:
        with self._errors(f"listing {prefix or '/'}"):
            return sorted(blob.name for blob in self.container.list_blobs(name_starts_with=prefix or None))

    def append_line(self, name: str, build: LineBuilder, attempts: int = APPEND_ATTEMPTS) -> bytes:
        blob = self.container.get_blob_client(name)
        with self._errors(f"appending to {name}"):
            tail, end = self._log_end(blob)
            for _ in range(attempts):
                line = build(tail)
                outcome = _append_at(blob, line, end)
                if outcome == LANDED:
                    return line
                grown = blob.download_blob(offset=end).readall()  # only what landed since we read
                if outcome == UNKNOWN and grown.startswith(line):  # ours landed, but its answer was lost
                    return line
                tail, end = last_line(tail + grown), end + len(grown)
        raise StoreError(f"store {self.description}: {attempts} other writers appended to {name} before this run "
                         "could -> run again; if it persists, fewer runs should finish at the same moment")

    def _log_end(self, blob: Any) -> tuple[bytes, int]:
        """(the log's last line, its length); a long log is never read whole."""
        size = self._log_size(blob)
        span = TAIL_BYTES
        while True:
            start = max(0, size - span)
            data = blob.download_blob(offset=start, length=size - start).readall() if size else b""
            if start == 0 or b"\n" in data[:-1]:
                return last_line(data), size
            span *= 4  # one line longer than the span: read further back

    def _log_size(self, blob: Any) -> int:
        """The append blob's length; a missing one is made (by us, or by the writer who beat us to it)."""
        from azure.core.exceptions import ResourceExistsError, ResourceModifiedError

        with _missing_blob_is_none():
            return blob.get_blob_properties().size
        try:
            blob.create_append_blob(if_none_match="*")
            return 0
        except (ResourceExistsError, ResourceModifiedError):
            return blob.get_blob_properties().size

    def acquire_lease(self, name: str, duration_s: int, holder: Holder) -> Lease | None:
        from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceModifiedError

        check_duration(duration_s)
        blob = self.container.get_blob_client(name)
        with self._errors(f"taking the lease {name}"):
            try:
                blob.upload_blob(b"{}", if_none_match="*")
            except (ResourceExistsError, ResourceModifiedError):  # there already (leased or not)
                pass
            try:
                client = blob.acquire_lease(lease_duration=duration_s)
            except HttpResponseError as exc:
                if error_code(exc) == "LeaseAlreadyPresent":  # someone renews it
                    return None
                raise
            lease = _BlobLease(self, client, name, duration_s, holder)
            try:
                lease.write_holder()
            except BaseException:
                with suppress(Exception):  # the first failure is the one to report
                    client.release()  # a lease nobody is named for would block others until it ran out
                raise
            return lease

    def inspect_lease(self, name: str) -> LeaseState:
        with self._errors(f"reading the lease {name}"), _missing_blob_is_none():
            download = self.container.get_blob_client(name).download_blob()
            body = _json(download.readall())
            holder = Holder.from_metadata(body.get("holder"))
            state = _LEASE_STATES.get(str(download.properties.lease.state))
            if state is None:  # available: released, never taken, or ran out and was reset by the service
                state = "released" if body.get("released") else ("expired" if holder else "free")
            return LeaseState(state, holder)
        return LeaseState("free", None)

    def break_lease(self, name: str) -> None:
        from azure.core.exceptions import HttpResponseError
        from azure.storage.blob import BlobLeaseClient

        with self._errors(f"breaking the lease {name}"), _missing_blob_is_none():
            try:
                BlobLeaseClient(self.container.get_blob_client(name)).break_lease(lease_break_period=0)
            except HttpResponseError as exc:
                if exc.status_code != 409:  # LeaseNotPresent: nothing to break
                    raise

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        call = AzureCall(f"store azure blob {self.account_url}, container {self.container_name}", doing, ROLE,
                         self.timeout_s, names=_CONTAINER_FIX.format(container=self.container_name),
                         network=f"that {self.account_url} is reachable from this machine (firewall, private "
                                 "endpoint, proxy) and account_url in [record]")
        with azure_errors(call, StoreError):
            yield


_CONTAINER_FIX = ('check account_url and container = "{container}" in [record] of the environment file; create '
                  'it with az storage container create --account-name ACCOUNT --name {container} --auth-mode login')


@contextmanager
def _missing_blob_is_none() -> Iterator[None]:
    """A missing blob is "not there"; a missing container is an error (a typo must never read as no history)."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        yield
    except ResourceNotFoundError as exc:
        if error_code(exc) != "BlobNotFound":
            raise


class _BlobLease(Lease):
    def __init__(self, store: BlobStore, client: Any, name: str, duration_s: int, holder: Holder) -> None:
        self.store, self.client, self.name, self.duration_s, self.holder = store, client, name, duration_s, holder
        self.released = False

    def write_holder(self, **extra: Any) -> None:
        body = json.dumps({"holder": self.holder.as_metadata(), "duration_s": self.duration_s, **extra})
        self.store.container.get_blob_client(self.name).upload_blob(body.encode(), overwrite=True, lease=self.client)

    def renew(self) -> None:
        from azure.core.exceptions import HttpResponseError

        with self.store._errors(f"renewing the lease {self.name}"):
            try:
                self.client.renew()
            except HttpResponseError as exc:
                if exc.status_code not in (409, 412):
                    raise
                raise LeaseLost(f"store {self.store.description}: lease {self.name} was lost "
                                f"({error_code(exc) or exc.status_code}) -> stop the drill and revert; renew at a "
                                "third of the lease's duration") from None

    def release(self) -> None:
        if self.released:
            return
        from azure.core.exceptions import HttpResponseError

        with self.store._errors(f"releasing the lease {self.name}"):
            try:
                self.write_holder(released=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
                self.client.release()
            except HttpResponseError as exc:
                if exc.status_code not in (409, 412):  # broken or taken meanwhile: nothing of ours to release
                    raise
        self.released = True


def _append_at(blob: Any, line: bytes, position: int) -> str:
    """Append ``line`` at ``position``: LANDED, MOVED (the log grew since its writer read it) or UNKNOWN (no
    answer: the caller re-reads to tell). Never retried by the SDK: a blind retry could land a line twice."""
    from azure.core.exceptions import HttpResponseError, ServiceResponseError

    try:
        blob.append_block(line, appendpos_condition=position, retry_total=0)
    except ServiceResponseError:
        return UNKNOWN
    except HttpResponseError as exc:
        if exc.status_code == 412:
            return MOVED
        if exc.status_code < 500:
            raise
        return UNKNOWN
    return LANDED


def _json(data: bytes) -> dict:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
