"""The load drill's settings: shapes as data in [load], the command line over them, errors that teach."""

import pytest
from load_drill import PATHS

from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError
from drillbook.load._settings import LoadOptions, Stage, settings_from

NO_OPTIONS = LoadOptions(None, None, None, None, None, None)
SHAPE = """
[load]
stages = [{ duration_s = 30, users = 10, spawn_rate = 2 }, { duration_s = 60, users = 10 },
          { duration_s = 10, users = 40, spawn_rate = 10 }]
workers = 2
"""


def test_stages_in_the_environment_are_the_shape(env_file):
    section = load_environment(path=env_file(SHAPE)).config.load
    settings = settings_from(NO_OPTIONS, section, allow_inconclusive=False)
    assert settings.stages == (Stage(30, 10, 2), Stage(60, 10, 10), Stage(10, 40, 10))
    assert (settings.duration_s, settings.peak_users, settings.workers) == (100, 40, 2)
    assert settings.describe() == "3 stages (10 users 30 s, 10 users 60 s, 40 users 10 s) on 2 locust workers"


def test_users_on_the_command_line_replace_the_stages_with_one_steady_stage(env_file):
    section = load_environment(path=env_file(SHAPE)).config.load
    options = LoadOptions(users=5, duration_s=12.0, workers=0, interval_s=2.0, window_s=6.0, min_requests=3)
    settings = settings_from(options, section, allow_inconclusive=True)
    assert settings.stages == (Stage(12, 5, 5),)
    assert (settings.workers, settings.interval_s, settings.window_s, settings.min_requests) == (0, 2, 6, 3)


def test_a_stage_with_a_typo_names_the_section_the_key_and_the_fix(env_file):
    with pytest.raises(ConfigError) as error:
        load_environment(path=env_file('\n[load]\nstages = [{ duration_s = 30, user = 10 }]\n'))
    assert "[load] stages = [{'duration_s': 30, 'user': 10}] is invalid -> stage 1: unknown key 'user' " \
           "(known: duration_s, spawn_rate, users), e.g. stages = [{ duration_s = 60" in str(error.value)


def test_a_bad_load_duration_fails_the_run_before_any_drill(run_drill):
    result = run_drill("-m", "load", "--load-duration", "soon", paths=PATHS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--load-duration 'soon': not a positive duration -> write e.g. 15m, 90s*"])


def test_too_many_workers_are_refused_with_the_range(run_drill):
    result = run_drill("-m", "load", "--load-workers", "500", paths=PATHS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --load-workers 500: must be 0 to 64 -> 0 runs one locust process; workers "
                                 'on other machines join with [[]load] remote_workers (see docs/load.md "Remote workers")'])


def test_a_missing_locustfile_is_one_line_with_the_fix(run_drill, env_file):
    path = env_file('\n[load]\nlocustfile = "load/nowhere.py"\n')
    result = run_drill("-m", "load", f"--env-file={path}", paths=PATHS)
    assert result.ret == 4  # refused before the drill runs: a configuration error is no drill outcome
    result.stderr.fnmatch_lines(["ERROR: drill-env.toml: [[]load[]] locustfile = 'load/nowhere.py': no such file (*) "
                                 '-> name a locustfile, e.g. locustfile = "load/castiel.py"'])


def test_the_load_drill_is_refused_on_production_without_approval(run_drill, env_file):
    path = env_file("", tier="production", base_url="https://api.castiel.invalid")
    result = run_drill("-m", "load", f"--env-file={path}", paths=PATHS)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*refused: destructive drill on production without approval*"])


# --- a load whose windows cannot complete is refused, and the fix offered fits (issue 18) ----------

def load_refusal(section, duration=None, interval=None, window=None) -> str | None:
    from types import SimpleNamespace

    from drillbook.load._fit import unfit
    from drillbook.load._settings import options_from

    given = SimpleNamespace(load_users=None, load_duration=duration, load_workers=None, load_interval=interval,
                            load_window=window, load_min_requests=None, load_engine=None)
    return unfit(settings_from(options_from(given), section, allow_inconclusive=False))


def test_a_window_longer_than_the_load_is_refused_with_fixes_that_fit():
    section = load_environment("local").config.load
    assert load_refusal(section, "60s", None, "2m") == (
        "--load-window 2m is longer than the load (60 s), so no window could complete, and the drill could only "
        "end inconclusive -> use --load-window 30s, or --load-duration 4m")


@pytest.mark.parametrize("shape", ["", SHAPE], ids=["steady", "stages"])
def test_every_fix_offered_for_a_load_passes_the_check_that_refused_it(env_file, shape):
    import itertools
    import re

    section = load_environment(path=env_file(shape)).config.load
    names = {"--load-duration": "duration", "--load-interval": "interval", "--load-window": "window"}
    grid = {"duration": [None, "2s", "10s", "60s", "5m"], "interval": [None, "1s", "5s", "20s", "2m"],
            "window": [None, "1s", "6s", "30s", "2m", "15m"]}
    refused = 0
    for values in itertools.product(*grid.values()):
        given = dict(zip(grid, values))
        message = load_refusal(section, **given)
        if message is None:
            continue
        refused += 1
        fixes = [dict(re.findall(r"(--load-[a-z]+) (\S+)", alternative))
                 for alternative in message.split(" -> use ", 1)[1].split(", or ")]
        assert fixes and all(fixes), f"{given}: no fix offered: {message}"
        for fix in fixes:
            fixed = {**given, **{names[option]: value for option, value in fix.items()}}
            assert load_refusal(section, **fixed) is None, f"{given} + {fix} is refused too; it came from {message}"
    assert refused > 40


def test_a_window_longer_than_the_load_is_refused_before_locust_starts(run_drill):
    result = run_drill("-m", "load", "--load-duration", "10s", "--load-window", "2m", paths=PATHS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    assert result.stderr.lines[:1] == ["ERROR: --load-window 2m is longer than the load (10 s), so no window could "
                                       "complete, and the drill could only end inconclusive -> use --load-window 10s, "
                                       "or --load-duration 4m"]
    assert result.duration < 30 and "load:" not in result.stdout.str()
