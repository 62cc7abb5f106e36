#!/bin/bash
# Takes the README's screenshots of a Danish and a Finnish sale (the demo
# shop of each market, in its language) under Xvfb at 1280×800:
#   screenshots-markets.sh KASSE_BINARY OUT_DIR
# Writes till-da-basket/-receipt/-paper.png and the same for fi. The
# clicks are computed as in screenshots.sh.
set -euo pipefail
bin=$(realpath "$1") out=$(realpath "$2")
if [ -z "${KASSE_SHOT_MARKET:-}" ]; then
	for m in DK:da:20123456 FI:fi:0401234567; do
		KASSE_SHOT_MARKET=$m xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$bin" "$out"
	done
	exit 0
fi
IFS=: read -r market lang phone <<<"$KASSE_SHOT_MARKET"
W=1280 H=800
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
LANG=en_US.UTF-8 "$bin" -demo -market "$market" -lang "$lang" -data "$data" >"$data/kasse.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do xwininfo -root -tree 2>/dev/null | grep -q "Kasse" && break; sleep 0.1; done
sleep 1
wid=$(xdotool search --name Kasse | head -1)
xdotool windowmove "$wid" 0 0 windowsize "$wid" "$W" "$H"
sleep 1.5
read -r PW LW GW N TW TH < <(awk -v w="$W" 'BEGIN {
	pw = w * 0.4; if (pw < 440) pw = 440; if (pw > 560) pw = 560
	lw = w - pw; gw = lw - 6; least = gw / 6; if (least < 160) least = 160
	n = int((gw + 6) / (least + 6)); if (n < 1) n = 1
	tw = (gw - 6 * (n - 1)) / n; th = tw * 0.62; if (th < 104) th = 104; if (th > 150) th = 150
	printf "%d %d %d %d %d %d\n", pw, lw, gw, n, tw, th }')
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.35; }
tile() { local i=$1; click $((4 + (i % N) * (TW + 6) + TW / 2)) $((193 + (i / N) * (TH + 6) + TH / 2)); }
phone() { click $((LW + PW / 2)) 110; xdotool type --delay 40 "$1"; sleep 0.5; }
pay() { xdotool key Return; } # Enter pays from the phone field
shot() { import -window root "$out/$1"; }
l=$(tr 'A-Z' 'a-z' <<<"$lang")
for i in 0 0 2 6 7 12; do tile "$i"; done
phone "$phone"
shot "till-$l-basket.png"
pay
sleep 5
shot "till-$l-receipt.png"
click $((LW + PW / 4)) $((H - 160)) # the paper receipt (the demo's virtual printer)
sleep 0.8
shot "till-$l-paper.png"
