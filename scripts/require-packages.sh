#!/usr/bin/env bash
# Sourced by the project's scripts: `require_packages haproxy socat …` installs the Debian packages that are missing
# (as root, through apt-get) or stops with the command to run where it cannot (not root, or no apt-get).
# The scripts use only the binaries: they start their own haproxy, dockerd and redis-server processes.
require_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing Debian packages: ${missing[*]}. This shell cannot install them (not root, or no apt-get)." >&2
    echo "Install them, e.g.: sudo apt-get install -y ${missing[*]}   — then run this again." >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

require_dotnet10() {
  if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks | grep '^10\.' >/dev/null; then
    echo "The .NET 10 SDK is needed: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
    exit 1
  fi
}
