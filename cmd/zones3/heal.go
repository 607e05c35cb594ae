package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zones3/zones3/bench"
	"github.com/zones3/zones3/gateway"
	"github.com/zones3/zones3/gateway/objectlayer"
)

// How `zones3 admin heal` follows its pass.
const (
	healPoll        = 500 * time.Millisecond
	healLineEvery   = 5 * time.Second  // progress lines when stdout is not a terminal
	healUnreachable = 30 * time.Second // how long the gateway may not answer
)

// adminNodes reports the nodes as last probed, for the operator API.
func (r *readiness) adminNodes() []gateway.AdminNode {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]gateway.AdminNode, len(r.nodes))
	for i, n := range r.nodes {
		out[i] = gateway.AdminNode{
			ID:         n.ID(),
			Zone:       r.zones[i],
			Up:         r.up[i],
			UsedBytes:  r.infos[i].UsedBytes,
			FreeBytes:  r.infos[i].FreeBytes,
			ShardFiles: r.infos[i].ShardFiles,
		}
	}
	return out
}

// adminClient calls the gateway's operator API with the root key.
type adminClient struct {
	endpoint string
	client   *http.Client
	signer   *bench.Signer
}

// apiError is an error answer of the operator API.
type apiError struct {
	status        int
	Code, Message string
}

func (e *apiError) Error() string {
	switch e.status {
	case http.StatusForbidden:
		return fmt.Sprintf("refused (HTTP 403 %s: %s): the operator API takes the root key only", e.Code, e.Message)
	case http.StatusNotFound:
		return fmt.Sprintf("the gateway has no operator API (HTTP 404 %s: %s)", e.Code, e.Message)
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.status, e.Code, e.Message)
}

// call sends a signed request and decodes the JSON answer into out.
func (c *adminClient) call(ctx context.Context, method, route string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+gateway.AdminPrefix+route, nil)
	if err != nil {
		return err
	}
	c.signer.Sign(req, time.Now())
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{status: resp.StatusCode}
		if json.Unmarshal(body, e) != nil || e.Code == "" {
			e.Code, e.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(body))
			if c := s3ErrorCode(body); c != "" {
				e.Code = c
			}
		}
		return e
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("reading the answer of %s %s: %w", method, route, err)
	}
	return nil
}

