#!/bin/bash
# Takes the kiosk's screenshots (docs/kiosk-*.png) of a real window under
# Xvfb: the attract screen, scanning, the customer's code, paying and the
# receipt, at each screen size. Usage:
#   kiosk-screenshots.sh KASSE_BINARY OUT_DIR [WxH ...]
# Items and the customer's Vipps code are "scanned" as a keyboard-wedge
# scanner types them; taps are computed from the kiosk's layout (ui/kiosk.go).
# The 1280×800 run also writes kiosk-1280-pin/-staff/-fault/-idle.png: the
# staff PIN pad, the staff menu telling what is wrong while the demo's
# "Vipps not answering" scenario plays, "Please call staff", and "Are you
# still there?" after the demo's kiosk.idleAfter (90 s) untouched. Those
# taps are at the places of the 1280×800 layout.
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
LANG=en_US.UTF-8 "$bin" -demo -kiosk -data "$data" >"$data/kasse.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do xwininfo -root -tree 2>/dev/null | grep -q "Kasse" && break; sleep 0.1; done
sleep 2
# The theme's scale: 1 at 1024×768, up to 1.6 (ui/kiosk.go kioskScale).
S=$(awk -v w="$W" -v h="$H" 'BEGIN { s = w / 1024; if (h / 768 < s) s = h / 768; if (s < 1) s = 1; if (s > 1.6) s = 1.6; print s }')
px() { awk -v v="$1" -v s="$S" 'BEGIN { printf "%d", v * s }'; }
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.5; }
scan() { xdotool type --delay 5 "$1"; xdotool key Return; sleep 0.6; }
shot() { import -window root "$out/kiosk-$W-$1.png"; }

shot attract
scan 7038010001215 # Cappuccino
scan 7038010001079 # Kaffe, liten
scan 7038010001215
shot scan
# Pay: the right half of the bottom row, above the footer.
click $((W * 3 / 4)) $((H - 88 - $(px 12) - $(px 6) - 48))
shot code
scan https://qr.vipps.no/p/kasse-demo-approves
sleep 1
shot paying
sleep 5
shot receipt
[ "$W" = 1280 ] || exit 0
sleep 21 # the receipt goes by itself (kiosk.receiptFor)
scan 7038010001215
sleep 92 # kiosk.idleAfter with nobody touching the basket
shot idle
sleep 22 # kiosk.idleGrace: nobody answered, back to the start
staff() { # the Staff button, then 1 2 3 4 and OK on the pad
	click 1180 744
	for xy in "523 299" "639 299" "755 299" "523 393"; do click $xy; done
}
staff
shot pin
click 755 582 # OK
sleep 0.6
click 640 467 # Demo menu
sleep 0.6
xdotool mousemove 500 400
for _ in 1 2 3 4 5; do xdotool click 5; done
sleep 0.4
click 268 433 # Vipps not answering
click 640 702 # Close
sleep 0.5
scan 7038010001215
scan 7038010001079
click $((W * 3 / 4)) $((H - 88 - $(px 12) - $(px 6) - 48)) # Pay
scan https://qr.vipps.no/p/kasse-demo-approves
sleep 9
shot fault
staff
click 755 582
sleep 0.8
shot staff
