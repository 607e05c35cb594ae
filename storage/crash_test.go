package storage

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash test runs writers in a child process (this test binary,
// switched by environment variables in TestMain), kills it with SIGKILL at
// a random moment, reopens the directory and checks that every
// acknowledged write is intact and nothing partial is visible.

const (
	crashChildDirEnv   = "ZONES3_STORAGE_CRASH_CHILD_DIR"
	crashChildRoundEnv = "ZONES3_STORAGE_CRASH_CHILD_ROUND"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildDirEnv); dir != "" {
		runCrashChild(dir, os.Getenv(crashChildRoundEnv))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashShardData is the deterministic content of shard name.
func crashShardData(name string) []byte {
	h := fnv.New64a()
	h.Write([]byte(name))
	seed := h.Sum64()
	size := 1 + int(seed%(256<<10))
	r := rand.New(rand.NewPCG(seed, 42))
	b := make([]byte, size+8)
	for i := 0; i < size; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:size]
}

// crashValue is the record of key: its HLC and the shard it names.
func crashValue(hlc uint64, name string) []byte { return hlcValue(hlc, name) }

// runCrashChild writes until killed. Each writer owns its keys and prints
// "try <op>" before and "ok <op>" after each Apply, where op is
// "put <key> <hlc> <shard>" or "del <key> <hlc>".
func runCrashChild(dir, round string) {
	l, err := OpenLocal(dir, LocalOptions{ID: "crash", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
	}
	fail := func(err error) {
		say("error %v", err)
		os.Exit(1)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			current := map[string]string{} // key -> committed shard name
			for i := 1; ; i++ {
				key := fmt.Sprintf("r%s/w%d/k%d", round, w, rng.IntN(4))
				hlc := uint64(i)
				old := current[key]
				switch x := rng.IntN(10); {
				case x == 0:
					// A shard that is never committed, left behind or aborted.
					name := fmt.Sprintf("r%s-w%d-%d-lost", round, w, i)
					if _, err := l.CreateShard(ctx, name, strings.NewReader("lost")); err != nil {
						fail(err)
					}
					if rng.IntN(2) == 0 {
						if _, err := l.Apply(ctx, Batch{Ops: []Op{{Kind: OpAbortShard, Name: name}}}); err != nil {
							fail(err)
						}
					}
				case x <= 2 && old != "":
					op := fmt.Sprintf("del %s %d", key, hlc)
					say("try %s", op)
					if _, err := l.Apply(ctx, Batch{Ops: []Op{
						{Kind: OpDeleteIfNotNewer, Key: []byte(key), HLC: hlc},
						{Kind: OpRemoveShard, Name: old},
					}}); err != nil {
						fail(err)
					}
					say("ok %s", op)
					delete(current, key)
				default:
					name := fmt.Sprintf("r%s-w%d-%d", round, w, i)
					if _, err := l.CreateShard(ctx, name, strings.NewReader(string(crashShardData(name)))); err != nil {
						fail(err)
					}
					ops := []Op{
						{Kind: OpPutIfNewer, Key: []byte(key), Value: crashValue(hlc, name), HLC: hlc},
						{Kind: OpCommitShard, Name: name, Key: []byte(key)},
					}
					if old != "" {
						ops = append(ops, Op{Kind: OpRemoveShard, Name: old})
					}
					op := fmt.Sprintf("put %s %d %s", key, hlc, name)
					say("try %s", op)
					if applied, err := l.Apply(ctx, Batch{Ops: ops}); err != nil {
						fail(err)
					} else if !applied[0] || !applied[1] {
						fail(fmt.Errorf("put %s not applied: %v", key, applied))
					}
					say("ok %s", op)
					current[key] = name
				}
			}
		})
	}
	wg.Wait()
}

// crashState is what one key holds: a record naming a shard, or nothing.
type crashState struct {
	present bool
	hlc     uint64
	name    string
}

