package iam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/zones3/zones3/iam/policy"
)

// DefaultRefreshInterval is how often a Directory reads every IAM record
// again: a change made through another gateway takes effect here within
// this time. Changes made through this Directory take effect at once.
const DefaultRefreshInterval = 2 * time.Second

// ErrStoreUnavailable is what a Store wraps when too few of its nodes
// answer; the API answers 503 ServiceUnavailable, which clients retry.
var ErrStoreUnavailable = errors.New("iam: the identity store is unavailable")

// DirectoryConfig is what NewDirectory needs.
type DirectoryConfig struct {
	// Store keeps the records (see records.go for the schema).
	Store Store
	// The root key pair. It always authenticates, as the account's root
	// user, and is never stored.
	RootAccessKey string
	RootSecretKey string
	// EncryptionKey is the master secret that access key secrets at rest
	// and session tokens are sealed under; "" means RootSecretKey. Every
	// gateway of a deployment must have the same one. Changing it makes
	// the stored secret keys unreadable (those access keys stop working
	// and must be made anew) and every session token invalid.
	EncryptionKey string
	// AccountID is the 12-digit account ID in ARNs; "" means
	// AccountID(RootAccessKey).
	AccountID string
	// ValidatePolicy checks a policy document before it is stored or used
	// as a session policy. Its error becomes MalformedPolicyDocument unless
	// it is an *Error or has a Code() method naming another code. nil
	// means a structural check (JSON, Statement, Effect, Action, Principal
	// where the kind needs one).
	ValidatePolicy func(doc []byte, kind PolicyKind) error
	// RefreshInterval; 0 means DefaultRefreshInterval.
	RefreshInterval time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// Now; nil means time.Now.
	Now func() time.Time
}

// Directory is the account's identities: users and their access keys,
// groups, roles and managed policies, kept in a Store. It reads the store
// for every API operation, and keeps a copy of all records in memory for
// authentication (Keyring) and for Identity, refreshed by Run.
//
// Operations of one Directory are serialised, so that their checks (a
// name taken, at most two keys) hold against each other. Two gateways
// changing the same record at the same moment are not: the later write
// wins, as for every cluster metadata record.
type Directory struct {
	store         Store
	rootAccessKey string
	rootSecretKey string
	account       string
	secrets       *sealer // access key secrets at rest
	tokens        *sealer // session tokens
	validate      func([]byte, PolicyKind) error
	interval      time.Duration
	log           *slog.Logger
	now           func() time.Time

	// writeMu serialises the read-check-write of each operation.
	writeMu sync.Mutex

	mu     sync.RWMutex
	cache  *snapshot
	loaded bool
	// seq numbers this Directory's writes; recent are the writes a refresh
	// in progress may not have seen, applied again on top of its listing.
	seq    uint64
	recent []localWrite
	// failing remembers that the last refresh failed, to log state changes
	// rather than every attempt.
	failing bool
}

type localWrite struct {
	seq   uint64
	name  string
	value []byte // nil: deleted
}

// NewDirectory returns a Directory over cfg.Store. Call Run (or Refresh)
// before relying on stored keys: until the first refresh only the root key
// authenticates.
func NewDirectory(cfg DirectoryConfig) (*Directory, error) {
	if cfg.Store == nil {
		return nil, errors.New("iam: directory needs a store")
	}
	if cfg.RootAccessKey == "" || cfg.RootSecretKey == "" {
		return nil, errors.New("iam: directory needs the root key pair")
	}
	master := cfg.EncryptionKey
	if master == "" {
		master = cfg.RootSecretKey
	}
	secrets, err := newSealer([]byte(master), purposeAccessKey)
	if err != nil {
		return nil, err
	}
	tokens, err := newSealer([]byte(master), purposeSessionToken)
	if err != nil {
		return nil, err
	}
	d := &Directory{
		store:         cfg.Store,
		rootAccessKey: cfg.RootAccessKey,
		rootSecretKey: cfg.RootSecretKey,
		account:       cfg.AccountID,
		secrets:       secrets,
		tokens:        tokens,
		validate:      cfg.ValidatePolicy,
		interval:      cfg.RefreshInterval,
		log:           cfg.Logger,
		now:           cfg.Now,
		cache:         newSnapshot(),
	}
	if d.account == "" {
		d.account = AccountID(cfg.RootAccessKey)
	}
	if d.validate == nil {
		d.validate = defaultValidatePolicy
	}
	if d.interval <= 0 {
		d.interval = DefaultRefreshInterval
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d, nil
}

// Account returns the account ID.
func (d *Directory) Account() string { return d.account }

// Loaded reports whether the in-memory copy was read from the store at
// least once; before that only the root key authenticates.
func (d *Directory) Loaded() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.loaded
}

