"""Durations on the command line: ``15m``, ``90s``, ``1h30m``, ``2.5s`` or plain seconds."""

from __future__ import annotations

import re

from drillbook.errors import ConfigError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")  # ms before m: "500ms" is not 500 m and an s
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str, *, option: str) -> float:
    """Seconds in ``text``; a ConfigError names the option and shows valid forms.

    >>> parse_duration("1h30m", option="--watch")
    5400.0
    """
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    elif value and _PART.sub("", value) == "":
        seconds = sum(float(n) * _UNIT_S[unit] for n, unit in _PART.findall(value))
    else:
        seconds = -1.0
    if seconds <= 0:
        raise ConfigError(f"{option} {text!r}: not a positive duration -> write e.g. 15m, 90s, 1h30m or 2.5s")
    return seconds


def format_duration(seconds: float) -> str:
    """``10m``, ``90s``, ``2.5s``: a duration as the options are written, read back by :func:`parse_duration`."""
    return f"{seconds / 60:g}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"
