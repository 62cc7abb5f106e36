package saft

import "encoding/xml"

// Namespace is the SAF-T Cash Register namespace (schema v1.00).
const Namespace = "urn:StandardAuditFile-Taxation-CashRegister:NO"

// The types below follow the XSD's element order (every group is an
// xsd:sequence), so encoding/xml writes a file the schema accepts. Only the
// elements Kasse fills are modelled; reading an exported file back (Verify)
// uses the same types.

// AuditFile is a whole SAF-T Cash Register file.
type AuditFile struct {
	XMLName xml.Name `xml:"urn:StandardAuditFile-Taxation-CashRegister:NO auditfile"`
	Header  Header   `xml:"header"`
	Company Company  `xml:"company"`
}

// Header describes the file.
type Header struct {
	FiscalYear          string `xml:"fiscalYear"`
	StartDate           string `xml:"startDate"`
	EndDate             string `xml:"endDate"`
	CurCode             string `xml:"curCode"`
	DateCreated         string `xml:"dateCreated"`
	TimeCreated         string `xml:"timeCreated"`
	SoftwareDesc        string `xml:"softwareDesc"`
	SoftwareVersion     string `xml:"softwareVersion"`
	SoftwareCompanyName string `xml:"softwareCompanyName"`
	AuditfileVersion    string `xml:"auditfileVersion"`
	HeaderComment       string `xml:"headerComment,omitempty"`
}

// Company is the shop and everything it sold.
type Company struct {
	CompanyIdent           string          `xml:"companyIdent"`
	CompanyName            string          `xml:"companyName"`
	TaxRegistrationCountry string          `xml:"taxRegistrationCountry,omitempty"`
	TaxRegIdent            string          `xml:"taxRegIdent,omitempty"`
	StreetAddress          *StreetAddress  `xml:"streetAddress"`
	VatCodeDetails         *VatCodeDetails `xml:"vatCodeDetails"`
	Employees              *Employees      `xml:"employees"`
	Articles               *Articles       `xml:"articles"`
	Basics                 *Basics         `xml:"basics"`
	Locations              []Location      `xml:"location"`
}

// StreetAddress is an address.
type StreetAddress struct {
	Streetname string `xml:"streetname,omitempty"`
	Number     string `xml:"number,omitempty"`
	City       string `xml:"city,omitempty"`
	PostalCode string `xml:"postalCode,omitempty"`
	Country    string `xml:"country,omitempty"`
}

// VatCodeDetails lists the VAT codes used.
type VatCodeDetails struct {
	VatCodeDetail []VatCodeDetail `xml:"vatCodeDetail"`
}

// VatCodeDetail maps Kasse's VAT code to a standard tax code.
type VatCodeDetail struct {
	VatCode         string `xml:"vatCode"`
	DateOfEntry     string `xml:"dateOfEntry"`
	VatDesc         string `xml:"vatDesc"`
	StandardVatCode string `xml:"standardVatCode"`
}

// Employees lists the cashiers that appear in the file.
type Employees struct {
	Employee []Employee `xml:"employee"`
}

// Employee is a cashier.
type Employee struct {
	EmpID       string `xml:"empID"`
	DateOfEntry string `xml:"dateOfEntry"`
	TimeOfEntry string `xml:"timeOfEntry"`
	SurName     string `xml:"surName"`
}

// Articles lists the products sold.
type Articles struct {
	Article []Article `xml:"article"`
}

// Article is a product.
type Article struct {
	ArtID       string `xml:"artID"`
	DateOfEntry string `xml:"dateOfEntry"`
	ArtGroupID  string `xml:"artGroupID,omitempty"`
	ArtDesc     string `xml:"artDesc"`
}

// Basics lists every code the file uses.
type Basics struct {
	Basic []Basic `xml:"basic"`
}

// Basic is one code: Kasse's own BasicID mapped to a predefined code.
type Basic struct {
	BasicType         string `xml:"basicType"`
	BasicID           string `xml:"basicID"`
	PredefinedBasicID string `xml:"predefinedBasicID,omitempty"`
	BasicDesc         string `xml:"basicDesc"`
}

// Location is the shop's premises.
type Location struct {
	Name          string         `xml:"name,omitempty"`
	StreetAddress *StreetAddress `xml:"streetAddress"`
	CashRegisters []CashRegister `xml:"cashregister"`
}

// CashRegister is one till: its events and its signed transactions.
type CashRegister struct {
	RegisterID   string            `xml:"registerID"`
	RegDesc      string            `xml:"regDesc,omitempty"`
	Events       []Event           `xml:"event"`
	Transactions []CashTransaction `xml:"cashtransaction"`
}

