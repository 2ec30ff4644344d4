"""The load drill's settings: shapes as data in [load], the command line over them, errors that teach."""

import pytest
from load_drill import PATHS

from drillbook.environments import load_environment
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
    section = load_environment(path=env_file(SHAPE)).section("load")
    settings = settings_from(NO_OPTIONS, section, allow_inconclusive=False)
    assert settings.stages == (Stage(30, 10, 2), Stage(60, 10, 10), Stage(10, 40, 10))
    assert (settings.duration_s, settings.peak_users, settings.workers) == (100, 40, 2)
    assert settings.describe() == "3 stages (10 users 30 s, 10 users 60 s, 40 users 10 s) on 2 locust workers"


def test_users_on_the_command_line_replace_the_stages_with_one_steady_stage(env_file):
    section = load_environment(path=env_file(SHAPE)).section("load")
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
    result.stderr.fnmatch_lines(["*--load-workers 500: must be 0 to 64*"])


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