// Run refreshes the in-memory copy every RefreshInterval until ctx is done;
// until the first refresh succeeds it retries every quarter second.
func (d *Directory) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wait := d.interval
		if err := d.Refresh(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			if !d.Loaded() {
				wait = 250 * time.Millisecond
			}
		}
		t.Reset(wait)
	}
}

// Refresh reads every IAM record from the store and replaces the in-memory
// copy with them.
func (d *Directory) Refresh(ctx context.Context) error {
	d.mu.RLock()
	start := d.seq
	d.mu.RUnlock()

	entries, err := d.store.ListMeta(ctx, recordPrefix)
	if err != nil {
		d.mu.Lock()
		first := !d.failing
		d.failing = true
		d.mu.Unlock()
		if first && ctx.Err() == nil {
			d.log.Warn("iam: cannot read the identity store; serving the identities read before", "err", err)
		}
		return fmt.Errorf("iam: refresh: %w", err)
	}
	// Reading the current copy (for secrets already opened) needs the read
	// lock: noteWrite changes it in place.
	s := newSnapshot()
	d.mu.RLock()
	for _, e := range entries {
		d.applyTo(s, d.cache, e.Name, e.Value)
	}
	d.mu.RUnlock()

	d.mu.Lock()
	defer d.mu.Unlock()
	keep := d.recent[:0]
	for _, w := range d.recent {
		if w.seq > start {
			d.applyTo(s, d.cache, w.name, w.value)
			keep = append(keep, w)
		}
	}
	clear(d.recent[len(keep):])
	d.recent = keep
	d.cache = s
	if d.failing {
		d.log.Info("iam: identity store readable again")
	}
	d.failing = false
	d.loaded = true
	return nil
}

// snapshot is the in-memory copy of the records.
type snapshot struct {
	users    map[string]*cachedEntity // by recordKey(name)
	groups   map[string]*cachedEntity
	roles    map[string]*cachedEntity
	policies map[string]*cachedPolicy
	keys     map[string]*cachedKey // by access key ID
	// raw are the records as stored, by name: a refresh decodes only the
	// records that changed since the last one.
	raw map[string][]byte
}

// cachedKey is an access key with its secret opened; secret is "" when it
// does not open.
type cachedKey struct {
	rec    *keyRecord
	secret string
	user   string // recordKey(rec.User)
}

// cachedEntity is a user, group or role in the in-memory copy, with what
// Identity hands out computed once when the record is read: its ARN, its
// inline policies parsed, and the keys of the records it names. Like the
// record, it is never changed once in the copy: a new record makes a new
// cachedEntity.
type cachedEntity struct {
	rec    *entityRecord
	arn    string
	inline []IdentityPolicy // by name
	// attached and groups are the record keys of rec.Attached and
	// rec.Groups.
	attached []string
	groups   []string
}

// cachedPolicy is a managed policy in the in-memory copy, parsed when its
// record is read.
type cachedPolicy struct {
	rec      *policyRecord
	identity IdentityPolicy
}

func newSnapshot() *snapshot {
	return &snapshot{
		users:    map[string]*cachedEntity{},
		groups:   map[string]*cachedEntity{},
		roles:    map[string]*cachedEntity{},
		policies: map[string]*cachedPolicy{},
		keys:     map[string]*cachedKey{},
		raw:      map[string][]byte{},
	}
}

