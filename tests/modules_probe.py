"""A pytest plugin for drill subprocesses: at the very end of the run, list every imported module in a file.

    PYTHONPATH=tests DRILLBOOK_TEST_MODULES=/tmp/m.txt pytest -p modules_probe -m health

The ``drill_imports`` fixture (tests/conftest.py) runs a drill with it.
"""

import os
import sys


def pytest_unconfigure(config):
    with open(os.environ["DRILLBOOK_TEST_MODULES"], "w") as out:
        out.write("\n".join(sorted(sys.modules)))
