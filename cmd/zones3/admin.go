package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/zones3/zones3/bench"
	"github.com/zones3/zones3/gateway"
)

const defaultEndpoint = "http://127.0.0.1:9000"

type adminConfig struct {
	action   string // status or heal
	endpoint string
	region   string
	insecure bool
}

func parseAdminFlags(args []string, stderr io.Writer) (adminConfig, error) {
	var c adminConfig
	fs := newFlagSet("admin", stderr)
	fs.StringVar(&c.endpoint, "endpoint", defaultEndpoint, "the gateway's `URL`")
	fs.StringVar(&c.region, "region", "us-east-1", "region the credentials are signed for")
	fs.BoolVar(&c.insecure, "insecure", false, "skip TLS certificate verification")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: zones3 admin status|heal [--endpoint URL]")
		fs.PrintDefaults()
	}
	// The action may come before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c.action, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, exitCodeError{code: exitUsage}
	}
	rest := fs.Args()
	if c.action == "" && len(rest) > 0 {
		c.action, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return c, usagef("unexpected argument %q", rest[0])
	}
	switch c.action {
	case "status", "heal":
	case "":
		return c, usagef("missing action: status or heal")
	default:
		return c, usagef("unknown action %q: want status or heal", c.action)
	}
	c.endpoint = strings.TrimRight(c.endpoint, "/")
	if !strings.HasPrefix(c.endpoint, "http://") && !strings.HasPrefix(c.endpoint, "https://") {
		return c, usagef("invalid --endpoint %q: want http://host:port or https://host:port", c.endpoint)
	}
	return c, nil
}

// cmdAdmin runs `zones3 admin status|heal`.
func cmdAdmin(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	cfg, err := parseAdminFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.action == "heal" {
		return adminHeal(ctx, cfg, getenv, stdout, stderr)
	}
	return adminStatus(ctx, cfg, getenv, stdout)
}

// adminTransport is the HTTP transport of the admin commands.
func adminTransport(cfg adminConfig) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	return tr
}

// adminStatus prints whether the gateway is ready, whether the client's
// credentials are accepted, and, from the operator API (root key) or else
// from /metrics, the zones and nodes and what waits for repair. It fails
// when the gateway is not ready.
func adminStatus(ctx context.Context, cfg adminConfig, getenv env, w io.Writer) error {
	client := &http.Client{Transport: adminTransport(cfg), Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()

	fmt.Fprintf(w, "endpoint:    %s\n", cfg.endpoint)
	// The health and metrics routes answer only unsigned requests.
	status, body, err := fetch(ctx, client, cfg.endpoint+"/health/ready", nil)
	ready := err == nil && status == http.StatusOK
	switch {
	case err != nil:
		fmt.Fprintf(w, "ready:       no (%v)\n", err)
	case ready:
		fmt.Fprintf(w, "ready:       yes\n")
	default:
		fmt.Fprintf(w, "ready:       no (HTTP %d: %s)\n", status, strings.TrimSpace(string(body)))
	}
	if err != nil {
		return exitCodeError{code: exitError}
	}

	creds, source, haveCreds := clientCredentials(getenv)
	if haveCreds {
		signer := &bench.Signer{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, Region: cfg.region}
		status, body, err := fetch(ctx, client, cfg.endpoint+"/", signer)
		switch {
		case err != nil:
			fmt.Fprintf(w, "credentials: %s from %s: %v\n", creds.AccessKey, source, err)
		case status == http.StatusOK:
			fmt.Fprintf(w, "credentials: %s from %s: accepted (%d buckets)\n", creds.AccessKey, source, strings.Count(string(body), "<Bucket>"))
		default:
			fmt.Fprintf(w, "credentials: %s from %s: refused (HTTP %d %s)\n", creds.AccessKey, source, status, s3ErrorCode(body))
		}
	} else {
		fmt.Fprintf(w, "credentials: none (set %s and %s to check them)\n", envAWSAccessKey, envAWSSecretKey)
	}

	var adminErr error = errors.New("no credentials")
	if haveCreds {
		var st gateway.AdminStatus
		if st, adminErr = fetchAdminStatus(ctx, cfg, client, creds); adminErr == nil {
			printRepairStatus(w, st)
		}
	}
	if adminErr != nil {
		// Without the root key: what the unauthenticated metrics show.
		if status, body, err := fetch(ctx, client, cfg.endpoint+"/metrics", nil); err == nil && status == http.StatusOK {
			lines := nodeMetricLines(string(body))
			if len(lines) == 0 {
				fmt.Fprintln(w, "nodes:       the gateway's metrics show no node state")
			} else {
				fmt.Fprintln(w, "nodes:")
				for _, l := range lines {
					fmt.Fprintf(w, "  %s\n", l)
				}
			}
		} else {
			fmt.Fprintln(w, "nodes:       no metrics available")
		}
		if haveCreds {
			fmt.Fprintf(w, "operator API: %v\n", adminErr)
		}
	}
	if status, body, err := fetch(ctx, client, cfg.endpoint+"/metrics", nil); err == nil && status == http.StatusOK {
		writeLifecycleStatus(w, string(body))
	}
	if !ready {
		return exitCodeError{code: exitError}
	}
	return nil
}

// fetch GETs url (signed when signer is set) and returns up to 1 MiB of body.
func fetch(ctx context.Context, client *http.Client, url string, signer *bench.Signer) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if signer != nil {
		signer.Sign(req, time.Now())
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// nodeMetricLines picks the samples about storage nodes and repair from
// Prometheus text: metrics whose name mentions a node, the repair queue's
// and the scanner's.
func nodeMetricLines(text string) []string {
	var out []string
	s := bufio.NewScanner(strings.NewReader(text))
	for s.Scan() {
		line := s.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		if strings.HasPrefix(name, "zones3_node") || strings.Contains(name, "_node_") ||
			strings.HasPrefix(name, "zones3_repair_queue") || strings.HasPrefix(name, "zones3_scan_") {
			out = append(out, line)
		}
	}
	return out
}

// s3ErrorCode extracts <Code> from an S3 error body.
func s3ErrorCode(body []byte) string {
	s := string(body)
	i := strings.Index(s, "<Code>")
	j := strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return ""
	}
	return s[i+len("<Code>") : j]
}
