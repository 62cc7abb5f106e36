package saft

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Config is what the export needs to know that the journal does not hold.
type Config struct {
	// OrgNumber is the shop's 9-digit organisation number.
	OrgNumber string `json:"orgNumber"`
	// VATRegistered adds taxRegIdent "<orgnr>MVA".
	VATRegistered bool    `json:"vatRegistered"`
	CompanyName   string  `json:"companyName"`
	Address       Address `json:"address"`
	// LocationName names the premises (default: CompanyName).
	LocationName string `json:"locationName,omitempty"`
	// RegisterID is the cash register's id (the till's POS id);
	// RegisterDesc its description.
	RegisterID   string `json:"registerId"`
	RegisterDesc string `json:"registerDesc,omitempty"`
	// Currency of the journal (default NOK).
	Currency string `json:"currency,omitempty"`
	// ArticleGroups maps a product id to its article group, a code of
	// PredefinedBasicID-04 (e.g. "04006" food). Products not listed are
	// grouped by VAT rate: 15 % food (04006), others sale of goods (04003).
	ArticleGroups map[string]string `json:"articleGroups,omitempty"`
	// Software names the till program in the header.
	SoftwareName    string `json:"softwareName,omitempty"`    // default "Kasse"
	SoftwareVersion string `json:"softwareVersion,omitempty"` // default "dev"
	SoftwareCompany string `json:"softwareCompany,omitempty"` // the declaring supplier
	// FileNumber is the <n> of the file name (default 1).
	FileNumber int `json:"fileNumber,omitempty"`
}

// Address is a postal address.
type Address struct {
	Street     string `json:"street,omitempty"` // street and number, as written
	PostalCode string `json:"postalCode,omitempty"`
	City       string `json:"city,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2, default NO
}

var orgNumberRE = regexp.MustCompile(`^[0-9]{9}$`)

func (c *Config) check() error {
	switch {
	case !orgNumberRE.MatchString(c.OrgNumber):
		return fmt.Errorf("saft: organisation number %q: want 9 digits", c.OrgNumber)
	case c.CompanyName == "":
		return fmt.Errorf("saft: the company name is missing")
	case c.RegisterID == "":
		return fmt.Errorf("saft: the cash register id is missing")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Currency == "" {
		c.Currency = "NOK"
	}
	if c.Address.Country == "" {
		c.Address.Country = "NO"
	}
	if c.LocationName == "" {
		c.LocationName = c.CompanyName
	}
	if c.SoftwareName == "" {
		c.SoftwareName = "Kasse"
	}
	if c.SoftwareVersion == "" {
		c.SoftwareVersion = "dev"
	}
	if c.SoftwareCompany == "" {
		c.SoftwareCompany = "Kasse"
	}
	if c.FileNumber <= 0 {
		c.FileNumber = 1
	}
	return c
}

// FileName is the export's file name: "SAF-T Cash Register_<orgnr>_<yyyymmddhhmmss>_<n>.xml",
// with the time of creation in Norwegian time.
func FileName(orgNumber string, created time.Time, n int) string {
	return fmt.Sprintf("SAF-T Cash Register_%s_%s_%d.xml", orgNumber, created.Format("20060102150405"), n)
}

var postalRE = regexp.MustCompile(`^([0-9]{4})\s+(.+)$`)

// ShopConfig makes a Config from the till's shop settings (station config:
// shop name, one-line address, org number as printed, e.g. "999 999 999 MVA")
// and POS id. An address "Storgata 1, 0155 Oslo" is split into street, postal
// code and city; anything else is kept whole as the street.
func ShopConfig(name, address, orgNumber, posID string) Config {
	digits := make([]rune, 0, 9)
	for _, r := range orgNumber {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	c := Config{OrgNumber: string(digits), CompanyName: name, RegisterID: posID,
		VATRegistered: strings.Contains(strings.ToUpper(orgNumber), "MVA")}
	c.Address.Street = strings.TrimSpace(address)
	if i := strings.LastIndexByte(address, ','); i >= 0 {
		if m := postalRE.FindStringSubmatch(strings.TrimSpace(address[i+1:])); m != nil {
			c.Address = Address{Street: strings.TrimSpace(address[:i]), PostalCode: m[1], City: m[2]}
		}
	}
	return c
}
