package escpos

// Drawer is the connector pin of the printer's cash-drawer port that a kick
// pulses: most drawers sit on pin 2; a second drawer, if any, on pin 5.
type Drawer byte

// Drawer pins, as ESC p's m.
const (
	DrawerPin2 Drawer = 0
	DrawerPin5 Drawer = 1
)

// Kick is the ESC/POS stream that opens a cash drawer: the pulse command
// ESC p m t1 t2, which drives the drawer's solenoid for t1×2 ms and then
// rests t2×2 ms. 50 ms on and 500 ms off suit common drawers; a longer pulse
// can burn a solenoid out. The printer keeps its mode: Kick sends no ESC @.
func Kick(pin Drawer) []byte {
	return []byte{esc, 'p', byte(pin), 25, 250}
}
