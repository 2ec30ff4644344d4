"""The drills the cockpit collects, as JSON, from an interpreter of their own (the drift tests read it).

    python tests/cockpit/collected.py --env production
"""

import json
import sys

from drillbook.cockpit.collect import collect
from drillbook.cockpit.footprints import test_name


def main(args: list[str]) -> None:
    found = collect(args)
    print(json.dumps([{"nodeid": item.nodeid, "name": test_name(item), "fixturenames": list(item.fixturenames),
                       "markers": sorted({mark.name for mark in item.iter_markers()}),
                       "strings": [c for c in item.function.__code__.co_consts if isinstance(c, str)]}
                      for item in found.items]))


if __name__ == "__main__":
    main(sys.argv[1:])
