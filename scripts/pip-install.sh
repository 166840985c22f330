#!/usr/bin/env bash
# Install the project into a venv: pinned direct dependencies from pyproject.toml, indirect ones
# held to scripts/constraints.txt when it agrees with pyproject.toml.
#   scripts/pip-install.sh .venv '.[dev]'
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
spec=$2
constraints=scripts/constraints.txt

# pip's warnings about this machine's configured local indexes that do not exist are noise.
quiet() { grep -v "is ignored: it is neither a file nor a directory" || true; }
pip=("$venv/bin/python" -m pip install --quiet --progress-bar off)

if [ -f "$constraints" ]; then
  if "${pip[@]}" --constraint "$constraints" --editable "$spec" 2>&1 | quiet; then
    exit 0
  fi
  echo "WARNING: install with $constraints failed (see above); retrying without it." >&2
  echo "WARNING: if pyproject.toml changed, run 'make lock' and commit the result." >&2
fi
"${pip[@]}" --editable "$spec" 2>&1 | quiet
