#!/usr/bin/env bash
# Installs the system programs the tests drive, when they are missing: Java for the Nu HTML
# Checker, Debian's Chromium for the browser tests, npm for axe-core. Does nothing when they are there.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: please install ${need[*]} (needs root and apt-get)" >&2
  exit 0
fi
echo "system-packages: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
