#!/usr/bin/env bash
# Rebuilds Release and reruns every benchmark; each one replaces its own section of docs/benchmarks.md.
# Usage: bash bench/run.sh            (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

# Every subcommand of bluegreen-bench, run in this order (`load` and `scale` come with their own branches).
benchmarks=(setmap fleet-switch release-latency load scale)

dotnet build BlueGreen.Orleans.sln -c Release -warnaserror -nologo -v quiet
for benchmark in "${benchmarks[@]}"; do
  echo "=== bluegreen-bench $benchmark"
  dotnet run -c Release --no-build --project bench/BlueGreen.Orleans.Bench -- "$benchmark"
done
