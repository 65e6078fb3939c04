#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests (no browser download
# from elsewhere: the distribution's packages only).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "Installation de chromium et chromium-driver (paquets Debian)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