// reuse copies the decoded record kind/key from old into s; false when old
// has none.
func (s *snapshot) reuse(old *snapshot, kind, key string) bool {
	switch kind {
	case "user":
		return reuseEntry(s.users, old.users, key)
	case "group":
		return reuseEntry(s.groups, old.groups, key)
	case "role":
		return reuseEntry(s.roles, old.roles, key)
	case "policy":
		return reuseEntry(s.policies, old.policies, key)
	case "key":
		return reuseEntry(s.keys, old.keys, key)
	}
	return false
}

func reuseEntry[V any](dst, src map[string]*V, key string) bool {
	v, ok := src[key]
	if ok {
		dst[key] = v
	}
	return ok
}

// applyTo puts record name (value nil: deleted) into s. old is the
// previous snapshot: a key whose sealed secret did not change keeps its
// opened secret, so that secrets are opened (and failures logged) once.
func (d *Directory) applyTo(s, old *snapshot, name string, value []byte) {
	kind, key, ok := strings.Cut(strings.TrimPrefix(name, recordPrefix), "/")
	if !ok || !strings.HasPrefix(name, recordPrefix) {
		return
	}
	if value == nil {
		delete(s.raw, name)
	} else {
		// Records are replaced, never changed in place, so equal bytes
		// decode to what old holds.
		if prev, ok := old.raw[name]; ok && s != old && bytes.Equal(prev, value) && s.reuse(old, kind, key) {
			s.raw[name] = prev
			return
		}
		s.raw[name] = value
	}
	entities := map[string]struct {
		m    map[string]*cachedEntity
		kind entityKind
	}{"user": {s.users, kindUser}, "group": {s.groups, kindGroup}, "role": {s.roles, kindRole}}
	if e, ok := entities[kind]; ok {
		if value == nil {
			delete(e.m, key)
			return
		}
		rec, err := decodeRecord[entityRecord](name, value)
		if err != nil {
			d.log.Warn("iam: skipping a corrupt record", "name", name, "err", err)
			delete(e.m, key)
			return
		}
		e.m[key] = d.cacheEntity(e.kind, rec)
		return
	}
	switch kind {
	case "policy":
		if value == nil {
			delete(s.policies, key)
			return
		}
		rec, err := decodeRecord[policyRecord](name, value)
		if err != nil {
			d.log.Warn("iam: skipping a corrupt record", "name", name, "err", err)
			delete(s.policies, key)
			return
		}
		arn := policyARN(d.account, rec.Path, rec.Name)
		s.policies[key] = &cachedPolicy{rec: rec, identity: d.parseStored(arn, rec.Name, rec.Document, true)}
	case "key":
		if value == nil {
			delete(s.keys, key)
			return
		}
		rec, err := decodeRecord[keyRecord](name, value)
		if err != nil {
			d.log.Warn("iam: skipping a corrupt record", "name", name, "err", err)
			delete(s.keys, key)
			return
		}
		if prev := old.keys[key]; prev != nil && bytes.Equal(prev.rec.Secret, rec.Secret) {
			s.keys[key] = &cachedKey{rec: rec, secret: prev.secret, user: recordKey(rec.User)}
			return
		}
		secret, err := d.secrets.open(rec.Secret, []byte(name))
		if err != nil {
			d.log.Warn("iam: the secret of an access key does not open; the key cannot authenticate (was ZONES3_IAM_KEY or the root secret key changed?)",
				"access_key", key, "user", rec.User, "err", err)
		}
		s.keys[key] = &cachedKey{rec: rec, secret: string(secret), user: recordKey(rec.User)}
	}
}

// cacheEntity makes the in-memory form of an entity record.
func (d *Directory) cacheEntity(kind entityKind, rec *entityRecord) *cachedEntity {
	e := &cachedEntity{rec: rec, arn: kind.arn(d.account, rec.Path, rec.Name)}
	for _, name := range sortedKeys(rec.Inline) {
		e.inline = append(e.inline, d.parseStored(e.arn, name, rec.Inline[name], false))
	}
	for _, name := range rec.Attached {
		e.attached = append(e.attached, recordKey(name))
	}
	for _, name := range rec.Groups {
		e.groups = append(e.groups, recordKey(name))
	}
	return e
}

