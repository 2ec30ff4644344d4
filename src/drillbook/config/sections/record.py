"""``[record]``: where what must outlive the run is kept (the drill journal, undo entries, run records)."""

from __future__ import annotations

from drillbook.config.model import Positive, Reference, Section, Text, Url, choice, setting

STORES = ("local", "blob")


class RecordSection(Section):
    """Local files in --journal-dir, or one Azure Blob container that every machine running drills shares."""

    store: choice(*STORES) = setting("local", '"blob"', "local: files in --journal-dir (one machine); "
                                             "blob: an Azure Blob Storage container shared by every runner")
    account_url: Url | None = setting(None, '"https://stcastieldrills.blob.core.windows.net"',
                                      "the storage account's blob endpoint; signed in with DefaultAzureCredential "
                                      "(az login, a managed identity, workload identity)")
    container: Text | None = setting(None, '"drillbook-record"', "the container, created by its owner (az CLI lines and "
                                     "the retention policy: see README \"A shared record\")")
    connection_string: Reference | None = setting(None, '{ env = "DRILLBOOK_STORE_CONNECTION_STRING" }',
                                                  "a connection string (a SAS, or Azurite's) instead of signing in")
    resource_group: Text | None = setting(None, '"rg-castiel-drills"', "the storage account's resource group, for "
                                          "journal verify's retention check; default: [azure] resource_group")
    timeout_s: Positive = setting(10.0, "10", "each call to the store, to connect and to read its answer "
                                              "(one retry); then the run ends with one line naming the store")
