"""The azure engine's settings: [azure_load_testing], the engine chosen in one place, errors that teach."""

from types import SimpleNamespace

import pytest

from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError
from drillbook.load._settings import LoadOptions, options_from, settings_from

NO_OPTIONS = LoadOptions(None, None, None, None, None, None)
ENDPOINT = "https://alt-castiel.westeurope.cnt-prod.loadtesting.azure.com"


def settings(env_file, extra: str, options: LoadOptions = NO_OPTIONS):
    env = load_environment(path=env_file(extra))
    return settings_from(options, env.config.load, allow_inconclusive=False,
                         azure=env.config.azure_load_testing)


def test_the_azure_engine_is_chosen_in_load_and_named_by_its_engine_instances(env_file):
    chosen = settings(env_file, f'\n[load]\nengine = "azure"\n[azure_load_testing]\nendpoint = "{ENDPOINT}"\n'
                                'engine_instances = 4\n')
    assert chosen.azure.host == ENDPOINT.removeprefix("https://") and chosen.azure.engine_instances == 4
    assert chosen.describe() == "1 stage (10 users 60 s) on 4 Azure Load Testing engine instances"


def test_load_engine_on_the_command_line_wins_over_the_file(env_file):
    option = SimpleNamespace(load_users=None, load_duration=None, load_workers=None, load_interval=None,
                             load_window=None, load_min_requests=None, load_engine="azure")
    chosen = settings(env_file, f'\n[azure_load_testing]\nendpoint = "{ENDPOINT}"\n', options_from(option))
    assert chosen.azure is not None
    assert settings(env_file, f'\n[azure_load_testing]\nendpoint = "{ENDPOINT}"\n').azure is None, "locust by default"


def test_the_azure_engine_without_an_endpoint_says_which_key_to_add(env_file):
    with pytest.raises(ConfigError) as error:
        settings(env_file, '\n[load]\nengine = "azure"\n')
    assert str(error.value) == ('[load] engine = "azure" needs [azure_load_testing] endpoint -> add the resource\'s '
                                'data-plane URI, e.g. endpoint = "https://<id>.<region>.cnt-prod.loadtesting.azure.com"')


def test_load_workers_with_the_azure_engine_is_refused_not_ignored(env_file):
    option = SimpleNamespace(load_users=None, load_duration=None, load_workers=2, load_interval=None,
                             load_window=None, load_min_requests=None, load_engine="azure")
    with pytest.raises(ConfigError) as error:
        settings(env_file, f'\n[azure_load_testing]\nendpoint = "{ENDPOINT}"\n', options_from(option))
    assert str(error.value) == ("--load-workers 2 starts local locust workers, which the azure engine does not use "
                                "-> set [azure_load_testing] engine_instances instead")


def test_the_azure_engine_refuses_a_shape_of_several_stages(env_file):
    with pytest.raises(ConfigError) as error:
        settings(env_file, f'\n[load]\nengine = "azure"\nstages = [{{ duration_s = 30, users = 10 }}, '
                           f'{{ duration_s = 30, users = 40 }}]\n[azure_load_testing]\nendpoint = "{ENDPOINT}"\n')
    assert str(error.value).startswith('[load] engine = "azure" runs one steady stage, not 2 stages -> give '
                                       "--load-users and --load-duration")


@pytest.mark.parametrize(("line", "expected"), [
    ('endpoint = "https://alt.cnt-prod.loadtesting.azure.com/tests"',
     "[azure_load_testing] endpoint = 'https://alt.cnt-prod.loadtesting.azure.com/tests' is invalid -> expected the "
     "resource's data-plane URI: https:// and a host, no path"),
    ("engine_instances = 46", "[azure_load_testing] engine_instances = 46 is invalid -> must be a whole number "
                              "from 1 to 45, e.g. engine_instances = 4"),
    ('test_id = "Castiel Load"', "[azure_load_testing] test_id = 'Castiel Load' is invalid -> expected 2 to 50 "
                                 "lower-case letters, digits, '-' or '_'"),
    ('admin_token = { env = "CASTIEL_ADMIN_TOKEN" }', "[azure_load_testing] admin_token = (a secret reference) is "
                                                      "invalid -> the engines read it from Key Vault themselves"),
    ('admin_token = "t0ken-value"', "[azure_load_testing] admin_token: a secret value is written in the file "
                                    "(value not shown)"),
])
def test_a_bad_azure_key_is_one_line_with_the_fix(env_file, line, expected):
    with pytest.raises(ConfigError) as error:
        load_environment(path=env_file(f"\n[azure_load_testing]\n{line}\n"))
    assert expected in str(error.value), str(error.value)
    assert "t0ken-value" not in str(error.value)


def test_an_unknown_load_engine_fails_the_run_before_any_drill(run_drill):
    result = run_drill("-m", "load", "--load-engine", "azur", paths=("load",))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--load-engine: invalid choice: 'azur' (choose from 'locust', 'azure')*"])


def test_load_engine_azure_is_refused_on_the_local_tier_before_the_drill_in_one_line(run_drill, env_file):
    path = env_file(f'\n[azure_load_testing]\nendpoint = "{ENDPOINT}"\n[load]\nengine = "azure"\n')
    result = run_drill("-m", "load", f"--env-file={path}", paths=("load",))
    assert result.ret == 4  # a configuration error, not a failed load drill
    result.stderr.fnmatch_lines(['ERROR: drill-env.toml: [[]load[]] engine = "azure" loads the target from Azure\'s '
                                 "machines, and the local tier reaches only loopback -> run the azure engine against "
                                 "a staging environment, or locust here"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_run_without_the_azure_engine_does_not_import_its_sdk(drill_imports, faults):
    _, modules = drill_imports("-m", "health")
    assert "drillbook.config.sections.load" in modules  # [azure_load_testing] is typed, yet light
    assert not any(name.startswith("azure.developer") for name in modules)
