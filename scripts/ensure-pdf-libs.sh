#!/usr/bin/env bash
# WeasyPrint (record exports, handouts) draws text with Pango: install Debian's libraries when
# they are missing, as ensure-chromium.sh does for the browser.
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
  exit 0
fi
echo "Pango is missing (WeasyPrint needs it for PDFs): installing Debian's packages."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
