"""The public surface of drillbook.rules: pinned, documented by examples that run, and light to import."""

import doctest
import importlib
import subprocess
import sys

import pytest

import drillbook.rules

MODULES = ["drillbook.rules",
           *(f"drillbook.rules._{name}" for name in ("model", "aggregate", "interval", "evaluate", "verdict"))]


def test_the_public_api_is_pinned():
    assert drillbook.rules.__all__ == [
        "Evaluation",
        "Evaluator",
        "Rule",
        "Sample",
        "Verdict",
        "aggregate",
        "evaluate",
        "exact_quantile",
        "format_value",
        "histogram_quantile",
        "infer_run_start",
        "merge_buckets",
    ]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_run(name):
    results = doctest.testmod(importlib.import_module(name))
    assert (results.failed, results.attempted > 0) == (0, True)


def test_importing_the_rules_pulls_in_nothing_heavy():
    probe = "import sys, drillbook.rules; print(' '.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split())
    assert not {m.split(".")[0] for m in loaded} & {"pytest", "_pytest", "numpy", "azure", "hypothesis", "locust"}
