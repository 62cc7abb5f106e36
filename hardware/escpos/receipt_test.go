package escpos

import (
	"bytes"
	"image"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	qrreader "github.com/makiuchi-d/gozxing/qrcode"
)

// sample is a two-rate sale as the demo shop would print it.
func sample() Receipt {
	return Receipt{
		ShopName:    "Kaffebrenneriet Ås",
		ShopAddress: "Storgata 1\n0155 Oslo",
		OrgNumber:   "Org.nr. 987 654 321 MVA",
		Time:        time.Date(2026, 11, 25, 14, 3, 0, 0, time.UTC),
		Number:      "000123",
		Lines: []Line{
			{Name: "Kaffe, liten", Qty: 1, UnitPrice: 3200, Total: 3200},
			{Name: "Skolebolle", Qty: 2, UnitPrice: 3900, Total: 7800},
			{Name: "Kaffebønner, Ekspressoblanding fra Brasil og Etiopia 500 g", Qty: 1, UnitPrice: 149900, Total: 149900},
		},
		VAT: []VATLine{
			{Rate: "15 %", Net: 9565, VAT: 1435, Gross: 11000},
			{Rate: "25 %", Net: 119920, VAT: 29980, Gross: 149900},
		},
		Total:         160900,
		Currency:      "NOK",
		PaymentMethod: "Vipps MobilePay",
		PaymentRef:    "kasse-000123-7f3a9c",
		QRURL:         "https://kasse.example/r/000123?k=7f3a9c",
		Footer:        "Takk for handelen!\nÅpent alle dager 07-19",
	}
}

func TestEncodeDecode(t *testing.T) {
	for _, native := range []bool{true, false} {
		data, err := Encode(sample(), Options{NativeQR: native})
		if err != nil {
			t.Fatal(err)
		}
		d, err := Decode(data)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		for _, want := range []string{
			"Kaffebrenneriet Ås",
			"Storgata 1",
			"0155 Oslo",
			"Org.nr. 987 654 321 MVA",
			"Salgskvittering",
			"Kvittering nr. 000123           25.11.2026 14:03",
			"Kaffe, liten                               32,00",
			"Skolebolle",
			"  2 x 39,00                                78,00",
			"Kaffebønner, Ekspressoblanding fra Brasil og",
			"Etiopia 500 g                           1 499,00",
			"Totalt NOK                              1 609,00",
			"MVA         Grunnlag          MVA            Sum",
			"15 %           95,65        14,35         110,00",
			"25 %        1 199,20       299,80       1 499,00",
			"Betalt med                       Vipps MobilePay",
			"Referanse                    kasse-000123-7f3a9c",
			"Kvitteringen på nett:",
			"Takk for handelen!",
			"Åpent alle dager 07-19",
		} {
			if !slices.Contains(d.Lines, want) {
				t.Errorf("native=%v: no line %q in\n%s", native, want, d.Text())
			}
		}
		if !d.Cut {
			t.Error("paper not cut")
		}
		if native {
			if !slices.Equal(d.QR, []string{sample().QRURL}) || len(d.Images) != 0 {
				t.Errorf("native QR = %q, %d images", d.QR, len(d.Images))
			}
		} else {
			if len(d.QR) != 0 || len(d.Images) != 1 {
				t.Fatalf("raster: QR %q, %d images", d.QR, len(d.Images))
			}
			if got := readQR(t, d.Images[0]); got != sample().QRURL {
				t.Errorf("raster QR reads %q", got)
			}
		}
		if len(d.StatusRequests) != 0 {
			t.Errorf("a receipt asks for status: %v", d.StatusRequests)
		}
	}
}

// The stream itself: initialise, Nordic code page, the QR commands, the cut.
func TestEncodeBytes(t *testing.T) {
	r := sample()
	native, _ := Encode(r, Options{NativeQR: true})
	raster, _ := Encode(r, Options{})
	for _, c := range []struct {
		name string
		data []byte
		want []byte
	}{
		{"init", native[:5], []byte{0x1b, '@', 0x1b, 't', 5}},
		{"QR store", native, append([]byte{0x1d, '(', 'k', byte(len(r.QRURL) + 3), 0, '1', 'P', '0'}, r.QRURL...)},
		{"QR print", native, []byte{0x1d, '(', 'k', 3, 0, '1', 'Q', '0'}},
		{"raster", raster, []byte{0x1d, 'v', '0', 0}},
		{"cut", native[len(native)-4:], []byte{0x1d, 'V', 'B', 3}},
		{"ø in PC865", native, []byte{'b', 0x9b, 'n', 'n', 'e', 'r'}},
	} {
		if !bytes.Contains(c.data, c.want) {
			t.Errorf("%s: % x not in stream", c.name, c.want)
		}
	}
	if bytes.Contains(raster, []byte{0x1d, '(', 'k'}) {
		t.Error("raster receipt uses GS ( k")
	}
}

