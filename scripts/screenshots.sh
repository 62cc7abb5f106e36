#!/bin/bash
# Takes the README's screenshots of a real till window: run under Xvfb by
# `make screenshots`. Usage: screenshots.sh KASSE_BINARY OUT_DIR
set -euo pipefail
bin=$1 out=$2
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
"$bin" -demo -data "$data" >"$data/kasse.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do xwininfo -root -tree 2>/dev/null | grep -q "Kasse" && break; sleep 0.1; done
sleep 1.5
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.3; }
click 430 240   # Cappuccino
click 430 355   # Kanelbolle
click 430 355   # Kanelbolle again
click 260 590   # Baguette med kylling
click 1015 135  # customer's phone number
xdotool type --delay 40 "91234567"
sleep 0.5
import -window root "$out/till-basket.png"
click 1085 696  # Pay
sleep 1.2
import -window root "$out/till-waiting.png"
sleep 4
import -window root "$out/till-receipt.png"
click 925 620   # Paper receipt (the demo's virtual printer)
sleep 0.8
import -window root "$out/till-paper.png"
xdotool key Escape; click 640 707   # close it
click 1070 37   # History
sleep 0.8
click 280 173   # the sale just made
sleep 0.5
import -window root "$out/till-history.png"
