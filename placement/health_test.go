package placement

import (
	"fmt"
	"testing"
	"time"
)

// step is one event in a health scenario: at time at (from the start) the
// node either reports an outcome, or is checked for its state and, when
// allow is set, for Allow.
type step struct {
	at      time.Duration
	observe string // "ok", "fail" or "" for a check
	want    State
	allow   *bool
}

func ok(at time.Duration) step   { return step{at: at, observe: "ok"} }
func fail(at time.Duration) step { return step{at: at, observe: "fail"} }
func is(at time.Duration, s State) step {
	return step{at: at, want: s}
}
func allow(at time.Duration, s State, a bool) step {
	return step{at: at, want: s, allow: &a}
}

func TestHealth(t *testing.T) {
	const s = time.Second
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tc := range []struct {
		name  string
		cfg   HealthConfig
		steps []step
	}{
		{"unknown node is up", HealthConfig{}, []step{
			allow(0, Up, true),
		}},
		{"success keeps it up", HealthConfig{}, []step{
			ok(0), is(0, Up), ok(10 * s), is(20*s, Up),
		}},
		{"one failure makes it suspect", HealthConfig{}, []step{
			fail(0), allow(0, Suspect, true), is(time.Hour, Suspect),
		}},
		{"success after failure makes it up", HealthConfig{}, []step{
			fail(0), fail(ms(100)), ok(ms(200)), is(ms(200), Up),
		}},
		{"three failures in a row make it down", HealthConfig{}, []step{
			fail(0), fail(ms(10)), is(ms(10), Suspect), fail(ms(20)), allow(ms(20), Down, false),
		}},
		{"a success resets the count", HealthConfig{}, []step{
			fail(0), fail(ms(10)), ok(ms(20)), fail(ms(30)), fail(ms(40)), is(ms(40), Suspect),
		}},
		{"failing for the down-after time makes it down", HealthConfig{}, []step{
			fail(0), fail(2 * s), is(2*s, Suspect), fail(3 * s), is(3*s, Down),
		}},
		{"down-after counts from the first failure of the run", HealthConfig{DownAfterFailures: 100}, []step{
			fail(0), ok(ms(500)), fail(ms(1000)), fail(ms(3900)), is(ms(3900), Suspect), fail(ms(4000)), is(ms(4000), Down),
		}},
		{"a down node is offered one probe after the retry interval", HealthConfig{}, []step{
			fail(0), fail(0), fail(0), is(0, Down),
			allow(ms(1999), Down, false),
			allow(2*s, Suspect, true),       // the probe
			allow(ms(2100), Suspect, false), // others wait for it
			fail(ms(2500)),                  // the probe failed
			allow(ms(2600), Down, false),
			allow(ms(4499), Down, false),
			allow(ms(4500), Suspect, true), // next probe
		}},
		{"a node that comes back is used again", HealthConfig{}, []step{
			fail(0), fail(0), fail(0),
			allow(2*s, Suspect, true), ok(ms(2050)), allow(ms(2050), Up, true), allow(ms(2051), Up, true),
		}},
		{"a lost probe is retried after the interval", HealthConfig{}, []step{
			fail(0), fail(0), fail(0),
			allow(2*s, Suspect, true), allow(ms(3999), Suspect, false), allow(4*s, Suspect, true),
		}},
		{"custom thresholds", HealthConfig{DownAfter: 10 * s, DownAfterFailures: 5, RetryAfter: 500 * time.Millisecond}, []step{
			fail(0), fail(0), fail(0), fail(0), is(0, Suspect), fail(0), is(0, Down),
			is(ms(499), Down), allow(ms(500), Suspect, true),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHealth(tc.cfg)
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, st := range tc.steps {
				now := start.Add(st.at)
				switch st.observe {
				case "ok":
					h.Observe("n1", true, now)
				case "fail":
					h.Observe("n1", false, now)
				default:
					if got := h.State("n1", now); got != st.want {
						t.Fatalf("step %d at %v: state %v, want %v", i, st.at, got, st.want)
					}
					if st.allow != nil {
						if got := h.Allow("n1", now); got != *st.allow {
							t.Fatalf("step %d at %v: Allow %v, want %v", i, st.at, got, *st.allow)
						}
					}
				}
				// Other nodes are never affected.
				if got := h.State("n2", now); got != Up {
					t.Fatalf("step %d: untouched node is %v", i, got)
				}
			}
		})
	}
}

func TestHealthStates(t *testing.T) {
	h := NewHealth(HealthConfig{})
	now := time.Unix(1000, 0)
	h.Observe("a", false, now)
	for range 3 {
		h.Observe("b", false, now)
	}
	h.Observe("c", false, now)
	h.Observe("c", true, now)
	got := fmt.Sprint(h.States(now))
	if want := "map[a:suspect b:down]"; got != want {
		t.Errorf("States = %s, want %s", got, want)
	}
	cfg := h.Config()
	if cfg.DownAfter != DefaultDownAfter || cfg.DownAfterFailures != DefaultDownAfterFailures || cfg.RetryAfter != DefaultRetryAfter {
		t.Errorf("defaults not filled in: %+v", cfg)
	}
	if State(7).String() != "unknown" || Down.String() != "down" {
		t.Error("State.String")
	}
}
