#!/usr/bin/env bash
# Every check CI runs, in order: ruff, ruff format, mypy, import contracts, the pytest suite on
# SQLite, then the database tests (`pytest -m db`) on a throwaway PostgreSQL cluster.
# Run by `make test` (which first installs apt packages and .venv); `scripts/test.sh lint` runs
# only the static checks. Every step runs even if an earlier one failed, so one run shows every
# problem; the exit status is non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

mode=${1:-all}
bin=${VENV:-.venv}/bin
artifacts=test-artifacts
failed=()
passed=()

step() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo
  echo "==> $name"
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "--- $name: ok ($((SECONDS - start)) s)"
    passed+=("$name")
  else
    echo "--- $name: FAILED (exit $rc, $((SECONDS - start)) s)"
    failed+=("$name")
  fi
}

# pytest exits 5 when it collected nothing; here that is a failure, never a silent success.
run_pytest() {
  local rc=0
  "$bin/pytest" "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "pytest selected no tests: treated as a failure" >&2
  fi
  return "$rc"
}

pg_dir=""
stop_pg() {
  if [ -n "$pg_dir" ]; then
    scripts/pg-throwaway.sh stop "$pg_dir"
    pg_dir=""
  fi
}
trap stop_pg EXIT
trap 'exit 130' INT TERM

postgres_tests() {
  local url rc=0
  # In /tmp, not $TMPDIR: the cluster may belong to the postgres user, who must reach it.
  pg_dir=$(mktemp -d /tmp/aegle-pg.XXXXXX)
  url=$(scripts/pg-throwaway.sh start "$pg_dir") || return 1
  echo "throwaway cluster: $url"
  AEGLE_TEST_DATABASE_URL=$url run_pytest -m db --junitxml="$artifacts/pytest-postgresql.xml" || rc=$?
  stop_pg
  return "$rc"
}

# One closing line with the test counts of both pytest runs, read from their JUnit reports.
test_totals() {
  "$bin/python" - "$@" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for name in sys.argv[1:]:
    path = Path(name)
    if not path.exists():
        continue
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"tests: {passed} passed, {failed} failed, {totals['skipped']} skipped")
PY
}

step "ruff check" "$bin/ruff" check .
step "ruff format --check" "$bin/ruff" format --check .
step "mypy" "$bin/mypy"
step "import contracts (lint-imports)" "$bin/lint-imports" --no-logo

if [ "$mode" = all ]; then
  mkdir -p "$artifacts"
  rm -f "$artifacts"/pytest-*.xml
  step "pytest (SQLite)" run_pytest --junitxml="$artifacts/pytest-sqlite.xml"
  step "pytest -m db (PostgreSQL)" postgres_tests
fi

echo
echo "==> summary"
for name in "${passed[@]}"; do echo "  ok      $name"; done
for name in "${failed[@]}"; do echo "  FAILED  $name"; done
if [ "$mode" = all ]; then
  test_totals "$artifacts/pytest-sqlite.xml" "$artifacts/pytest-postgresql.xml"
fi
[ ${#failed[@]} -eq 0 ]
