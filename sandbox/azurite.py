"""Azurite, Microsoft's Azure Storage emulator (npm ``azurite``): a real Blob endpoint on loopback.

>>> with start_azurite(tmp_path) as azurite:
...     azurite.connection_string        # the public development account, with this port's endpoint
...     azurite.process.stop(); azurite.process.start()   # an outage, then the same port again

    $ python -m sandbox.azurite --location reports/azurite    # a blob store for [record] store = "blob", by hand
    azurite: ready at http://127.0.0.1:41733/devstoreaccount1 (blobs in reports/azurite, container drillbook-record); ...
    export DRILLBOOK_STORE_CONNECTION_STRING='DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;...'
    [record] store = "blob", container = "drillbook-record", connection_string = { env = "DRILLBOOK_STORE_..." }

Started like the sandbox's other parts (sandbox.processes.ChildProcess: dies with its parent, always
stopped); its data lives in ``directory``, so a restart keeps the blobs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sandbox.dependencies import StartError, repo_root
from sandbox.processes import LOOPBACK, ChildProcess, LaunchError, free_ports

AZURITE_BLOB = Path("node_modules/.bin/azurite-blob")
# Azurite's documented development account: public, the same on every machine (not a secret).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class Azurite:
    process: ChildProcess

    @property
    def account_url(self) -> str:
        return f"http://{LOOPBACK}:{self.process.port}/{DEV_ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
                f"BlobEndpoint={self.account_url};")


def azurite_argv(port: int, directory: Path) -> list[str]:
    binary = repo_root() / AZURITE_BLOB
    if not binary.exists():
        raise StartError("azurite", f"{AZURITE_BLOB} is missing", "run scripts/bootstrap.sh (npm ci)")
    return [str(binary), "--blobHost", LOOPBACK, "--blobPort", str(port), "--location", str(directory),
            "--silent", "--skipApiVersionCheck", "--loose"]


@contextmanager
def start_azurite(directory: Path, timeout: float = 30.0) -> Iterator[Azurite]:
    """A running Azurite keeping its blobs in ``directory``; stopped on exit, whatever happened."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_ports(1)[0]
    process = ChildProcess("azurite", azurite_argv(port, directory), port, directory / "azurite.log")
    try:
        process.start(timeout)
    except LaunchError as exc:
        process.stop()
        raise StartError("azurite", str(exc), "see the log in " + str(directory)) from exc
    try:
        yield Azurite(process)
    finally:
        process.stop(timeout=1.0)  # it waits on clients' idle keep-alive connections; its data is on disk already


CONNECTION_VAR = "DRILLBOOK_STORE_CONNECTION_STRING"  # what docs/record.md's [record] example names
CONTAINER = "drillbook-record"


def _make_container(connection_string: str, name: str) -> None:
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    try:
        BlobServiceClient.from_connection_string(connection_string, retry_total=0).create_container(name)
    except ResourceExistsError:  # kept from an earlier start in the same --location
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.azurite", description="a local Blob endpoint (Azurite)")
    parser.add_argument("--location", type=Path, default=None, help="where blobs are kept (default: a temp dir)")
    args = parser.parse_args(argv)
    location = args.location or Path(tempfile.mkdtemp(prefix="drillbook-azurite-"))
    try:
        with start_azurite(location) as azurite:
            _make_container(azurite.connection_string, CONTAINER)
            print(f"azurite: ready at {azurite.account_url} (blobs in {location}, container {CONTAINER}); "
                  "Ctrl-C stops it")
            print(f"export {CONNECTION_VAR}='{azurite.connection_string}'")
            print(f'[record] store = "blob", container = "{CONTAINER}", connection_string = '
                  f'{{ env = "{CONNECTION_VAR}" }}', flush=True)
            threading.Event().wait()  # until Ctrl-C
    except StartError as exc:
        print(exc.line(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