// Event is something that happened on the till that is not a sale.
type Event struct {
	EventID   string `xml:"eventID"`
	EventType string `xml:"eventType"`
	TransID   string `xml:"transID,omitempty"`
	EmpID     string `xml:"empID,omitempty"`
	EventDate string `xml:"eventDate"`
	EventTime string `xml:"eventTime"`
	EventText string `xml:"eventText,omitempty"`
	// Report is the whole X or Z report of an X or Z report event.
	Report *EventReport `xml:"eventReport"`
}

// CashTransaction is one signed transaction: a sale or a return.
type CashTransaction struct {
	Nr                 string    `xml:"nr"`
	TransID            string    `xml:"transID"`
	TransType          string    `xml:"transType,omitempty"`
	TransAmntIn        string    `xml:"transAmntIn"`
	TransAmntEx        string    `xml:"transAmntEx"`
	AmntTp             string    `xml:"amntTp"`
	EmpID              string    `xml:"empID,omitempty"`
	TransDate          string    `xml:"transDate"`
	TransTime          string    `xml:"transTime"`
	RefID              string    `xml:"refID,omitempty"`
	Desc               string    `xml:"desc,omitempty"`
	Lines              []CTLine  `xml:"ctLine"`
	Vat                []Vat     `xml:"vat"`
	Rounding           *Rounding `xml:"rounding"`
	Payments           []Payment `xml:"payment"`
	Signature          string    `xml:"signature"`
	KeyVersion         string    `xml:"keyVersion"`
	ReceiptNum         int       `xml:"receiptNum"`
	ReceiptCopyNum     int       `xml:"receiptCopyNum"`
	ReceiptProformaNum int       `xml:"receiptProformaNum"`
	ReceiptDeliveryNum int       `xml:"receiptDeliveryNum"`
	VoidTransaction    bool      `xml:"voidTransaction"`
	TrainingID         bool      `xml:"trainingID"`
}

// CTLine is one line of a transaction.
type CTLine struct {
	Nr         string `xml:"nr"`
	LineID     string `xml:"lineID"`
	LineType   string `xml:"lineType"`
	ArtGroupID string `xml:"artGroupID,omitempty"`
	ArtID      string `xml:"artID,omitempty"`
	Qnt        string `xml:"qnt,omitempty"`
	LineAmntIn string `xml:"lineAmntIn"`
	LineAmntEx string `xml:"lineAmntEx"`
	AmntTp     string `xml:"amntTp"`
	Ppu        string `xml:"ppu,omitempty"`
	Desc       string `xml:"cashTransLineDescr,omitempty"`
	Vat        *Vat   `xml:"vat"`
}

// Vat is the VAT of a line or, summed per code, of a transaction.
type Vat struct {
	VatCode    string `xml:"vatCode"`
	VatPerc    string `xml:"vatPerc"`
	VatAmnt    string `xml:"vatAmnt"`
	VatAmntTp  string `xml:"vatAmntTp"`
	VatBasAmnt string `xml:"vatBasAmnt"`
}

// Rounding is a cash transaction's cash rounding: what the payments add up to
// beyond its amount (negative: rounded down).
type Rounding struct {
	RoundingAmnt string `xml:"roundingAmnt"`
}

// Payment is how a transaction was paid.
type Payment struct {
	PaymentType  string `xml:"paymentType"`
	PaidAmnt     string `xml:"paidAmnt"`
	EmpID        string `xml:"empID,omitempty"`
	CurCode      string `xml:"curCode,omitempty"`
	PaymentRefID string `xml:"paymentRefID,omitempty"`
}

