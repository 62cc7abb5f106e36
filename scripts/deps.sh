#!/bin/sh
# Installs the C libraries Fyne's desktop driver builds against, on Debian and
# Ubuntu, only when something is missing. Other systems: see README.
set -eu
[ -f /etc/debian_version ] || { echo "deps: not Debian/Ubuntu; see README for your system"; exit 0; }
PKGS="gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
[ "${1:-}" = "--with-tools" ] && PKGS="$PKGS xvfb xauth imagemagick x11-utils socat"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