func TestCopyRefundEnglishNarrow(t *testing.T) {
	r := sample()
	r.Copy, r.Refund = true, true
	r.Currency = "EUR"
	data, err := Encode(r, Options{Width: 32, Labels: English, NativeQR: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Returkvittering", "KOPI", "Total EUR               1 609,00",
		"Receipt no. 000123", "                25.11.2026 14:03",
		"VAT        Net     VAT     Gross", "25 %  1 199,20  299,80  1 499,00",
	} {
		if !slices.Contains(d.Lines, want) {
			t.Errorf("no line %q in\n%s", want, d.Text())
		}
	}
	for _, it := range d.items {
		if it.kind != itemText {
			continue
		}
		cols := 0
		for _, s := range it.spans {
			cols += utf8.RuneCountInString(s.text) * s.w
		}
		if cols > 32 {
			t.Errorf("line %+v is %d columns on 32-column paper", it.spans, cols)
		}
	}
}

func TestVATStackedOnNarrowPaper(t *testing.T) {
	data, err := Encode(sample(), Options{Width: 24, Labels: English})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"VAT 25 %", "  Net           1 199,20", "  VAT             299,80", "  Gross         1 499,00"} {
		if !slices.Contains(d.Lines, want) {
			t.Errorf("no line %q in\n%s", want, d.Text())
		}
	}
}

// A product name holding control bytes must not become printer commands.
func TestNoCommandInjection(t *testing.T) {
	r := sample()
	r.Lines[0].Name = "Evil\x1b@\x1dV\x00\x10\x04\x01 bun\n€"
	data, err := Encode(r, Options{NativeQR: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(data, []byte{0x1d, 'V'}) != 1 || len(d.StatusRequests) != 0 {
		t.Errorf("injected commands survived: % x", data)
	}
	if !slices.Contains(d.Lines, pad("Evil@V bun EUR", "32,00", 48)) {
		t.Errorf("name line missing in\n%s", d.Text())
	}
}

func TestFormatAmount(t *testing.T) {
	for in, want := range map[int64]string{
		0: "0,00", 5: "0,05", 100: "1,00", 123450: "1 234,50", -123450: "-1 234,50",
		100000000: "1 000 000,00", math.MinInt64: "-92 233 720 368 547 758,08",
	} {
		if got := formatAmount(in); got != want {
			t.Errorf("formatAmount(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want []string
	}{
		{"a b c", 10, []string{"a b c"}},
		{"alpha beta gamma", 10, []string{"alpha beta", "gamma"}},
		{"abcdefghijklmno", 6, []string{"abcdef", "ghijkl", "mno"}},
		{"  ", 6, nil},
		{"€€€", 4, []string{"€", "€", "€"}},
	} {
		if got := wrap(c.in, c.w); !slices.Equal(got, c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

func TestQRTooLong(t *testing.T) {
	r := sample()
	r.QRURL = strings.Repeat("x", 8000)
	for _, native := range []bool{true, false} {
		if _, err := Encode(r, Options{NativeQR: native}); err == nil {
			t.Errorf("native=%v: an 8000-byte QR encoded", native)
		}
	}
}

// readQR decodes the QR code in img, as a phone would.
func readQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrreader.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code read: %v", err)
	}
	return res.GetText()
}

func TestFormatAmountInDanishKroner(t *testing.T) {
	if got := formatAmountIn(123450, "DKK"); got != "1.234,50" {
		t.Errorf("DKK = %q, want 1.234,50", got)
	}
	if got := formatAmountIn(123450, "EUR"); got != "1 234,50" {
		t.Errorf("EUR = %q, want 1 234,50", got)
	}
}

// The cashier who sold is on the paper, under the receipt number.
func TestCashierLine(t *testing.T) {
	r := sample()
	r.Cashier = "Kari"
	data, err := Encode(r, Options{Width: 32})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want := "Kasserer" + strings.Repeat(" ", 32-len("Kasserer")-len("Kari")) + "Kari"
	if !slices.Contains(d.Lines, want) {
		t.Errorf("no line %q in\n%s", want, d.Text())
	}
	r.Cashier = ""
	data, _ = Encode(r, Options{Width: 32})
	if d, _ := Decode(data); strings.Contains(d.Text(), "Kasserer") {
		t.Error("a receipt with no cashier prints the label")
	}
}

// The organisation number is introduced once: by the label when the shop
// gives a bare number, not again when it already says what it is.
func TestOrgNumberIntroducedOnce(t *testing.T) {
	for _, c := range []struct{ given, want string }{
		{"1234567-8", "Y-tunnus 1234567-8"},
		{"Y-tunnus 1234567-8", "Y-tunnus 1234567-8"},
		{"y-tunnus 1234567-8", "y-tunnus 1234567-8"},
	} {
		r := sample()
		r.OrgNumber = c.given
		data, err := Encode(r, Options{Width: 32, Labels: Labels{OrgNr: "Y-tunnus"}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(d.Lines, c.want) || strings.Count(strings.ToLower(d.Text()), "y-tunnus") != 1 {
			t.Errorf("org number %q printed as\n%s", c.given, d.Text())
		}
	}
}