// adminHeal starts a full pass on the gateway and follows it to its end:
// exit 0 once every object holds all its shards again, 1 saying what
// could not be repaired.
func adminHeal(ctx context.Context, cfg adminConfig, getenv env, stdout, stderr io.Writer) error {
	creds, source, ok := clientCredentials(getenv)
	if !ok {
		return exitCodeError{code: exitError, msg: fmt.Sprintf("heal needs the root key: set %s and %s, or %s and %s",
			envAWSAccessKey, envAWSSecretKey, envRootAccessKey, envRootSecretKey)}
	}
	client := &http.Client{Transport: adminTransport(cfg), Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	c := &adminClient{endpoint: cfg.endpoint, client: client,
		signer: &bench.Signer{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, Region: cfg.region}}

	var pass objectlayer.PassStatus
	if err := c.call(ctx, http.MethodPost, "heal", &pass); err != nil {
		return exitCodeError{code: exitError, msg: fmt.Sprintf("starting a heal on %s with %s from %s: %v", cfg.endpoint, creds.AccessKey, source, err)}
	}
	fmt.Fprintf(stdout, "heal: full pass %d started on %s (every record and shard checked, shard checksums read)\n", pass.ID, cfg.endpoint)
	progress := newHealProgress(stdout)
	var lastOK time.Time = time.Now()
	for {
		select {
		case <-ctx.Done():
			progress.end()
			return exitCodeError{code: exitError, msg: "interrupted: the pass goes on in the gateway; `zones3 admin status` shows it"}
		case <-time.After(healPoll):
		}
		var st gateway.AdminStatus
		if err := c.call(ctx, http.MethodGet, "status", &st); err != nil {
			if ctx.Err() != nil {
				continue
			}
			if time.Since(lastOK) > healUnreachable {
				progress.end()
				return exitCodeError{code: exitError, msg: fmt.Sprintf("following the heal: %v", err)}
			}
			continue
		}
		lastOK = time.Now()
		p, found := findPass(st.Repair.Passes, pass.ID)
		if !found {
			progress.end()
			return exitCodeError{code: exitError, msg: fmt.Sprintf("the gateway no longer knows pass %d (it restarted?): run the heal again", pass.ID)}
		}
		progress.show(p, st)
		switch p.State {
		case objectlayer.PassWaiting, objectlayer.PassRunning:
			continue
		}
		progress.end()
		return healResult(p, st, stdout, stderr)
	}
}

func findPass(passes []objectlayer.PassStatus, id int64) (objectlayer.PassStatus, bool) {
	for _, p := range passes {
		if p.ID == id {
			return p, true
		}
	}
	return objectlayer.PassStatus{}, false
}

// healResult prints what the finished pass did and turns its outcome into
// the exit code.
func healResult(p objectlayer.PassStatus, st gateway.AdminStatus, stdout, stderr io.Writer) error {
	took := p.Finished.Sub(p.Started).Round(time.Millisecond)
	fmt.Fprintf(stdout, "heal: pass %d %s after %s: %d objects checked, %d repaired (%d records, %d shards, %s rebuilt), %d shards missing and %d corrupt found, %s of shards verified, %d unreferenced shard files removed\n",
		p.ID, p.State, took, p.ObjectsScanned, p.ObjectsRepaired, p.RecordsRepaired, p.ShardsRebuilt,
		humanBytes(p.BytesRebuilt), p.MissingFound, p.BitrotFound, humanBytes(p.BytesVerified), p.OrphansRemoved)
	if p.Complete() {
		fmt.Fprintln(stdout, "heal: every object holds all its records and shards")
		return nil
	}
	for _, n := range st.Nodes {
		if !n.Up {
			fmt.Fprintf(stderr, "heal: node %s (zone %s) is down\n", n.ID, n.Zone)
		}
	}
	for _, pr := range p.Problems {
		fmt.Fprintf(stderr, "heal: %s\n", pr)
	}
	switch {
	case p.State == objectlayer.PassCancelled:
		return exitCodeError{code: exitError, msg: fmt.Sprintf("pass %d was cancelled (the gateway is shutting down?): run the heal again", p.ID)}
	case p.Error != "":
		return exitCodeError{code: exitError, msg: fmt.Sprintf("pass %d failed: %s", p.ID, p.Error)}
	}
	return exitCodeError{code: exitError, msg: fmt.Sprintf("%d objects could not be brought back to full redundancy", p.Unrepaired)}
}

// healProgress shows a pass's progress: a bar redrawn in place on a
// terminal, a plain line every few seconds otherwise.
type healProgress struct {
	w        io.Writer
	tty      bool
	drawn    bool
	lastLine time.Time
}

func newHealProgress(w io.Writer) *healProgress {
	return &healProgress{w: w, tty: isTerminal(w)}
}

func (h *healProgress) show(p objectlayer.PassStatus, st gateway.AdminStatus) {
	if p.State == objectlayer.PassWaiting {
		if !h.tty && time.Since(h.lastLine) >= healLineEvery {
			fmt.Fprintf(h.w, "heal: pass %d waits for the running pass to stop\n", p.ID)
			h.lastLine = time.Now()
		}
		return
	}
	total := fmt.Sprintf("~%d", p.ObjectsEstimate)
	if p.ObjectsEstimate == 0 {
		total = "?"
	}
	text := fmt.Sprintf("%d/%s objects, %d repaired, %d shards rebuilt, %d corrupt, %s verified",
		p.ObjectsScanned, total, p.ObjectsRepaired, p.ShardsRebuilt, p.BitrotFound, humanBytes(p.BytesVerified))
	if h.tty {
		frac := 0.0
		if p.ObjectsEstimate > 0 {
			frac = min(float64(p.ObjectsScanned)/float64(p.ObjectsEstimate), 1)
		}
		const width = 30
		filled := int(frac * width)
		fmt.Fprintf(h.w, "\r\x1b[K[%s%s] %3.0f%% %s", strings.Repeat("#", filled), strings.Repeat("-", width-filled), frac*100, text)
		h.drawn = true
		return
	}
	if time.Since(h.lastLine) >= healLineEvery {
		fmt.Fprintf(h.w, "heal: %s\n", text)
		h.lastLine = time.Now()
	}
}

// end finishes the bar's line.
func (h *healProgress) end() {
	if h.drawn {
		fmt.Fprintln(h.w)
		h.drawn = false
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// humanBytes renders n in binary units with one decimal.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, u := float64(n), 0
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	for v /= unit; v >= unit && u < len(units)-1; u++ {
		v /= unit
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}

// printRepairStatus prints the zones, nodes and repair state of the
// operator API's status.
func printRepairStatus(w io.Writer, st gateway.AdminStatus) {
	fmt.Fprintln(w, "zones:")
	zones := map[string][]gateway.AdminNode{}
	var order []string
	for _, n := range st.Nodes {
		if _, ok := zones[n.Zone]; !ok {
			order = append(order, n.Zone)
		}
		zones[n.Zone] = append(zones[n.Zone], n)
	}
	for _, z := range order {
		fmt.Fprintf(w, "  %s\n", z)
		for _, n := range zones[z] {
			state := "up"
			if !n.Up {
				state = "DOWN"
			}
			fmt.Fprintf(w, "    %-24s %-4s  %s used, %s free, %d shard files\n", n.ID, state, humanBytes(n.UsedBytes), humanBytes(n.FreeBytes), n.ShardFiles)
		}
	}
	r := st.Repair
	fmt.Fprintf(w, "repair:      %d objects waiting (%d shards known missing or corrupt), %d waiting for a retry\n", r.QueueObjects, r.QueueShards, r.QueueDeferred)
	if r.QueueOverflow {
		fmt.Fprintln(w, "             the queue is full: the scanner's next pass finds the rest")
	}
	rate := "unlimited"
	if r.BitrotRate > 0 {
		rate = humanBytes(r.BitrotRate) + "/s"
	}
	every := func(d string) string {
		if d == "off" {
			return "never on schedule"
		}
		return "every " + d
	}
	fmt.Fprintf(w, "scanner:     passes %s, shard checksums read %s at %s\n", every(r.ScanInterval), every(r.BitrotInterval), rate)
	fmt.Fprintf(w, "last pass:   %s; last full pass: %s\n", when(r.LastPass), when(r.LastFullPass))
	for _, p := range r.Passes {
		if p.State != objectlayer.PassRunning && p.State != objectlayer.PassWaiting {
			continue
		}
		kind := "presence"
		if p.Full {
			kind = "full"
		}
		fmt.Fprintf(w, "pass %d:      %s %s pass (%s): %d of ~%d objects, %d repaired, %d shards rebuilt\n",
			p.ID, p.State, kind, p.Trigger, p.ObjectsScanned, p.ObjectsEstimate, p.ObjectsRepaired, p.ShardsRebuilt)
	}
	for _, p := range r.Passes {
		if p.State == objectlayer.PassDone || p.State == objectlayer.PassFailed || p.State == objectlayer.PassCancelled {
			if p.Unrepaired > 0 || p.Error != "" {
				fmt.Fprintf(w, "             pass %d left %d objects unrepaired: %s\n", p.ID, p.Unrepaired, strings.Join(append(p.Problems, p.Error), "; "))
			}
			break
		}
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format(time.RFC3339), time.Since(t).Round(time.Second))
}

// fetchAdminStatus reads the operator API's status with the client's
// credentials.
func fetchAdminStatus(ctx context.Context, cfg adminConfig, client *http.Client, creds credentials) (gateway.AdminStatus, error) {
	c := &adminClient{endpoint: cfg.endpoint, client: client,
		signer: &bench.Signer{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, Region: cfg.region}}
	var st gateway.AdminStatus
	err := c.call(ctx, http.MethodGet, "status", &st)
	var ae *apiError
	if errors.As(err, &ae) {
		return st, ae
	}
	return st, err
}
