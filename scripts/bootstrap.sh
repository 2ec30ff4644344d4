#!/usr/bin/env bash
# Install everything drillbook needs into ./.venv and ./node_modules.
# Safe to run again: it reinstalls only when pyproject.toml or package-lock.json changed, or node_modules is gone.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
stamp=.venv/.drillbook-installed
want=$(cat pyproject.toml package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -d node_modules ]; then
  echo "bootstrap: installing Python packages (pip install -e '.[dev]')"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2> >(grep -v "is ignored: it is neither" >&2)
  echo "bootstrap: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The report's browser test renders reports in headless Chromium from Debian's packages: CI (root) installs it.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing chromium (apt-get) for the report's browser test"
    apt-get install -y --no-install-recommends chromium >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    echo "bootstrap: chromium is missing; the report's browser test needs it -> sudo apt-get install chromium" >&2
  fi
fi
