#!/usr/bin/env bash
# Debian packages Parcours needs beyond Python: Chromium and its driver for the browser
# tests, faketime for the run with the clock moved ahead, GNU gettext for `make messages`
# (the French catalogue), Pango and fonts for WeasyPrint's PDFs. Distribution packages only.
# Usage: install-system-deps.sh [pdf|all]  (pdf: what the running app needs; all: tests too)
set -euo pipefail
missing=()
if [ "${1:-all}" = all ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v faketime >/dev/null || missing+=(faketime)
  command -v msgfmt >/dev/null || missing+=(gettext)
fi
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "Installation des paquets Debian : ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
