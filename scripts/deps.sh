#!/bin/sh
# Installs the C libraries Fyne's desktop driver builds against, on Debian and
# Ubuntu, only when something is missing. Other systems: see README.
set -eu
[ -f /etc/debian_version ] || { echo "deps: not Debian/Ubuntu; see README for your system"; exit 0; }
PKGS="gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
[ "${1:-}" = "--with-tools" ] && PKGS="$PKGS xvfb xauth imagemagick x11-utils xdotool socat libxml2-utils"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
# Go itself: Debian's golang-go when there is none. Go 1.21 or newer fetches
# the toolchain go.mod asks for by itself (GOTOOLCHAIN=auto).
command -v go >/dev/null 2>&1 || missing="$missing golang-go ca-certificates"
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
minor=$(go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -n "$minor" ] && [ "$minor" -lt 21 ]; then
	echo "deps: $(go env GOVERSION) is too old to fetch the Go toolchain Kasse needs (1.26);"
	echo "      install Go from https://go.dev/dl/ and run make again."
	exit 1
fi
