#!/usr/bin/env bash
# The main job in one command (README "Quick start"): checks what it needs, builds, and runs the demo —
# the embedded server, 3 local haproxy on 127.0.0.x, blue and green echo processes; release → promote → rollback
# under steady load; a summary table. Everything it starts is stopped when it ends or on Ctrl-C.
# Options are passed on: bash scripts/demo.sh --proxies 5 --clients 100
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "The .NET 10 SDK is needed: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi

if ! command -v haproxy >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing haproxy (apt-get)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq haproxy >/dev/null
  else
    echo "haproxy is needed and this shell cannot install it (not root, or no apt-get)." >&2
    echo "Install it, e.g.: sudo apt-get install -y haproxy   — then run this again." >&2
    exit 1
  fi
fi
# Only the binary is used: the demo starts its own haproxy processes on 127.0.0.x, not the system service.
echo "$(haproxy -v | head -1)"

echo "Building (Release)…"
dotnet build demo/BlueGreen.Orleans.Demo -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet demo/BlueGreen.Orleans.Demo/bin/Release/net10.0/bluegreen-demo.dll "$@"
