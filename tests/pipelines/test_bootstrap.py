"""scripts/bootstrap.sh on a scratch copy, its installers stubbed: it installs what is missing, and only that."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STUB = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"{log}\"\n{extra}"


def _stub(path: Path, log: Path, extra: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STUB.format(log=log, extra=extra))
    path.chmod(0o755)


def _bootstrap(repo: Path, bin_dir: Path) -> subprocess.CompletedProcess:
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(repo)}
    return subprocess.run(["bash", str(repo / "scripts" / "bootstrap.sh")], env=env, capture_output=True,
                          text=True, timeout=60)


def test_bootstrap_installs_again_what_was_deleted_and_nothing_else(tmp_path):
    repo, bin_dir, log = tmp_path / "repo", tmp_path / "bin", tmp_path / "calls.log"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "bootstrap.sh", repo / "scripts")
    for name in ("pyproject.toml", "package.json", "package-lock.json"):
        (repo / name).write_text(f"{name}\n")
    _stub(repo / ".venv" / "bin" / "python", log)  # the venv exists: only its packages are at stake
    _stub(bin_dir / "npm", log, 'mkdir -p node_modules\n')
    _stub(bin_dir / "chromium", log)  # present: no apt-get from a test

    def installers() -> list[str]:
        done = _bootstrap(repo, bin_dir)
        assert done.returncode == 0, done.stdout + done.stderr
        calls = log.read_text().split("\n") if log.exists() else []
        log.unlink(missing_ok=True)
        return [call.split()[0] for call in calls if call]

    assert installers() == ["python", "npm"]  # a fresh clone: both
    assert installers() == []  # nothing changed: nothing installed
    shutil.rmtree(repo / "node_modules")
    assert installers() == ["python", "npm"]  # node_modules deleted: "run scripts/bootstrap.sh" must bring it back
