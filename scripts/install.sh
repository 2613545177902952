#!/usr/bin/env bash
# Installs the commands from this checkout (README "Install"): bluegreen (the CLI), bluegreen-server and
# bluegreen-echo (the demo's blue/green application), published in Release and started through small wrappers, so a
# command starts in a fraction of a second instead of the seconds `dotnet run` spends on build checks.
#   bash scripts/install.sh                    # into ~/.local: lib/bluegreen/<tool>/ and bin/<command>
#   bash scripts/install.sh --prefix /opt/bg   # anywhere else
# Needs the .NET 10 SDK to build; the installed commands need only the .NET 10 runtime.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${HOME}/.local"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (use --prefix DIR)" >&2; exit 64 ;;
  esac
done

. scripts/require-packages.sh
require_dotnet10

mkdir -p "$prefix/bin" "$prefix/lib/bluegreen"
prefix=$(cd "$prefix" && pwd)
install_tool() { # <project> <command> <assembly>
  local project=$1 command=$2 assembly=$3 target="$prefix/lib/bluegreen/$2"
  echo "Publishing $command → $target"
  rm -rf "$target.new"
  # Quiet when it works; the whole build output when it does not (dotnet prints its errors on stdout).
  local log
  if ! log=$(dotnet publish "src/$project" -c Release -o "$target.new" -nologo -v quiet -p:UseAppHost=false 2>&1); then
    echo "$log" >&2
    echo "install.sh: publishing $command from src/$project failed (above)" >&2
    exit 1
  fi
  rm -rf "$target" && mv "$target.new" "$target"
  # A wrapper, not a symlink to an apphost: it finds the runtime through PATH like every other dotnet command.
  printf '#!/bin/sh\nexec dotnet "%s" "$@"\n' "$target/$assembly.dll" > "$prefix/bin/$command"
  chmod 755 "$prefix/bin/$command"
}
install_tool BlueGreen.Orleans.Cli bluegreen bluegreen
install_tool BlueGreen.Orleans.Server bluegreen-server bluegreen-server
install_tool BlueGreen.Orleans.EchoServer bluegreen-echo bluegreen-echo

echo "Installed: $prefix/bin/bluegreen, $prefix/bin/bluegreen-server, $prefix/bin/bluegreen-echo"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add $prefix/bin to PATH, e.g.: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
