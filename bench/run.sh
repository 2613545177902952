#!/usr/bin/env bash
# Rebuilds Release and reruns every benchmark; each one replaces its own section of docs/benchmarks.md.
# Usage: bash bench/run.sh            (from anywhere inside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

# Every subcommand of bluegreen-bench, run in this order.
benchmarks=(setmap fleet-switch release-latency load scale)

# What the benches run besides this repository: haproxy and socat (the recipe's way), redis-server (scale), hey (load).
packages=(haproxy socat redis-server hey)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench/run.sh needs these Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet build BlueGreen.Orleans.sln -c Release -warnaserror -nologo -v quiet
for benchmark in "${benchmarks[@]}"; do
  echo "=== bluegreen-bench $benchmark"
  dotnet run -c Release --no-build --project bench/BlueGreen.Orleans.Bench -- "$benchmark"
done
