#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages that building and testing tsur needs, only when missing.
# Safe to run repeatedly; uses sudo when not root.
set -euo pipefail

packages=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev
  webkit2gtk-driver xvfb xauth imagemagick
  libsecret-1-dev libdbus-1-dev dbus-x11 gnome-keyring openssl time bc
  postgresql
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
