#!/bin/bash
# Takes the README's screenshots of the setup window, the login and the
# settings, from a real window under Xvfb at 1280×800: `make screenshots`.
# Usage: screenshots-setup.sh KASSE_BINARY OUT_DIR
# Clicks are at fixed places of the 1280×800 layout (ui/setup.go: Next at the
# bottom right, one form row every 52 px from y=143). It writes every step:
# setup-welcome/-environment/-keys/-shop/-till/-scanner/-printer/-catalog/
# -market/-manager.png; setup-till.png tests a relay on loopback
# (kasse-relay beside KASSE_BINARY) with the token of another till, for the
# wrong-prefix message. Then login.png, settings-pin.png, settings.png (the
# Cashiers tab) and settings-TAB.png for the other tabs.
set -euo pipefail
bin=$(realpath "$1") out=$(realpath "$2")
if [ -z "${KASSE_SHOT_INNER:-}" ]; then
	KASSE_SHOT_INNER=1 exec xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi
data=$(mktemp -d)
pid=
rpid=
trap 'kill $pid $rpid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$data"' EXIT
# A relay on loopback that knows one till, till 2 (prefix kasse-2-).
relay=$(dirname "$bin")/kasse-relay
rport=$((20000 + RANDOM % 20000))
"$relay" serve -db "$data/relay.db" -listen "127.0.0.1:$rport" -public-url "http://127.0.0.1:$rport" >"$data/relay.log" 2>&1 &
rpid=$!
for _ in $(seq 1 50); do [ -S "$data/relay.db.sock" ] && break; sleep 0.1; done
token=$("$relay" till add till-2 -db "$data/relay.db" -msn 123456 -prefix kasse-2- 2>&1 | tail -1)
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.4; }
field() { click 720 $((143 + 52 * $1)); xdotool type --delay 20 "$2"; }
next() { click 1225 768; }
shot() { sleep 0.6; import -window root "$out/$1"; }
start() {
	XDG_CONFIG_HOME=$data/config LANG=en_US.UTF-8 "$bin" "$@" >>"$data/kasse.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do xwininfo -root -tree 2>/dev/null | grep -q "Kasse" && break; sleep 0.1; done
	sleep 1
	wid=$(xdotool search --name Kasse | head -1)
	xdotool windowmove "$wid" 0 0 windowsize "$wid" 1280 800
	sleep 1.5
}

# The first start: no configuration, so the setup window.
start
shot setup-welcome.png
click 793 500 # Connect my shop
shot setup-environment.png
next          # Test
field 0 "my-client-id"
field 1 "my-client-secret"
field 2 "my-subscription-key"
field 3 "123456"
click 100 353 # Test connection
sleep 4
shot setup-keys.png
next
field 0 "Kaffebaren Storgata" # xdotool types no å or ø under Xvfb
field 1 "Storgata 1, 0155 Oslo"
field 2 "999 999 999 MVA"
shot setup-shop.png
next
# This till: posId 1, with till 2's token: the test says the prefixes differ.
# Its text is two lines: the rows start 22 px lower.
click 720 165
xdotool key ctrl+a
xdotool type --delay 20 "1"
click 720 217
xdotool type --delay 20 "http://127.0.0.1:$rport"
click 720 269
xdotool type --delay 20 "$token"
click 100 321 # Test connection
sleep 3
shot setup-till.png
next
shot setup-scanner.png
next
field 0 "virtual:"
click 110 250 # Print a test page
sleep 1.5
shot setup-printer.png
next
shot setup-catalog.png
next
shot setup-market.png
next
field 0 "Anna"
field 1 "4711"
field 2 "4711"
shot setup-manager.png
kill $pid
wait $pid 2>/dev/null || true

# The demo (Anna, manager, logged in): the login, then the settings.
start -demo -data "$data/demo"
[ -z "${KASSE_SHOT_DEBUG:-}" ] || shot till-header-debug.png
click "${KASSE_SWITCH_X:-1178}" 37 # the cashier's name: Switch cashier
shot login.png
# Anna is chosen already (she switched).
xdotool type --delay 40 "1234"
xdotool key Return
sleep 0.7
[ -z "${KASSE_SHOT_DEBUG:-}" ] || shot till-after-login-debug.png
click "${KASSE_SETTINGS_X:-1250}" 37 # the Settings gear
shot settings-pin.png
xdotool type --delay 40 "1234"
xdotool key Return
sleep 1.5
swid=$(xdotool search --name "Kasse settings" | head -1)
xdotool windowmove "$swid" 0 0 windowsize "$swid" 1280 800
sleep 1
click 110 449 # the Cashiers tab
shot settings.png
# The other tabs, down the left (one every 52 px from y=27).
i=0
for tab in environment keys shop till scanner printer catalog market; do
	click 110 $((27 + 52 * i))
	shot "settings-$tab.png"
	i=$((i + 1))
done
