package awschunked

import (
	"net/http"
	"strings"
)

// IsStreaming reports whether an x-amz-content-sha256 value announces an
// aws-chunked body, and whether its chunks are signed.
func IsStreaming(contentSHA256 string) (streaming, signed bool) {
	switch contentSHA256 {
	case StreamingSigned, StreamingSignedTrailer:
		return true, true
	case StreamingUnsignedTrailer:
		return true, false
	}
	return false, false
}

// TrailerNames returns the lowercase trailer names a request declares in
// x-amz-trailer (a comma-separated list, possibly over several headers).
func TrailerNames(h http.Header) []string {
	var names []string
	for _, v := range h.Values("X-Amz-Trailer") {
		for _, n := range strings.Split(v, ",") {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
				names = append(names, n)
			}
		}
	}
	return names
}

// StripContentEncoding removes aws-chunked from a Content-Encoding value
// ("gzip,aws-chunked" becomes "gzip"): the stored object keeps only the
// encodings the client applied to the content itself. found reports
// whether aws-chunked was there.
func StripContentEncoding(v string) (rest string, found bool) {
	var kept []string
	for _, e := range strings.Split(v, ",") {
		e = strings.TrimSpace(e)
		switch {
		case strings.EqualFold(e, "aws-chunked"):
			found = true
		case e != "":
			kept = append(kept, e)
		}
	}
	return strings.Join(kept, ","), found
}
