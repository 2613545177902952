#!/usr/bin/env bash
# Copies the reports a test run generated (under TestResults/) into docs/, where they are committed.
# A test run never modifies tracked files itself: run this after `bash scripts/test.sh` (or the one test project that
# writes a report), look at `git diff docs/`, and commit what you mean to publish.
#
#   TestResults/reliability.md → docs/reliability.md   the fault suite (tests/BlueGreen.Orleans.Faults.Tests)
#   TestResults/security.md    → docs/security.md      the attacks the security tests tried, with their results
#
# Every known report that exists is copied; the ones that do not exist are named and left alone in docs/.
# Exit status: 0 when at least one report was copied, 1 when none exists.
set -euo pipefail
cd "$(dirname "$0")/.."

reports=(reliability.md security.md)
copied=0
for report in "${reports[@]}"; do
  source="TestResults/$report"
  if [ -f "$source" ]; then
    mkdir -p docs
    cp "$source" "docs/$report"
    echo "copied   $source → docs/$report"
    copied=$((copied + 1))
  else
    echo "missing  $source (docs/$report left as it is)"
  fi
done

if [ "$copied" -eq 0 ]; then
  echo "No report found under TestResults/: run bash scripts/test.sh first." >&2
  exit 1
fi
