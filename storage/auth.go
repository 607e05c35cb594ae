package storage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Internode request signing. Every request under /internode/ carries
//
//	X-Zones3-Date: <unix seconds>          (RFC 3339 is accepted too)
//	Authorization: ZONES3-HMAC-SHA256 <hex HMAC-SHA256(secret, string to sign)>
//
// where the string to sign is
//
//	method "\n" escaped path "\n" sorted query "\n" date "\n" content sha256
//
// and the content sha256 is the X-Zones3-Content-Sha256 header (hex SHA-256
// of the body), empty when absent. Apply sends it and the server checks it
// against the body; shard streams do not, as their blocks carry their own
// checksums. A request dated more than MaxClockSkew away from the server's
// clock is refused, which bounds how long a captured request can be
// replayed.
const (
	headerDate          = "X-Zones3-Date"
	headerContentSHA256 = "X-Zones3-Content-Sha256"
	authScheme          = "ZONES3-HMAC-SHA256"

	// MaxClockSkew is how far a request's date may be from the server's.
	MaxClockSkew = 5 * time.Minute
)

func stringToSign(method, escapedPath, sortedQuery, date, contentSHA256 string) string {
	return method + "\n" + escapedPath + "\n" + sortedQuery + "\n" + date + "\n" + contentSHA256
}

func computeMAC(secret []byte, s string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// signRequest adds the date and Authorization headers. The request's
// RawQuery must already be in sorted form (url.Values.Encode).
func signRequest(req *http.Request, secret []byte, now time.Time) {
	date := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set(headerDate, date)
	s := stringToSign(req.Method, req.URL.EscapedPath(), req.URL.RawQuery, date, req.Header.Get(headerContentSHA256))
	req.Header.Set("Authorization", authScheme+" "+hex.EncodeToString(computeMAC(secret, s)))
}

// verifyRequest checks a request's signature and date.
func verifyRequest(r *http.Request, secret []byte, now time.Time) error {
	if len(secret) == 0 {
		return fmt.Errorf("no cluster secret configured: %w", ErrUnauthorized)
	}
	auth := r.Header.Get("Authorization")
	macHex, ok := strings.CutPrefix(auth, authScheme+" ")
	if !ok {
		return fmt.Errorf("missing %s authorization: %w", authScheme, ErrUnauthorized)
	}
	mac, err := hex.DecodeString(macHex)
	if err != nil || len(mac) != sha256.Size {
		return fmt.Errorf("malformed signature: %w", ErrUnauthorized)
	}
	date := r.Header.Get(headerDate)
	t, err := parseDate(date)
	if err != nil {
		return fmt.Errorf("%s: %v: %w", headerDate, err, ErrUnauthorized)
	}
	if d := now.Sub(t); d > MaxClockSkew || d < -MaxClockSkew {
		return fmt.Errorf("request date %s is %s from server time: %w", date, d.Round(time.Second), ErrUnauthorized)
	}
	s := stringToSign(r.Method, r.URL.EscapedPath(), r.URL.Query().Encode(), date, r.Header.Get(headerContentSHA256))
	if !hmac.Equal(mac, computeMAC(secret, s)) {
		return fmt.Errorf("signature mismatch: %w", ErrUnauthorized)
	}
	return nil
}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("missing")
	}
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(sec, 0), nil
	}
	return time.Parse(time.RFC3339, s)
}
