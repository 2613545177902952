#!/usr/bin/env bash
# Copies the reports a test run generated (under TestResults/) into docs/, where they are committed.
# A test run never modifies tracked files itself: run this after `bash scripts/test.sh` (or the one test project that
# writes a report), look at `git diff docs/`, and commit what you mean to publish.
#
#   TestResults/reliability.md → docs/reliability.md   the fault suite (tests/BlueGreen.Orleans.Faults.Tests)
#   TestResults/security.md    → docs/security.md      the attacks the security tests tried, with their results
#   TestResults/web/services.png   → docs/web-services.png     the web view's services page (tests/BlueGreen.Orleans.Web.Tests)
#   TestResults/web/deployment.png → docs/web-deployment.png   the web view following a release live
#   TestResults/web/canary.png     → docs/web-canary.png       the web view of a running canary, with its Approve button
#
# Every known report that exists is copied; the ones that do not exist are named and left alone in docs/.
# Exit status: 0 when at least one report was copied, 1 when none exists.
set -euo pipefail
cd "$(dirname "$0")/.."

# source under TestResults/ → name under docs/
reports=(reliability.md:reliability.md security.md:security.md web/services.png:web-services.png web/deployment.png:web-deployment.png web/canary.png:web-canary.png)
copied=0
for report in "${reports[@]}"; do
  source="TestResults/${report%%:*}"
  target="docs/${report#*:}"
  if [ -f "$source" ]; then
    mkdir -p docs
    cp "$source" "$target"
    echo "copied   $source → $target"
    copied=$((copied + 1))
  else
    echo "missing  $source ($target left as it is)"
  fi
done

if [ "$copied" -eq 0 ]; then
  echo "No report found under TestResults/: run bash scripts/test.sh first." >&2
  exit 1
fi
