package sim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kasse-pos/kasse/payments/epayment"
)

// Content types the APIs answer with. The ePayment spec declares the
// modification answers (capture, refund, cancel) as problem+json even on 200,
// so the simulator sends exactly that.
const (
	ctJSON        = "application/json"
	ctJSONUTF8    = "application/json;charset=UTF-8"
	ctProblemJSON = "application/problem+json"
)

// Vipps error codes (extraDetails name "ErrorCode") the simulator answers with.
const (
	CodeCaptureIdempotency = "4010" // same Idempotency-Key, other capture body
	CodeIdempotency        = "4020" // Idempotency-Key already used for something else
	CodeInvalidAmount      = "4040"
	CodeInvalidPersonalQR  = "4060"
	CodeInvalidPhone       = "4070"
	CodeInvalidURL         = "4090"
	CodeMetadataCapacity   = "4100"
	CodeMetadataKey        = "4120"
	CodeMetadataValue      = "4130"
	CodeMissingParameter   = "4140"
	CodeReferenceConflict  = "4150" // reference exists, or refund body changed
	CodeAmountTooSmall     = "6010"
	CodeRefundBeforeAuth   = "6020"
	CodeCancelCaptured     = "6040"
	CodeCancelAuthorized   = "6060" // cancelTransactionOnly after authorization
	CodeCaptureCancelled   = "6070"
	CodeCaptureBeforeAuth  = "6080"
	CodeCaptureTooHigh     = "6090"
	CodeExpiresTooLate     = "6110"
	CodeExpiresTooSoon     = "6120"
	CodeLongLivingReceipt  = "6130"
	CodeRefundTooHigh      = "6150"
	CodeCancelNotReserved  = "6050"
	CodeCannotCapture      = "6200"
	CodeCannotRefund       = "6210"
	CodeApproveNotAllowed  = "10020"
)

// answer is a complete HTTP answer, kept whole so the idempotency store can
// replay it byte for byte.
type answer struct {
	status int
	ctype  string
	body   []byte
	header http.Header
}

func jsonAnswer(status int, ctype string, v any) *answer {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own wire types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("sim: marshal %T: %v", v, err))
	}
	return &answer{status: status, ctype: ctype, body: b}
}

func (a *answer) write(w http.ResponseWriter) {
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	if a.ctype != "" {
		w.Header().Set("Content-Type", a.ctype)
	}
	if a.body != nil {
		w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// problem builds an RFC 7807 answer. code is the Vipps ErrorCode, or "" for
// none; extra adds name/reason pairs such as the field that failed validation.
func problem(r *http.Request, status int, code, title, detail string, extra ...epayment.ExtraDetail) *answer {
	p := epayment.Problem{
		Type:     "https://httpstatuses.io/" + strconv.Itoa(status),
		Title:    title,
		Detail:   detail,
		Instance: r.URL.Path,
		Status:   status,
		TraceID:  traceID(),
	}
	p.ExtraDetails = append(p.ExtraDetails, extra...)
	if code != "" {
		p.ExtraDetails = append(p.ExtraDetails, epayment.ExtraDetail{Name: "ErrorCode", Reason: code})
	}
	return jsonAnswer(status, ctProblemJSON, p)
}

// invalid is a 400 for a field that failed validation, with the field named.
func invalid(r *http.Request, code, field, reason string) *answer {
	return problem(r, http.StatusBadRequest, code, "Bad Request", reason, epayment.ExtraDetail{Name: field, Reason: reason})
}

// traceID is a W3C traceparent-shaped id, as Vipps' traceId values are.
func traceID() string {
	return "00-" + randHex(16) + "-" + randHex(8) + "-01"
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// uuid4 is a random RFC 4122 version 4 UUID.
func uuid4() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