// parseStored parses a stored identity policy (owner is the ARN of the
// managed policy, or of the entity holding an inline one) once, when its
// record is read, so that no request parses it. A document that does not
// parse (the ValidatePolicy hook accepted more than the policy language,
// or a newer zones3 wrote it) is logged here and has no Policy: it grants
// nothing, and the identity's other policies still apply.
func (d *Directory) parseStored(owner, name, doc string, managed bool) IdentityPolicy {
	ip := IdentityPolicy{Managed: managed, ARN: owner, Name: name, Document: doc}
	p, err := policy.Parse([]byte(doc), policy.Identity)
	if err != nil {
		d.log.Warn("iam: identity policy does not parse; it grants nothing", "policy", name, "owner", owner, "err", err)
		return ip
	}
	p.Name = owner + "#" + name
	ip.Policy = p
	return ip
}

// noteWrite applies a write this Directory made to the in-memory copy at
// once, and remembers it for a refresh that may have listed before it.
func (d *Directory) noteWrite(name string, value []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	d.recent = append(d.recent, localWrite{seq: d.seq, name: name, value: value})
	d.applyTo(d.cache, d.cache, name, value)
}

// putRecord stores v under name.
func (d *Directory) putRecord(ctx context.Context, name string, v any) error {
	b, err := encodeRecord(v)
	if err != nil {
		return err
	}
	if err := d.store.PutMeta(ctx, name, b); err != nil {
		return fmt.Errorf("iam: store %s: %w", name, err)
	}
	d.noteWrite(name, b)
	return nil
}

// deleteRecord removes name.
func (d *Directory) deleteRecord(ctx context.Context, name string) error {
	if err := d.store.DeleteMeta(ctx, name); err != nil {
		return fmt.Errorf("iam: delete %s: %w", name, err)
	}
	d.noteWrite(name, nil)
	return nil
}

// getRecord reads and decodes one record; found is false when it does not
// exist.
func getRecord[T any](ctx context.Context, d *Directory, name string) (rec *T, found bool, err error) {
	e, err := d.store.GetMeta(ctx, name)
	if errors.Is(err, ErrNoSuchRecord) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("iam: read %s: %w", name, err)
	}
	rec, err = decodeRecord[T](name, e.Value)
	if err != nil {
		return nil, false, err
	}
	return rec, true, nil
}

// listRecords reads and decodes every record under prefix, skipping
// (and logging) corrupt ones.
func listRecords[T any](ctx context.Context, d *Directory, prefix string) ([]*T, error) {
	entries, err := d.store.ListMeta(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("iam: list %s: %w", prefix, err)
	}
	out := make([]*T, 0, len(entries))
	for _, e := range entries {
		rec, err := decodeRecord[T](e.Name, e.Value)
		if err != nil {
			d.log.Warn("iam: skipping a corrupt record", "name", e.Name, "err", err)
			continue
		}
		out = append(out, rec)
	}
	return out, nil
}

// SecretKey implements Keyring: the root key pair, and the Active access
// keys of existing users. Unknown, inactive and deleted keys are refused,
// which the gateway answers with InvalidAccessKeyId.
func (d *Directory) SecretKey(accessKey string) (string, bool) {
	if accessKey == d.rootAccessKey {
		return d.rootSecretKey, true
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	k, _, ok := d.activeKey(accessKey)
	if !ok {
		return "", false
	}
	return k.secret, true
}

// IsRoot reports whether accessKey is the root access key.
func (d *Directory) IsRoot(accessKey string) bool { return accessKey == d.rootAccessKey }

// activeKey returns the key and its user when the key authenticates.
// d.mu must be held.
func (d *Directory) activeKey(accessKey string) (*cachedKey, *cachedEntity, bool) {
	k := d.cache.keys[accessKey]
	if k == nil || k.secret == "" || k.rec.Status != StatusActive {
		return nil, nil, false
	}
	u := d.cache.users[k.user]
	if u == nil || u.rec.ID != k.rec.UserID {
		// The key outlived its user (a delete raced with a create
		// through another gateway): it is not valid.
		return nil, nil, false
	}
	return k, u, true
}