func parseCrashOp(fields []string) (key string, st crashState, err error) {
	if len(fields) < 3 {
		return "", st, fmt.Errorf("short op %q", fields)
	}
	key = fields[1]
	st.hlc, err = strconv.ParseUint(fields[2], 10, 64)
	if err != nil {
		return "", st, err
	}
	switch fields[0] {
	case "put":
		if len(fields) != 4 {
			return "", st, fmt.Errorf("bad put %q", fields)
		}
		st.present, st.name = true, fields[3]
	case "del":
		st = crashState{} // absent, whatever the HLC of the delete
	default:
		return "", st, fmt.Errorf("bad op %q", fields)
	}
	return key, st, nil
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	acked := map[string]crashState{}   // last acknowledged state per key
	pending := map[string]crashState{} // state of an unacknowledged op per key
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildDirEnv+"="+dir, crashChildRoundEnv+"="+strconv.Itoa(round))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A child that stalls is killed too, and then fails the test.
		stall := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()

		// Let some writes be acknowledged, then kill at a random moment.
		acks := 0
		var kill <-chan time.Time
		var all []string
		for line := range lines {
			all = append(all, line)
			if strings.HasPrefix(line, "ok ") {
				acks++
			}
			if acks == 40 && kill == nil {
				kill = time.After(time.Duration(rand.IntN(150)) * time.Millisecond)
				go func(k <-chan time.Time) {
					<-k
					_ = cmd.Process.Signal(syscall.SIGKILL)
				}(kill)
			}
			if strings.HasPrefix(line, "error ") {
				_ = cmd.Process.Kill()
				t.Fatalf("child failed: %s", line)
			}
		}
		err = cmd.Wait()
		stall.Stop()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("child did not die by SIGKILL: %v (%d lines)", err, len(all))
		}
		for _, line := range all {
			fields := strings.Fields(line)
			if len(fields) == 0 || (fields[0] != "try" && fields[0] != "ok") {
				continue
			}
			key, st, err := parseCrashOp(fields[1:])
			if err != nil {
				t.Fatalf("child line %q: %v", line, err)
			}
			if fields[0] == "try" {
				pending[key] = st
			} else {
				acked[key] = st
				delete(pending, key)
			}
		}
		t.Logf("round %d: %d lines, %d acknowledged ops, %d in flight", round, len(all), acks, len(pending))
		checkAfterCrash(t, dir, acked, pending)
		if t.Failed() {
			return
		}
	}
}

// checkAfterCrash reopens dir and checks it against what the child
// acknowledged. It resolves the in-flight ops to the state found.
func checkAfterCrash(t *testing.T, dir string, acked, pending map[string]crashState) {
	t.Helper()
	ctx := context.Background()
	l, err := OpenLocal(dir, LocalOptions{ID: "crash", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	// Every key acknowledged holds its last acknowledged state, or the
	// state of the op in flight when the child died.
	for key, want := range acked {
		got := crashState{}
		v, err := l.Get(ctx, []byte(key))
		if err == nil {
			got = crashState{present: true, hlc: binary.BigEndian.Uint64(v), name: string(v[8:])}
		} else if !errorsIsNotFound(err) {
			t.Fatal(err)
		}
		if p, ok := pending[key]; ok && got == p {
			acked[key] = p
		} else if got != want {
			t.Errorf("key %s: found %+v, acknowledged %+v (in flight %+v)", key, got, want, pending[key])
		}
		delete(pending, key)
	}
	for key, p := range pending { // first op of a key, never acknowledged
		delete(pending, key)
		if v, err := l.Get(ctx, []byte(key)); err == nil {
			got := crashState{present: true, hlc: binary.BigEndian.Uint64(v), name: string(v[8:])}
			if got != p {
				t.Errorf("key %s: found %+v, never acknowledged, in flight %+v", key, got, p)
			}
			acked[key] = got
		}
	}

	// Every record present names a complete shard, and the shard files on
	// disk are exactly those records name.
	kvs, err := l.Scan(ctx, ScanRange{})
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, kv := range kvs {
		name := string(kv.Value[8:])
		named[name] = true
		b, err := readShard(l, name, 0, -1)
		if err != nil {
			t.Errorf("key %s: shard %s: %v", kv.Key, name, err)
			continue
		}
		if want := crashShardData(name); string(b) != string(want) {
			t.Errorf("key %s: shard %s has %d bytes, differs from the %d written", kv.Key, name, len(b), len(want))
		}
	}
	onDisk := map[string]bool{}
	err = filepath.WalkDir(filepath.Join(dir, shardsDirName), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			onDisk[d.Name()] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range onDisk {
		if !named[name] {
			t.Errorf("shard file %s is on disk but no record names it", name)
		}
	}
	for name := range named {
		if !onDisk[name] {
			t.Errorf("shard %s is named but not on disk", name)
		}
	}
	if info, _ := l.Info(ctx); info.ShardFiles != int64(len(onDisk)) {
		t.Errorf("info counts %d shard files, disk holds %d", info.ShardFiles, len(onDisk))
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, tmpDirName)); len(entries) != 0 {
		t.Errorf("%d temporary files survived the restart", len(entries))
	}
}

func errorsIsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
