package iam

import (
	"bufio"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Credentials of the S3 documentation examples.
const (
	docAccessKey = "AKIAIOSFODNN7EXAMPLE"
	docSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// readRequest parses a request written as on the wire ("\n" line ends are
// turned into CRLF), so that it reaches Verify as a server would see it.
func readRequest(t testing.TB, raw string) *http.Request {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n\n")
	wire := strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n" + body
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
	if err != nil {
		t.Fatalf("reading request %q: %v", raw, err)
	}
	return r
}

func at(s string) func() time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return t }
}

// wantErr checks that err wraps want (nil: no error).
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want %v", err, want)
	}
}
