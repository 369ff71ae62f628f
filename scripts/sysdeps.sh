#!/usr/bin/env bash
# Debian packages the portal needs: a CJK font for PDF receipts, Pango for WeasyPrint,
# poppler-utils (pdftotext), Chromium for the browser tests, and nginx (the balancer of
# deploy/nginx/, tested in tests/deploy), and redis-server (tests and fault runs start
# their own, never touching the shared one). Installs what is missing.
set -euo pipefail
packages=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium chromium-driver nginx-light redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "!!! Missing system packages: ${missing[*]}" >&2
  echo "!!! Install them as root: apt-get install ${missing[*]}" >&2
  echo "!!! Without them PDF receipts render without Chinese fonts and the browser tests are SKIPPED." >&2
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The nginx package would start a server on port 80; we only want its binary. A
# policy-rc.d that answers 101 tells the package scripts not to start services.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
true