// EventReport is an X or Z report as the schema holds it (the items of
// kassasystemforskrifta § 2-8-2), written from the report stored in the
// journal. Lists the schema requires hold a single zero entry when empty, as
// the official example does.
type EventReport struct {
	ReportID           string           `xml:"reportID"`
	ReportType         string           `xml:"reportType"`
	CompanyIdent       string           `xml:"companyIdent"`
	CompanyName        string           `xml:"companyName"`
	ReportDate         string           `xml:"reportDate"`
	ReportTime         string           `xml:"reportTime"`
	RegisterID         string           `xml:"registerID"`
	TotalCashSaleAmnt  string           `xml:"reportTotalCashSales>totalCashSaleAmnt"`
	ArtGroups          []ReportArtGroup `xml:"reportArtGroups>reportArtGroup"`
	EmpArtGroups       *EmpArtGroups    `xml:"reportEmpArtGroups"`
	Payments           []ReportPayment  `xml:"reportPayments>reportPayment"`
	EmpPayments        *EmpPayments     `xml:"reportEmpPayments"`
	CashSalesVat       []ReportVat      `xml:"reportCashSalesVat>reportCashSaleVat"`
	OpeningChangeFloat string           `xml:"reportOpeningChangeFloat"`
	ReceiptNum         int              `xml:"reportReceiptNum"`
	OpenCashBoxNum     int              `xml:"reportOpenCashBoxNum"`
	ReceiptCopyNum     int              `xml:"reportReceiptCopyNum"`
	ReceiptCopyAmnt    string           `xml:"reportReceiptCopyAmnt"`
	ReceiptProformaNum int              `xml:"reportReceiptProformaNum"`
	ReceiptProformaAmt string           `xml:"reportReceiptProformaAmnt"`
	ReturnNum          int              `xml:"reportReturnNum"`
	ReturnAmnt         string           `xml:"reportReturnAmnt"`
	DiscountNum        int              `xml:"reportDiscountNum"`
	DiscountAmnt       string           `xml:"reportDiscountAmnt"`
	VoidTransNum       int              `xml:"reportVoidTransNum"`
	VoidTransAmnt      string           `xml:"reportVoidTransAmnt"`
	CorrLines          []ReportCorrLine `xml:"reportCorrLines>reportCorrLine"`
	PriceInquiries     []ReportInquiry  `xml:"reportPriceInquiries>reportPriceInquiry"`
	OtherCorrs         []ReportOther    `xml:"reportOtherCorrs>reportOtherCorr"`
	ReceiptDeliveryNum int              `xml:"reportReceiptDeliveryNum"`
	ReceiptDeliveryAmt string           `xml:"reportReceiptDeliveryAmnt"`
	TrainingNum        int              `xml:"reportTrainingNum"`
	TrainingAmnt       string           `xml:"reportTrainingAmnt"`
	PayIns             *PayIns          `xml:"reportPayIns"`
	PayOuts            *PayOuts         `xml:"reportPayOuts"`
	GrandTotalSales    string           `xml:"reportGrandTotalSales"`
	GrandTotalReturn   string           `xml:"reportGrandTotalReturn"`
	GrandTotalSalesNet string           `xml:"reportGrandTotalSalesNet"`
}

// ReportArtGroup is the count and amount of one article group (EmpID set in
// the per-cashier list).
type ReportArtGroup struct {
	EmpID        string `xml:"empID,omitempty"`
	ArtGroupID   string `xml:"artGroupID"`
	ArtGroupNum  string `xml:"artGroupNum"`
	ArtGroupAmnt string `xml:"artGroupAmnt"`
}

// ReportPayment is the count and amount of one means of payment.
type ReportPayment struct {
	EmpID       string `xml:"empID,omitempty"`
	PaymentType string `xml:"paymentType"`
	PaymentNum  int    `xml:"paymentNum"`
	PaymentAmnt string `xml:"paymentAmnt"`
}

// ReportVat is the sales and VAT of one rate.
type ReportVat struct {
	VatCode      string `xml:"vatCode,omitempty"`
	VatPerc      string `xml:"vatPerc"`
	CashSaleAmnt string `xml:"cashSaleAmnt"`
	VatAmnt      string `xml:"vatAmnt"`
	VatAmntTp    string `xml:"vatAmntTp,omitempty"`
}

// ReportCorrLine is one type of line correction.
type ReportCorrLine struct {
	Type string `xml:"corrLineType"`
	Num  int    `xml:"corrLineNum"`
	Amnt string `xml:"corrLineAmnt"`
}

// ReportInquiry is the price look-ups of one product group.
type ReportInquiry struct {
	Group string `xml:"priceInquiryGroup"`
	Num   int    `xml:"priceInquiryNum"`
	Amnt  string `xml:"priceInquiryAmnt"`
}

// ReportOther is one type of other correction.
type ReportOther struct {
	Type string `xml:"otherCorrType"`
	Num  int    `xml:"otherCorrNum"`
	Amnt string `xml:"otherCorrAmnt"`
}

// ReportPayIn is money put into the drawer.
type ReportPayIn struct {
	Type string `xml:"payInType"`
	Num  int    `xml:"payInNum"`
	Amnt string `xml:"payInAmnt"`
}

// ReportPayOut is money taken out of the drawer.
type ReportPayOut struct {
	Type string `xml:"payOutType"`
	Num  int    `xml:"payOutNum"`
	Amnt string `xml:"payOutAmnt"`
}

// The optional lists of a report: absent when nil, never empty.
type (
	EmpArtGroups struct {
		Group []ReportArtGroup `xml:"reportEmpArtGroup"`
	}
	EmpPayments struct {
		Payment []ReportPayment `xml:"reportEmpPayment"`
	}
	PayIns struct {
		PayIn []ReportPayIn `xml:"reportPayIn"`
	}
	PayOuts struct {
		PayOut []ReportPayOut `xml:"reportPayOut"`
	}
)
