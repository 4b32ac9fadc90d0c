#!/usr/bin/env bash
# Install what the tests need from the operating system, when it is missing: Debian's chromium
# (browser tests), redis-server (scale-out tests) and Noto fonts (so Urdu, Arabic, Bengali and
# Gurmukhi render in the browser tests). Called by `make test` (all) and `make run-scaled`
# (redis only). Without root or apt-get it stops at once with one line saying what to install.
#   scripts/ensure-system.sh [test|redis]
set -euo pipefail
what="${1:-test}"
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ "$what" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # fonts-noto-core carries Noto Naskh Arabic, Noto Nastaliq Urdu, Noto Sans Bengali and Gurmukhi.
  if ! fc-list 2>/dev/null | grep -q "NotoSansBengali"; then need+=(fonts-noto-core); fi
fi
[ "${#need[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Safe Report: please install ${need[*]} (Debian/Ubuntu: sudo apt-get install -y ${need[*]}), then run make again." >&2
  exit 1
fi
echo "Installing ${need[*]} (Debian packages; about a minute)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts redis-server as a service on install; the tests start their own, persistence off.
if printf '%s\n' "${need[@]}" | grep -qx redis-server; then
  if command -v systemctl >/dev/null 2>&1; then systemctl stop redis-server >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
fi
