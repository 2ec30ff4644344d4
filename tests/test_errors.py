"""Every exception drillbook raises on purpose lives in drillbook.errors, drawn in its docstring's tree."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import drillbook
from drillbook import errors

SRC = Path(drillbook.__file__).parent
# pytest's own exit (needs pytest) and a signal private to its module: named in errors' docstring
OUTSIDE = {("runtime/stops.py", "RunStopped"), ("contract/_run.py", "_Stop")}
EXCEPTION_BASES = ("Error", "Exception", "Interrupt", "Failed", "TooLarge", "Terminated")


def _exception_classes_outside_errors() -> set[tuple[str, str]]:
    found = set()
    for path in SRC.rglob("*.py"):
        where = path.relative_to(SRC).as_posix()
        if where == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(ast.unparse(base).endswith(EXCEPTION_BASES)
                                                      for base in node.bases):
                found.add((where, node.name))
    return found


def test_no_exception_class_is_defined_outside_the_errors_module():
    assert _exception_classes_outside_errors() == OUTSIDE


def test_the_docstring_draws_every_exception_of_the_module():
    classes = {name for name, value in vars(errors).items()
               if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == errors.__name__}
    drawn = set(re.findall(r"[├└]── (\w+)", errors.__doc__)) | set(re.findall(r"^    (\w+)$", errors.__doc__, re.M))
    assert classes == drawn - {"KeyboardInterrupt"}  # the root Terminated hangs from


def test_sigterm_during_a_fault_is_an_interrupt_and_a_target_error_family_is_one_tree():
    assert issubclass(errors.Terminated, KeyboardInterrupt)
    assert issubclass(errors.NoDataError, errors.MetricsError)
    for family in (errors.CosmosError, errors.ServiceBusError, errors.HandshakeFailed, errors.BodyTooLarge):
        assert issubclass(family, errors.TargetError)
