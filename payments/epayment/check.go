package epayment

import (
	"context"
	"fmt"
)

// CheckCredentials fetches a fresh access token: the credentials, the
// subscription key and the MSN are good when it returns nil. A refusal is an
// *APIError (401 or 403).
func (c *Client) CheckCredentials(ctx context.Context) error {
	if _, _, err := c.fetchToken(ctx); err != nil {
		return fmt.Errorf("access token: %w", err)
	}
	return nil
}
