package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// PathTill tells a till, by its token, who the relay knows it as (GET): its
// name, MSN and reference prefix. Setup uses it to check that the till's
// references start with the prefix its events are routed by.
const PathTill = "/v1/till"

// TillInfo is the answer of PathTill.
type TillInfo struct {
	Name   string `json:"name"`
	MSN    string `json:"msn"`
	Prefix string `json:"prefix"`
}

func (s *Server) handleTill(w http.ResponseWriter, r *http.Request) {
	till := s.store.TillByToken(bearer(r))
	if till == nil {
		s.unauthorized(w)
		return
	}
	writeJSON(w, http.StatusOK, TillInfo{Name: till.Name, MSN: till.MSN, Prefix: till.Prefix})
}

// Till asks the relay who this till's token belongs to. A refused token is
// ErrUnauthorized.
func (c *TillClient) Till(ctx context.Context) (TillInfo, error) {
	var info TillInfo
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+PathTill, nil)
	if err != nil {
		return info, fmt.Errorf("relay: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	client := c.HTTPClient
	if client == nil {
		client = defaultTillClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return info, fmt.Errorf("relay: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return info, ErrUnauthorized
	case http.StatusNotFound:
		return info, fmt.Errorf("relay: %s is not a Kasse relay, or an older one (no %s)", c.BaseURL, PathTill)
	default:
		return info, fmt.Errorf("relay: %s", resp.Status)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("relay: bad answer: %w", err)
	}
	return info, nil
}
