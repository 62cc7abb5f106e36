// Package contract checks HTTP traffic against the official Vipps MobilePay
// OpenAPI files embedded from ./vipps. Tests wrap a client's transport with
// Transport so that every request Kasse sends, and every answer the simulator
// gives, is validated against the published contract.
package contract

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

//go:embed vipps/*.yaml
var specs embed.FS

// The API files and the path prefix each serves under on api.vipps.no.
var apis = []struct{ file, prefix string }{
	{"epayment.v1.yaml", "/epayment/"},
	{"access-token.yaml", "/accesstoken/"},
	{"qr.v1.yaml", "/qr/"},
	{"webhooks.v1.yaml", "/webhooks/"},
}

type api struct {
	prefix string
	router routers.Router
}

var (
	loadOnce sync.Once
	loaded   []api
	loadErr  error
)

func load() ([]api, error) {
	loadOnce.Do(func() {
		for _, a := range apis {
			l := openapi3.NewLoader()
			l.IsExternalRefsAllowed = true
			l.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
				return specs.ReadFile("vipps/" + path.Base(u.Path))
			}
			doc, err := l.LoadFromURI(&url.URL{Path: a.file})
			if err != nil {
				loadErr = fmt.Errorf("contract: load %s: %w", a.file, err)
				return
			}
			if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
				loadErr = fmt.Errorf("contract: %s is not valid OpenAPI: %w", a.file, err)
				return
			}
			r, err := gorillamux.NewRouter(doc)
			if err != nil {
				loadErr = fmt.Errorf("contract: route %s: %w", a.file, err)
				return
			}
			loaded = append(loaded, api{prefix: a.prefix, router: r})
		}
	})
	return loaded, loadErr
}

// Report receives each contract violation. testing.T's Errorf fits.
type Report func(format string, args ...any)

// ErrUnknownPath is reported for a request no embedded spec describes.
const unknownPath = "contract: %s %s is in no Vipps API spec"

// Transport returns a RoundTripper that sends through base (nil for
// http.DefaultTransport) and reports every request and answer that breaks the
// contract. Only traffic for the APIs in ./vipps is checked; the test-only
// approve endpoint is part of the ePayment spec and is checked too.
func Transport(base http.RoundTripper, report Report) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, report: report}
}

type transport struct {
	base   http.RoundTripper
	report Report
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	apis, err := load()
	if err != nil {
		t.report("%v", err)
		return t.base.RoundTrip(req)
	}
	var reqBody []byte
	if req.Body != nil {
		reqBody, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	input, ok := t.route(apis, req, reqBody)
	if ok {
		if err := openapi3filter.ValidateRequest(req.Context(), input); err != nil {
			t.report("contract: request %s %s breaks the spec: %v", req.Method, req.URL.Path, err)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || !ok {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(respBody)),
		// The specs list only some error statuses (GET payment declares no 404,
		// which the live API answers); an undeclared status is not a breach.
		Options: &openapi3filter.Options{IncludeResponseStatus: false},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		t.report("contract: answer %d to %s %s breaks the spec: %v\nbody: %s", resp.StatusCode, req.Method, req.URL.Path, err, respBody)
	}
	return resp, nil
}

// route finds the operation by pretending the request went to api.vipps.no, the
// host every spec names, whatever loopback port the test server has.
func (t *transport) route(apis []api, req *http.Request, body []byte) (*openapi3filter.RequestValidationInput, bool) {
	for _, a := range apis {
		if !strings.HasPrefix(req.URL.Path, a.prefix) {
			continue
		}
		probe := req.Clone(req.Context())
		probe.URL.Scheme, probe.URL.Host, probe.Host = "https", "api.vipps.no", "api.vipps.no"
		probe.Body = io.NopCloser(bytes.NewReader(body))
		route, params, err := a.router.FindRoute(probe)
		if err != nil {
			t.report(unknownPath+": %v", req.Method, req.URL.Path, err)
			return nil, false
		}
		return &openapi3filter.RequestValidationInput{
			Request:    probe,
			PathParams: params,
			Route:      route,
			Options: &openapi3filter.Options{
				AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			},
		}, true
	}
	t.report(unknownPath, req.Method, req.URL.Path)
	return nil, false
}
