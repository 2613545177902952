#!/usr/bin/env bash
# The project's test command (README "Quick start" and .ci/run both call it).
# Builds with warnings as errors, runs every test project against real haproxy / dockerd / redis processes,
# and ends with one line "N passed, N failed, N skipped" computed from the TRX results.
# Everything a run writes goes under TestResults/ (TRX files, and the reports: reliability.md from the fault suite);
# a run never modifies a tracked file. `bash scripts/publish-reports.sh` copies the reports into docs/.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/require-packages.sh
require_dotnet10
# The tests start their own haproxy, dockerd and redis-server processes (no system service), and the recipe's socat;
# the web view's tests drive Debian's headless chromium (Playwright never downloads a browser here); systemd for
# systemd-analyze, which checks deploy/systemd/*.service (no systemd needs to run); clang and zlib1g-dev to publish the
# agent native (Native AOT), as it is deployed.
require_packages haproxy socat busybox-static docker.io redis-server chromium systemd clang zlib1g-dev

results="TestResults"
rm -rf "$results"
dotnet build BlueGreen.Orleans.sln -c Release -warnaserror -nologo -v quiet

# One project at a time, the fault suite last: its cases kill and restart processes and count failed requests, and
# must not share 2 cores with another suite's haproxy fleet.
status=0
projects=$(ls tests/*.Tests/*.Tests.csproj | grep -v Faults.Tests; ls tests/*.Tests/*.csproj | grep Faults.Tests)
for project in $projects; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$results" \
    --blame-hang-timeout 5m || status=$?
done

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total) executed=$(get executed) p=$(get passed) f=$(get failed) e=$(get error) t=$(get timeout) a=$(get aborted)
  passed=$((passed + p))
  failed=$((failed + f + e + t + a))
  skipped=$((skipped + total - executed))
done

# docs/security.md with the attacks this run's tests recorded (TestResults/security/*.tsv) → TestResults/security.md.
python3 scripts/security-report.py || failed=$((failed + 1))

if [ "$files" -eq 0 ]; then
  echo "No test results were written." >&2
  failed=$((failed + 1))
fi
echo
# The tests that did not pass, named with their messages, last: a CI log is often kept only by its tail.
python3 scripts/trx-failures.py "$results" || true
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
