package main

import (
	"net"
	"net/http"
)

// httpServer is a loopback HTTP server.
type httpServer struct {
	URL string
	srv *http.Server
}

func serve(h http.Handler) (*httpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &httpServer{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *httpServer) Close() error { return s.srv.Close() }
