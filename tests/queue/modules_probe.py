"""A pytest plugin for the import tests: at the end of the run, list every imported module in a file.

    PYTHONPATH=tests/queue DRILLBOOK_TEST_MODULES=/tmp/m.txt pytest -p modules_probe -m health
"""

import os
import sys


def pytest_unconfigure(config):
    with open(os.environ["DRILLBOOK_TEST_MODULES"], "w") as out:
        out.write("\n".join(sorted(sys.modules)))
