#!/bin/bash
# Takes the README's screenshots of a real till window under Xvfb, at the
# screen sizes a till meets: `make screenshots`. Usage:
#   screenshots.sh KASSE_BINARY OUT_DIR [WxH ...]
# Each size gets its own Xvfb screen of that size (the window is sized to
# it), so nothing can hide beyond the screen's edge. Per size W it writes
# till-W.png (a sale with 7+ lines and an identified customer); the 1280×800
# run also writes the README's till-basket/-waiting/-receipt/-paper/-history
# and till-declined.png. With KASSE_SHOTS_ALL=1 every size also writes
# till-W-waiting/-receipt/-declined.png, to look at each step at each size.
# The 1280×800 run also writes till-open-item/-qr/-cash/-parked.png.
# Clicks are computed from the layout (ui/ui.go paneWidth, ui/grid.go
# tileGrid). Barcodes are typed as a keyboard-wedge scanner does, with no
# field focused: typed into the search box they made the drawn window
# taller than the screen under Xvfb (see the lead's notes).
set -euo pipefail
bin=$(realpath "$1") out=$(realpath "$2")
shift 2
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1024x768 1280x800 1920x1080)
if [ -z "${KASSE_SHOT_SIZE:-}" ]; then
	for s in "${sizes[@]}"; do
		KASSE_SHOT_SIZE=$s xvfb-run -a -s "-screen 0 ${s}x24" "$0" "$bin" "$out"
	done
	exit 0
fi

W=${KASSE_SHOT_SIZE%x*} H=${KASSE_SHOT_SIZE#*x}
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
LANG=en_US.UTF-8 "$bin" -demo -data "$data" >"$data/kasse.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do xwininfo -root -tree 2>/dev/null | grep -q "Kasse" && break; sleep 0.1; done
sleep 1
wid=$(xdotool search --name Kasse | head -1)
xdotool windowmove "$wid" 0 0 windowsize "$wid" "$W" "$H"
sleep 1.5
xdotool windowsize "$wid" "$W" "$H" # once more: the first may come before Fyne's own
sleep 0.5

# The layout: the right pane is 40 % of the width (440..560 px); tiles fill
# the left in columns at least 160 px and a sixth of the grid wide.
read -r PW LW GW N TW TH < <(awk -v w="$W" 'BEGIN {
	pw = w * 0.4; if (pw < 440) pw = 440; if (pw > 560) pw = 560
	lw = w - pw; gw = lw - 6; least = gw / 6; if (least < 160) least = 160
	n = int((gw + 6) / (least + 6)); if (n < 1) n = 1
	tw = (gw - 6 * (n - 1)) / n; th = tw * 0.62; if (th < 104) th = 104; if (th > 150) th = 150
	printf "%d %d %d %d %d %d\n", pw, lw, gw, n, tw, th }')
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.35; }
tile() { # tile number i (0-based) of the All tab
	local i=$1
	click $((4 + (i % N) * (TW + 6) + TW / 2)) $((193 + (i / N) * (TH + 6) + TH / 2))
}
phone() { click $((LW + PW / 2)) 110; xdotool type --delay 40 "$1"; sleep 0.5; }
pay() { xdotool key Return; } # Enter pays from the phone field
shot() { import -window root "$out/$1"; }
# step NAME: the step's shot, kept at 1280 px as the README's NAME.png.
step() {
	if [ "$W" = 1280 ]; then shot "$1.png"; fi
	if [ -n "${KASSE_SHOTS_ALL:-}" ]; then shot "till-$W-${1#till-}.png"; fi
}

for i in 0 2 2 3 5 6 7 8 1; do tile "$i"; done
phone 91234567
shot "till-$W.png"
if [ "$W" = 1280 ]; then cp "$out/till-$W.png" "$out/till-basket.png"; fi
pay
sleep 1.2
step till-waiting
sleep 4
step till-receipt
if [ "$W" = 1280 ]; then
	click $((LW + PW / 4)) $((H - 160)) # Paper receipt (the demo's virtual printer)
	sleep 0.8
	shot till-paper.png
	xdotool key Escape
	click $((W / 2)) $((H - 93)) # close it
fi
click $((W - PW / 2)) $((H - 86)) # New sale
for i in 6 7; do tile "$i"; done
phone 91234560 # the simulated customer declines numbers ending in 0
pay
sleep 6
step till-declined
if [ "$W" = 1280 ]; then
	click 762 37 # History (the header at 1280 px)
	sleep 0.8
	click 280 233 # the paid sale, below the declined one
	sleep 0.5
	shot till-history.png
	click $((W / 2)) $((H - 66)) # Close
	click $((W - PW / 2)) $((H - 77)) # Back to basket
	# An unknown barcode, added by hand.
	click 27 166 # the All tab: no field has the focus, as for a scanner
	xdotool type --delay 5 7099999999993
	xdotool key Return
	sleep 0.6
	click $((W - 95)) 124 # Add by hand…
	sleep 0.5
	xdotool type --delay 20 "Hagebok"
	xdotool key Tab
	xdotool type --delay 20 "129,00"
	sleep 0.3
	shot till-open-item.png
	click 750 674 # Add to the basket
	sleep 0.4
	click 934 729 # Show QR
	sleep 1.2
	shot till-qr.png
	click $((W - PW / 2)) 711 # Cancel payment
	sleep 1
	click $((W - PW / 2)) $((H - 77)) # Back to basket
	click 1044 729 # Cash
	sleep 0.6
	click 801 389 # the third amount offered
	sleep 0.4
	shot till-cash.png
	click 518 620 # Cancel
	click 958 593 # Park
	sleep 0.6
	for i in 3 4; do tile "$i"; done
	click 1084 593 # Parked (1)
	sleep 0.6
	shot till-parked.png
fi
