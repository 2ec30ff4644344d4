"""Which requests a contract run may send, per tier: writes only where a destructive drill may run."""

import pytest

from drillbook.contract import settings_from_env
from drillbook.config.environments import load_environment


def _env(tmp_path, tier: str, allow: bool, extra: str = ""):
    url = "sandbox" if tier == "local" else "https://api-staging.castiel.com"
    path = tmp_path / f"{tier}.toml"
    path.write_text(f'[target]\ntier = "{tier}"\nbase_url = "{url}"\n[safety]\nallow_destructive = '
                    f"{str(allow).lower()}\n{extra}")
    return load_environment(path=path)


@pytest.mark.parametrize(("tier", "allow", "approval", "writes"), [
    ("local", False, None, False),  # allow_destructive = false holds on every tier (issue 10.2)
    ("local", True, None, True),
    ("staging", True, None, True),
    ("staging", False, None, False),
    ("production", False, "CHG-123", False),
    ("production", True, None, False),
    ("production", True, "CHG-123", True),
])
def test_writes_follow_the_destructive_drill_rules(tmp_path, tier, allow, approval, writes):
    settings = settings_from_env(_env(tmp_path, tier, allow), approval=approval)
    assert settings.allow_writes is writes
    assert (settings.writes_refused is None) is writes


def test_a_refusal_says_why_and_how_to_allow_it(tmp_path):
    settings = settings_from_env(_env(tmp_path, "production", True), approval=None)
    assert settings.writes_refused == ("refused: destructive drill on production without approval "
                                       "-> pass --approve CHG-123 (the change id)")


def test_bounds_and_http_settings_come_from_the_environment_file(tmp_path):
    extra = ('[contract]\nmax_examples = 7\nmax_seconds = 12.5\nnegative_data = false\nexclude = ["post /api/x"]\n'
             '[http]\ntimeout_s = 2.5\nverify_tls = false\n')
    settings = settings_from_env(_env(tmp_path, "staging", False, extra), approval=None, admin_token="t0ken-value")
    assert (settings.max_examples, settings.max_seconds, settings.negative_data) == (7, 12.5, False)
    assert settings.exclude == ("POST /api/x",) and (settings.timeout_s, settings.verify) == (2.5, False)
    assert "t0ken-value" not in repr(settings)
