#!/usr/bin/env bash
# Soak: releases, rollbacks and promotes in a loop under load, with random kill -9 of the server, haproxy reloads and
# restarts; checks the invariants after every round, prints a summary, writes docs/soak.md, exits non-zero on a violation.
# Usage: bash bench/soak.sh [--duration 10m] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/BlueGreen.Orleans.Bench -c Release -nologo -v quiet
exec dotnet bench/BlueGreen.Orleans.Bench/bin/Release/net10.0/bluegreen-bench.dll soak "$@"
