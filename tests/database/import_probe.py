"""A pytest plugin for drill subprocesses (``-p import_probe``): records which azure.* modules the run imported."""

import json
import os
import sys
from pathlib import Path


def pytest_unconfigure(config):
    path = os.environ.get("DRILLBOOK_IMPORT_PROBE")
    if path:
        Path(path).write_text(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "azure")))
