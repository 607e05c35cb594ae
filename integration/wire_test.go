package integration

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestExpectContinue sends PUTs with `Expect: 100-continue` the way the
// aws CLI (botocore) does, on one kept-alive connection. botocore waits for
// "100 Continue" before it sends a body; when the first answer is instead
// a final status, it remembers that status on the connection, and the next
// upload on the same connection reads the real status line as a header,
// finds no Content-Length and hangs until its 60 s read timeout. An empty
// file (Content-Length: 0) is where a server is tempted to answer at once,
// so it must either send "100 Continue" first or close the connection.
func TestExpectContinue(t *testing.T) {
	srv := startServer(t, false)
	raw := newRawS3(srv.endpoint)
	const bucket = "expect-continue"
	if resp := raw.send(t, http.MethodPut, "/"+bucket, nil, nil); resp.status != http.StatusOK {
		t.Fatalf("create bucket: %v", resp)
	}

	conn, err := net.Dial("tcp", srv.listen)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	br := bufio.NewReader(conn)

	// put sends one PUT with Expect: 100-continue and reports whether the
	// server kept the connection open afterwards.
	put := func(key string, body []byte) (open bool) {
		t.Helper()
		req := raw.request(t, http.MethodPut, "/"+bucket+"/"+key, body, nil, "", time.Now())
		req.Header.Set("Expect", "100-continue")
		writeRequestHead(conn, req, len(body))

		first, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("PUT %s (%d bytes) with Expect: 100-continue: reading the first answer: %v", key, len(body), err)
		}
		io.Copy(io.Discard, first.Body)
		first.Body.Close()
		final := first
		if first.StatusCode == http.StatusContinue {
			if _, err := conn.Write(body); err != nil {
				t.Fatalf("PUT %s: send body after 100 Continue: %v", key, err)
			}
			final, err = http.ReadResponse(br, req)
			if err != nil {
				t.Fatalf("PUT %s: reading the final answer after 100 Continue: %v", key, err)
			}
			io.Copy(io.Discard, final.Body)
			final.Body.Close()
		} else if len(body) > 0 {
			t.Fatalf("PUT %s (%d bytes) with Expect: 100-continue: first answer HTTP %d, want 100 Continue", key, len(body), first.StatusCode)
		} else if !first.Close {
			t.Errorf("PUT %s (empty body) with Expect: 100-continue: answered HTTP %d at once without 100 Continue "+
				"and kept the connection open; botocore (aws CLI, boto3) then misreads the next response on this "+
				"connection and waits 60 s for its read timeout (seen as `aws s3 sync` of a folder with an empty file "+
				"over HTTP taking a minute longer). Send 100 Continue first or answer with Connection: close.", key, first.StatusCode)
		}
		if final.StatusCode != http.StatusOK {
			t.Errorf("PUT %s: HTTP %d, want 200", key, final.StatusCode)
		}
		return !final.Close
	}

	if !put("first", randomBytes(6000, 1024)) {
		t.Fatalf("the server closed the connection after a plain PUT")
	}
	if !put("empty", nil) {
		return // closing is a correct answer too
	}
	put("after-empty", randomBytes(6001, 1024))
}
