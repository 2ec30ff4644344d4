"""Stop the whole run with one line and an exit code, wherever the reason is found: the controller or a worker.

    stop_run(request.session, "drill-env.toml: [auth] admin_token: ... -> export ...", pytest.ExitCode.USAGE_ERROR)
    refuse(session, pytest.UsageError("--watch 5m is shorter than ... -> use --watch 10m or longer"))

pytest prints an exit raised inside a drill as ``!!! <type>: <text> !!!``; the type here reads ``drillbook``.
An xdist worker that simply raised would leave the controller to find it gone mid-test (INTERNALERROR,
exit 3): the worker also sets ``session.shouldstop``, which xdist hands to the controller, and its exit
code; the controller then stops with the same line and code.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

STOP_CODE = "drillbook_stop_code"  # a worker's workeroutput key: the exit code its stop asked for
STOP_CODE_KEY = pytest.StashKey[int]()


class RunStopped(pytest.exit.Exception):
    """A stop on purpose: one line, an exit code."""

    __module__, __qualname__ = "builtins", "drillbook"  # printed "drillbook: <text>", as pytest's Interrupted is


def stop_run(session: pytest.Session, message: str, code: int) -> NoReturn:
    """End the run now, from a fixture or a hook during the tests."""
    from drillbook.runtime.stopper import stand_down

    stand_down()  # a second stop (another lease lost to the same outage) would bury this one's line
    _tell_the_controller(session, f"drillbook: {message}", code)
    raise RunStopped(message, returncode=int(code))


def refuse(session: pytest.Session, error: pytest.UsageError) -> NoReturn:
    """Raise a usage error found during collection; on an xdist worker, the controller stops with it."""
    _tell_the_controller(session, f"drillbook: {error}", pytest.ExitCode.USAGE_ERROR)
    raise error


def _tell_the_controller(session: pytest.Session, line: str, code: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        session.shouldstop = line
        config.workeroutput[STOP_CODE] = int(code)


# --- the controller's side (xdist): the worker's stop ends the controller's run, in the same line and code ---

@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    code = getattr(node, "workeroutput", {}).get(STOP_CODE)
    if code is not None:
        node.config.stash[STOP_CODE_KEY] = code


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    try:
        return (yield)
    except KeyboardInterrupt as exc:  # xdist stops its loop with its Interrupted(<the worker's shouldstop>)
        code = session.config.stash.get(STOP_CODE_KEY, None)
        if code is None:
            raise
        raise RunStopped(str(exc).removeprefix("drillbook: "), returncode=code) from None
