#!/usr/bin/env bash
# The main job in one command (README "Quick start"): checks what it needs, builds, and runs the demo —
# the embedded server, 3 local haproxy on 127.0.0.x, blue and green echo processes; release → promote → rollback
# under steady load; a summary table. Everything it starts is stopped when it ends or on Ctrl-C.
# Options are passed on: bash scripts/demo.sh --proxies 5 --clients 100
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/require-packages.sh
require_dotnet10
require_packages haproxy
# Only the binary is used: the demo starts its own haproxy processes on 127.0.0.x, not the system service.
echo "$(haproxy -v | sed -n 1p)"

echo "Building (Release)…"
dotnet build demo/BlueGreen.Orleans.Demo -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet demo/BlueGreen.Orleans.Demo/bin/Release/net10.0/bluegreen-demo.dll "$@"
