"""Durations on the command line: each unit drillbook lists is read, anything else is one line with the forms."""

import pytest

from drillbook.config.durations import format_duration, parse_duration
from drillbook.errors import ConfigError


@pytest.mark.parametrize(("text", "seconds"), [("90", 90.0), ("90s", 90.0), ("15m", 900.0), ("1h30m", 5400.0),
                                               ("2.5s", 2.5), ("500ms", 0.5), ("1m500ms", 60.5), (" 2H ", 7200.0)])
def test_every_listed_unit_is_read(text, seconds):
    assert parse_duration(text, option="--watch") == seconds


@pytest.mark.parametrize("text", ["0", "0s", "", "abc", "5x", "-3s", "1h 30m"])
def test_anything_else_is_one_line_naming_the_option(text):
    with pytest.raises(ConfigError, match=r"^--watch '.*': not a positive duration -> write e.g. 15m, 90s"):
        parse_duration(text, option="--watch")


@pytest.mark.parametrize("seconds", [600.0, 90.0, 2.5])
def test_a_formatted_duration_reads_back(seconds):
    assert parse_duration(format_duration(seconds), option="--watch") == seconds
