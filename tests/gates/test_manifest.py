"""The release manifest: a good one loads with its paths, every bad one is one line that teaches."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from drillbook.errors import ConfigError
from drillbook.gates import load_release, refuse_missing_release, release_for_run
from drillbook.gates._manifest import NoticeSection

from evidence_files import write_evidence


def error_of(tmp_path, monkeypatch, text: str) -> str:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "release.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_release(path)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_a_manifest_loads_with_its_paths(tmp_path):
    release = load_release(write_evidence(tmp_path))
    assert (release.version, release.previous_version, release.change_id) == ("1.4.3", "1.4.2", "CHG-123")
    assert release.junit_files == (tmp_path / "junit" / "unit.xml",)
    assert release.review_file == tmp_path / "review.json" and release.migration_environment == "staging"


def test_relative_evidence_paths_are_read_from_the_working_directory_not_the_manifests_folder(tmp_path, monkeypatch):
    """Where the run writes reports/: the example manifest in pipelines/ names reports/..., not pipelines/reports/."""
    (tmp_path / "pipelines").mkdir()
    manifest = tmp_path / "pipelines" / "release.toml"
    manifest.write_text(MINIMAL.replace('"junit.xml"', '"reports/junit/unit.xml"'))
    monkeypatch.chdir(tmp_path)
    release = load_release(Path("pipelines/release.toml"))
    assert [path.resolve() for path in release.junit_files] == [tmp_path / "reports" / "junit" / "unit.xml"]
    assert release.review_file.resolve() == tmp_path / "review.json"


MINIMAL = """
[release]
version = "1.4.3"
previous_version = "1.4.2"
commit = "3f2c9a1"
change_id = "CHG-123"
[evidence]
junit = ["junit.xml"]
review = "review.json"
[notice]
ticket = "OPS-4411"
"""


@pytest.mark.parametrize("name, text", [
    ("missing_version", MINIMAL.replace('version = "1.4.3"\n', "", 1)),
    ("bad_change_id", MINIMAL.replace('"CHG-123"', '"change 123"')),
    ("unknown_key", MINIMAL + 'link = "https://status.castiel.com/x"\nnotifed = ["#releases"]\n'),
    ("unknown_section", MINIMAL + "[rollout]\nslot = 'staging'\n"),
    ("secret_written", MINIMAL + 'token = "ghp_abcdefabcdefabcdef"\n'),
    ("credential_in_link", MINIMAL + 'link = "https://hooks.castiel.com/notify?sig=abcdef"\n'),
    ("no_junit_file", MINIMAL.replace('junit = ["junit.xml"]', "junit = []")),
    ("setting_not_a_name", MINIMAL + "[settings]\nrequired = [\"REDIS URL\"]\n"),
    ("malformed_toml", MINIMAL + "[release\n"),
])
def test_a_bad_manifest_is_one_line(tmp_path, monkeypatch, snapshot, name, text):
    snapshot(error_of(tmp_path, monkeypatch, text), name)


def test_no_message_shows_the_secret(tmp_path, monkeypatch):
    assert "ghp_abcdef" not in error_of(tmp_path, monkeypatch, MINIMAL + 'token = "ghp_abcdefabcdefabcdef"\n')


def test_a_missing_manifest_names_its_path(tmp_path):
    with pytest.raises(ConfigError, match=r"--release .*nowhere.toml: no such file -> check the path"):
        load_release(tmp_path / "nowhere.toml")


def test_a_setting_with_its_value_is_refused_without_showing_it(tmp_path, monkeypatch):
    message = error_of(tmp_path, monkeypatch, MINIMAL + '[settings]\nrequired = ["REDIS_URL", "COSMOS_KEY=c2VjcmV0"]\n')
    assert "entry 2 holds a value (not shown)" in message and "c2VjcmV0" not in message


def test_only_a_run_whose_selected_gates_read_it_needs_a_manifest(tmp_path):
    def option(markexpr, release=None, expect_version=None):
        return SimpleNamespace(markexpr=markexpr, release=release, expect_version=expect_version)

    reads_it, cadence = SimpleNamespace(fixturenames=["release", "http"]), SimpleNamespace(fixturenames=["http"])
    assert release_for_run(option("gate or smoke")) is None
    refuse_missing_release(None, [cadence], "gate")  # the cadence gate reads the journal, not the manifest
    with pytest.raises(pytest.UsageError, match=r"^-m gate needs the release manifest -> pass --release release.toml"):
        refuse_missing_release(None, [cadence, reads_it], "gate or smoke")
    refuse_missing_release(None, [cadence, reads_it], None)  # a bare run: the gates that read it skip instead
    manifest = write_evidence(tmp_path)
    with pytest.raises(ConfigError, match=r"--expect-version 1.4.4 contradicts .*: \[release\] version = \"1.4.3\""):
        release_for_run(option("smoke", manifest, "1.4.4"))


def test_a_manifest_without_a_notice_loads_for_its_gate_to_fail(tmp_path):
    path = tmp_path / "release.toml"
    path.write_text(MINIMAL.replace('ticket = "OPS-4411"', ""))
    assert load_release(path).manifest.notice == NoticeSection()
