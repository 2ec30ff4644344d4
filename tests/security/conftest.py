"""A test certificate authority, leaf certificates of any lifetime, and drill runs against a local HTTPS target."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the sibling helpers importable
from certificates import CertificateAuthority  # noqa: E402

RUN_TIMEOUT_S = 120


@pytest.fixture(scope="session")
def authority(tmp_path_factory) -> CertificateAuthority:
    return CertificateAuthority.create(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def issue(authority, tmp_path):
    """``issue(days)``: a leaf for 127.0.0.1 valid for ``days`` more days (negative: expired)."""
    return lambda days: authority.issue(tmp_path / f"leaf-{days}", valid_days=days)


@pytest.fixture
def run_checks(run_drill, tmp_path, authority):
    """Run checks/test_security.py (``run_drill``) against ``url`` through a temporary env file."""
    def run(url: str, *args: str, extra_toml: str = "", http_toml: str = "") -> pytest.RunResult:
        env_file = tmp_path / "https-target.toml"
        env_file.write_text(
            f'[target]\ntier = "local"\nbase_url = "{url}"\n\n'
            f'[http]\ntimeout_s = 3.0\nconnect_timeout_s = 1.0\nca_bundle = "{authority.bundle}"\n{http_toml}\n\n'
            # an [auth] section left out makes resolve_secrets() trip over admin_token = None
            f'[auth]\nadmin_token = {{ env = "DRILLBOOK_TEST_NO_TOKEN", optional = true }}\n\n{extra_toml}\n')
        return run_drill(f"--env-file={env_file}", "-m", "security", *args, paths=("checks/test_security.py",),
                         timeout=RUN_TIMEOUT_S)

    return run
