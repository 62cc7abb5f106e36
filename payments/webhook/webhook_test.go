package webhook

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"
)

// The worked example of the Webhooks API's request-authentication guide.
const (
	vecSecret = "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=="
	vecBody   = `{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}`
	vecDate   = "Thu, 30 Mar 2023 08:38:32 GMT"
	vecHash   = "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4="
	vecAuth   = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="
	vecPath   = "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63"
)

func TestOfficialVector(t *testing.T) {
	if got := ContentHash([]byte(vecBody)); got != vecHash {
		t.Fatalf("content hash = %s, want %s", got, vecHash)
	}
	if got := Authorization(vecSecret, vecPath, "webhook.site", vecDate, vecHash); got != vecAuth {
		t.Fatalf("authorization = %s, want %s", got, vecAuth)
	}
	h := http.Header{}
	h.Set(HeaderDate, vecDate)
	h.Set(HeaderContentHash, vecHash)
	h.Set("Authorization", vecAuth)
	at, _ := http.ParseTime(vecDate)
	if err := Verify(h, []byte(vecBody), vecSecret, "webhook.site", vecPath, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("official example refused: %v", err)
	}
}

func TestSignThenVerify(t *testing.T) {
	body := []byte(`{"msn":"123456","reference":"kasse-1-000001","name":"AUTHORIZED"}`)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	req, _ := http.NewRequest(http.MethodPost, "http://relay.example:8080/webhooks/vipps?shop=1", bytes.NewReader(body))
	Sign(req, body, "s3cret", now)
	ok := func(h http.Header, b []byte, secret string, at time.Time) error {
		return Verify(h, b, secret, "relay.example:8080", "/webhooks/vipps?shop=1", at, 5*time.Minute)
	}
	if err := ok(req.Header, body, "s3cret", now); err != nil {
		t.Fatalf("own signature refused: %v", err)
	}
	cases := []struct {
		name   string
		body   []byte
		secret string
		at     time.Time
		want   error
	}{
		{"wrong secret", body, "other", now, ErrSignature},
		{"tampered body", append([]byte{' '}, body...), "s3cret", now, ErrContentHash},
		{"replayed late", body, "s3cret", now.Add(6 * time.Minute), ErrDate},
		{"from the future", body, "s3cret", now.Add(-6 * time.Minute), ErrDate},
	}
	for _, c := range cases {
		if err := ok(req.Header, c.body, c.secret, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if err := Verify(req.Header, body, "s3cret", "other.host", "/webhooks/vipps?shop=1", now, time.Minute); !errors.Is(err, ErrSignature) {
		t.Errorf("other host: err = %v, want ErrSignature", err)
	}
}
