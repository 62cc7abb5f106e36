package saft

import (
	"embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kasse-pos/kasse/app/money"
)

// The official code lists (codes/SOURCES.md), embedded so every code the
// export writes is checked against them.
//
//go:embed codes/*.csv
var codeFiles embed.FS

var (
	codesOnce sync.Once
	codeLists map[string]map[string]string // list → code → Norwegian description
	codesErr  error
)

// Code lists by file.
const (
	listBasicType = "codes-basictype.csv"
	listArtGroup  = "codes-predefined-04.csv"
	listTrans     = "codes-predefined-11.csv"
	listPayment   = "codes-predefined-12.csv"
	listEvent     = "codes-predefined-13.csv"
	listTax       = "standard-tax-codes.csv"
)

func loadCodes() {
	codeLists = map[string]map[string]string{}
	for _, name := range []string{listBasicType, listArtGroup, listTrans, listPayment, listEvent, listTax} {
		b, err := codeFiles.ReadFile("codes/" + name)
		if err != nil {
			codesErr = err
			return
		}
		text := string(b)
		if !utf8.Valid(b) { // the ISO-8859-1 lists: each byte is its rune
			rs := make([]rune, len(b))
			for i, c := range b {
				rs[i] = rune(c)
			}
			text = string(rs)
		}
		m := map[string]string{}
		for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
			f := strings.Split(line, ";")
			if i == 0 || len(f) < 2 {
				continue
			}
			desc := strings.TrimSpace(f[len(f)-1])
			if name == listTax {
				desc = strings.TrimSpace(f[1])
			}
			m[f[0]] = desc
		}
		codeLists[name] = m
	}
}

// officialCode returns the Norwegian description of code in list, or an
// error if the official list has no such code.
func officialCode(list, code string) (string, error) {
	codesOnce.Do(loadCodes)
	if codesErr != nil {
		return "", fmt.Errorf("code lists: %w", codesErr)
	}
	d, ok := codeLists[list][code]
	if !ok {
		return "", fmt.Errorf("code %s is not in the official list %s", code, list)
	}
	return d, nil
}

// standardVATCode maps a VAT rate to the SAF-T standard tax code for output
// VAT at that rate (standard-tax-codes.csv; pairs as in the official example).
func standardVATCode(rate money.Rate) (string, error) {
	var code string
	switch rate {
	case money.Percent(25):
		code = "3" // output VAT, regular rate
	case money.Percent(15):
		code = "31" // output VAT, reduced rate, middle (food)
	case money.Percent(12):
		code = "33" // output VAT, reduced rate, low
	case 0:
		code = "5" // zero rate: Kasse cannot tell exempt from outside the Act; the shop's 0 % items are zero-rated sales
	default:
		return "", fmt.Errorf("no Norwegian standard VAT code for %s %%", rate)
	}
	if _, err := officialCode(listTax, code); err != nil {
		return "", err
	}
	return code, nil
}
