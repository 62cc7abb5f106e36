#!/bin/bash
# Takes the customer display's screenshots for the README: a demo till with
# -customer-display on one 2560×800 Xvfb screen, the cashier's window on the
# left half and the customer's on the right; each shot is the right half.
#   customer-screenshots.sh KASSE_BINARY OUT_DIR
# writes customer-display-idle.png (between sales), customer-display.png (a
# sale waiting for the customer's approval), customer-display-receipt.png and
# customer-display-qr.png (the merchant QR of Show QR).
# The customer's window is also taken at 1024×768 and 1920×1080, as
# customer-display-1024.png / -1920.png (approving) and -1024-receipt.png /
# -1920-receipt.png. Clicks follow the till's layout at 1280 px (see
# screenshots.sh).
set -euo pipefail
bin=$(realpath "$1") out=$(realpath "$2")
if [ -z "${KASSE_SHOT_INNER:-}" ]; then
	for s in 1280x800 1024x768 1920x1080; do
		cw=${s%x*} ch=${s#*x}
		KASSE_SHOT_INNER=$s xvfb-run -a -s "-screen 0 $((1280 + cw))x$((ch > 800 ? ch : 800))x24" "$0" "$bin" "$out"
	done
	exit 0
fi
CW=${KASSE_SHOT_INNER%x*} CH=${KASSE_SHOT_INNER#*x}
# name NAME: the README's NAME.png at 1280, NAME-W.png at the other sizes.
name() { if [ "$CW" = 1280 ]; then echo "$1.png"; else echo "${1/customer-display/customer-display-$CW}.png"; fi; }
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
LANG=en_US.UTF-8 "$bin" -demo -customer-display -data "$data" >"$data/kasse.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do xwininfo -root -tree 2>/dev/null | grep -q "customer" && break; sleep 0.1; done
sleep 1
cust=$(xdotool search --name "customer" | head -1)
till=$(xdotool search --name "Kasse" | grep -v "^$cust\$" | head -1)
xdotool windowmove "$till" 0 0 windowsize "$till" 1280 800
xdotool windowmove "$cust" 1280 0 windowsize "$cust" "$CW" "$CH"
sleep 1.5
shot() { import -window root -crop "${CW}x${CH}+1280+0" +repage "$out/$(name "$1")"; }
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.35; }
tile() { click $((4 + ($1 % 4) * 192 + 93)) $((197 + ($1 / 4) * 121 + 57)); }

[ "$CW" != 1280 ] || shot customer-display-idle
for i in 0 0 4 5 8 9; do tile "$i"; done
click 1024 110
xdotool type --delay 40 91234567
sleep 0.5
xdotool key Return # Enter pays from the phone field
sleep 1.2
shot customer-display
sleep 4.5
shot customer-display-receipt
[ "$CW" = 1280 ] || exit 0
if [ -n "${KASSE_SHOT_TILL:-}" ]; then import -window root -crop 1280x800+0+0 +repage "$KASSE_SHOT_TILL"; fi
click 1024 714 # New sale
for i in 2 6; do tile "$i"; done
click 934 730 # Show QR
sleep 1.5
shot customer-display-qr
