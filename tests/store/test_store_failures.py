"""A store that cannot answer is one line naming it, in bounded time; never an empty history."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from stores import CONNECTION_VAR, blob_record
from drillbook.config.environments import load_environment
from drillbook.config.sections import RecordSection
from drillbook.errors import ConfigError, StoreError
from drillbook.store import open_store
from sandbox.azurite import DEV_ACCOUNT, DEV_KEY
from sandbox.processes import free_ports


def store_at(port: int, monkeypatch, timeout_s: float = 1.0):
    endpoint = f"http://127.0.0.1:{port}/{DEV_ACCOUNT}"
    monkeypatch.setenv(CONNECTION_VAR, f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};"
                                       f"AccountKey={DEV_KEY};BlobEndpoint={endpoint};")
    return open_store(blob_record("drillbook-record", timeout_s=timeout_s), Path("unused"), where="test.toml")


def test_an_unreachable_store_is_one_line_naming_it(monkeypatch):
    port = free_ports(1)[0]  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        store_at(port, monkeypatch).read("drills.jsonl")
    assert time.monotonic() - started < 5
    assert str(raised.value) == (
        f"store azure blob http://127.0.0.1:{port}/{DEV_ACCOUNT}, container drillbook-record: unreachable "
        "(ServiceRequestError) reading drills.jsonl -> check that "
        f"http://127.0.0.1:{port}/{DEV_ACCOUNT} is reachable from this machine (firewall, private endpoint, proxy) "
        "and account_url in [record]")


def test_a_store_that_accepts_and_never_answers_ends_in_bounded_time(monkeypatch):
    with socket.socket() as silent:  # the kernel accepts connections into the backlog; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(StoreError) as raised:
            store_at(port, monkeypatch).append_line("drills.jsonl", lambda content: b"x\n")
        elapsed = time.monotonic() - started
    assert elapsed < 8  # 1 s to read, one retry after 1 s: about 3 s
    message = str(raised.value)
    assert message.startswith(f"store azure blob http://127.0.0.1:{port}/{DEV_ACCOUNT}, "
                              "container drillbook-record: no answer appending to drills.jsonl within 1 s")
    assert "\n" not in message and DEV_KEY not in message


def test_a_missing_container_is_an_error_not_an_empty_journal(azurite, monkeypatch):
    monkeypatch.setenv(CONNECTION_VAR, azurite.connection_string)
    store = open_store(blob_record("no-such-container"), Path("unused"), where="test.toml")
    for call in (lambda: store.read("drills.jsonl"), lambda: store.append_line("drills.jsonl", lambda c: b"x\n")):
        with pytest.raises(StoreError, match=r"container no-such-container: not found \(404 ContainerNotFound\) "
                                             r".* -> check account_url and container = \"no-such-container\" in "
                                             r"\[record\] .*az storage container create"):
            call()


def test_a_local_store_that_cannot_be_written_names_the_folder(tmp_path):
    blocker = tmp_path / "journal"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StoreError, match=rf"store local files in {blocker}: .* appending to drills.jsonl .* -> make "
                                         rf"{blocker} writable for this user, or pass --journal-dir DIR elsewhere"):
        open_store(RecordSection(), blocker, where="test.toml").append_line("drills.jsonl", lambda c: b"x\n")


@pytest.mark.parametrize(("keys", "message"), [
    ({"store": "blob", "connection_string": {"env": CONNECTION_VAR}},
     'test.toml: [record] store = "blob" needs container -> add container = "drillbook-record"'),
    ({"store": "blob", "container": "drillbook-record"},
     'test.toml: [record] store = "blob" needs account_url (signed in with DefaultAzureCredential) or '
     "connection_string -> add account_url"),
])
def test_a_blob_store_without_its_keys_is_refused_with_the_fix(keys, message):
    with pytest.raises(ConfigError) as raised:
        open_store(RecordSection.model_validate(keys), Path("unused"), where="test.toml")
    assert str(raised.value).startswith(message)


def test_a_connection_string_that_is_not_one_is_refused_without_showing_it(monkeypatch):
    monkeypatch.setenv(CONNECTION_VAR, "not-a-connection-string-s3cr3t")
    with pytest.raises(ConfigError) as raised:
        open_store(blob_record("drillbook-record"), Path("unused"), where="test.toml")
    assert str(raised.value).startswith(f"test.toml: [record] connection_string (environment variable "
                                        f"{CONNECTION_VAR}): ValueError -> give a storage connection string")
    assert "s3cr3t" not in str(raised.value)


def test_an_unset_connection_string_variable_names_it(monkeypatch):
    monkeypatch.delenv(CONNECTION_VAR, raising=False)
    with pytest.raises(ConfigError, match=rf"test.toml: \[record\] connection_string: environment variable "
                                          rf"{CONNECTION_VAR} is not set -> export {CONNECTION_VAR}=..."):
        open_store(blob_record("drillbook-record"), Path("unused"), where="test.toml")


@pytest.mark.parametrize(("record", "message"), [
    ('store = "blbo"', "[record] store = 'blbo' is invalid -> did you mean 'blob'?"),
    ('store = "blob"\naccount_url = "https://stcastieldrills.blob.core.windows.net"',
     '[record] account_url = "https://stcastieldrills.blob.core.windows.net" on tier local -> the local tier reaches '
     "only loopback"),
])
def test_the_record_section_is_validated_like_the_others(tmp_path, record, message):
    path = tmp_path / "env.toml"
    path.write_text(f'[target]\ntier = "local"\nbase_url = "sandbox"\n\n[record]\n{record}\n')
    with pytest.raises(ConfigError) as raised:
        load_environment(path=path)
    assert message in str(raised.value)
