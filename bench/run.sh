#!/usr/bin/env bash
# Rebuilds Release and reruns every benchmark; each one replaces its own section of docs/benchmarks.md.
# Usage: bash bench/run.sh            (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

# Every subcommand of bluegreen-bench, run in this order.
benchmarks=(setmap fleet-switch stream-floor agent-reload release-latency canary server-memory load scale)

# What the benches run besides this repository: haproxy and socat (the recipe's way), redis-server (scale), hey (load),
# clang and zlib1g-dev (the agent published native).
. scripts/require-packages.sh
require_dotnet10
require_packages haproxy socat redis-server hey clang zlib1g-dev

dotnet build BlueGreen.Orleans.sln -c Release -warnaserror -nologo -v quiet
# The agent as it is deployed (README "Many proxy hosts"): published native (Native AOT needs clang and zlib1g-dev).
agent="bench/BlueGreen.Orleans.Bench/bin/agent-native"
dotnet publish src/BlueGreen.Orleans.Agent -c Release -r linux-x64 -o "$agent" -nologo -v quiet
# stream-floor's minimal peer, published the same way.
peer="bench/BlueGreen.Orleans.Bench/bin/stream-peer-native"
dotnet publish bench/BlueGreen.Orleans.Bench.StreamPeer -c Release -r linux-x64 -o "$peer" -nologo -v quiet
for benchmark in "${benchmarks[@]}"; do
  echo "=== bluegreen-bench $benchmark"
  case "$benchmark" in
    fleet-switch|agent-reload) dotnet run -c Release --no-build --project bench/BlueGreen.Orleans.Bench -- "$benchmark" --agent "$agent/bluegreen-agent" ;;
    stream-floor) dotnet run -c Release --no-build --project bench/BlueGreen.Orleans.Bench -- "$benchmark" --peer "$peer/bluegreen-stream-peer" --agent "$agent/bluegreen-agent" ;;
    *) dotnet run -c Release --no-build --project bench/BlueGreen.Orleans.Bench -- "$benchmark" ;;
  esac
done
