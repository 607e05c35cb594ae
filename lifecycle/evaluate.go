package lifecycle

import (
	"math/big"
	"strings"
	"time"
)

// Day is the length of a lifecycle day in production. Tests and
// demonstrations pass a shorter one (zones3 --lifecycle-day).
const Day = 24 * time.Hour

// Object is what a rule needs to know of one object version.
type Object struct {
	Key  string
	Size int64
	// Tags are the version's tags (nil for none).
	Tags map[string]string
	// ModTime is when the version was created (its Last-Modified).
	ModTime time.Time
	// IsLatest is true for the current version of the key.
	IsLatest bool
	// DeleteMarker is true when the version is a delete marker.
	DeleteMarker bool
	// Versioned is true when the bucket's versioning is Enabled or
	// Suspended: expiring a current version then adds a delete marker
	// instead of removing the object.
	Versioned bool
	// NoncurrentSince is, for a noncurrent version, when it became
	// noncurrent: the creation time of the version that succeeded it.
	NoncurrentSince time.Time
	// NewerNoncurrent is, for a noncurrent version, how many noncurrent
	// versions of the key are newer than it (0 for the newest one).
	NewerNoncurrent int
	// OnlyVersion is true when no other version of the key exists. A
	// current delete marker that is the only version is an "expired object
	// delete marker".
	OnlyVersion bool
}

// Upload is a multipart upload in progress.
type Upload struct {
	Key       string
	Initiated time.Time
}

// ActionType is what the lifecycle worker must do to a version or upload.
type ActionType uint8

const (
	// ActionNone: nothing is due.
	ActionNone ActionType = iota
	// ActionDeleteObject: the current version of an unversioned bucket
	// expired; remove the object.
	ActionDeleteObject
	// ActionAddDeleteMarker: the current version of a versioned (or
	// versioning-suspended) bucket expired; expire it as a DELETE without
	// versionId does: add a delete marker (with the null version ID when
	// versioning is suspended, which replaces a null current version).
	ActionAddDeleteMarker
	// ActionDeleteVersion: a noncurrent version (object or delete marker)
	// expired; remove it permanently.
	ActionDeleteVersion
	// ActionDeleteExpiredMarker: the current version is a delete marker
	// with no other version of its key left; remove it.
	ActionDeleteExpiredMarker
	// ActionAbortUpload: abort an incomplete multipart upload.
	ActionAbortUpload
)

var actionNames = [...]string{"none", "delete-object", "add-delete-marker", "delete-version", "delete-expired-marker", "abort-upload"}

func (t ActionType) String() string {
	if int(t) < len(actionNames) {
		return actionNames[t]
	}
	return "unknown"
}

// Action is the lifecycle action due on a version or upload.
type Action struct {
	Type ActionType
	// RuleID is the rule that called for the action.
	RuleID string
	// Due is when the action fell due.
	Due time.Time
}

// Evaluate returns the action due on the object version at now, with a
// lifecycle day of day (Day in production; 24h if day is not positive).
// Disabled rules do nothing. When several rules call for an action, the
// one due earliest wins, and of those due at the same time the first in
// the configuration: each kind of version has one kind of action, so S3's
// precedence between actions (permanent deletion over transition over
// delete marker) does not arise.
func (c *Configuration) Evaluate(obj Object, now time.Time, day time.Duration) Action {
	a, ok := c.next(obj, day)
	if !ok || a.Due.After(now) {
		return Action{}
	}
	return a
}

// Expiry is when the current version obj expires by an Expiration rule
// (Days or Date), and which rule expires it: the x-amz-expiration header
// of GET, HEAD, PUT, CopyObject and CompleteMultipartUpload. ok is false
// when no rule expires it, and for noncurrent versions and delete markers,
// which S3 answers without the header.
func (c *Configuration) Expiry(obj Object, day time.Duration) (at time.Time, ruleID string, ok bool) {
	if c == nil || !obj.IsLatest || obj.DeleteMarker {
		return time.Time{}, "", false
	}
	a, ok := c.next(obj, day)
	if !ok {
		return time.Time{}, "", false
	}
	return a.Due, a.RuleID, true
}

// EvaluateUpload returns the abort due on a multipart upload at now.
func (c *Configuration) EvaluateUpload(u Upload, now time.Time, day time.Duration) Action {
	at, id, ok := c.AbortDate(u, day)
	if !ok || at.After(now) {
		return Action{}
	}
	return Action{Type: ActionAbortUpload, RuleID: id, Due: at}
}

// AbortDate is when a rule aborts the upload, and which rule: the
// x-amz-abort-date and x-amz-abort-rule-id headers of
// CreateMultipartUpload and ListParts.
func (c *Configuration) AbortDate(u Upload, day time.Duration) (at time.Time, ruleID string, ok bool) {
	if c == nil {
		return time.Time{}, "", false
	}
	day = normalDay(day)
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.Enabled || r.AbortIncompleteMultipartUpload == nil || !strings.HasPrefix(u.Key, r.prefix()) {
			continue
		}
		// Validation keeps tag and size filters out of these rules, so the
		// prefix is the whole filter.
		due := afterDays(u.Initiated, r.AbortIncompleteMultipartUpload.DaysAfterInitiation, day)
		if !ok || due.Before(at) {
			at, ruleID, ok = due, r.ID, true
		}
	}
	return at, ruleID, ok
}

// next is the earliest action any enabled rule schedules for obj, due or
// not.
func (c *Configuration) next(obj Object, day time.Duration) (best Action, ok bool) {
	if c == nil {
		return Action{}, false
	}
	day = normalDay(day)
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.Enabled || !r.matches(obj) {
			continue
		}
		a, found := r.schedule(obj, day)
		if found && (!ok || a.Due.Before(best.Due)) {
			best, ok = a, true
		}
	}
	return best, ok
}

// schedule is the action rule r calls for on obj, and when.
func (r *Rule) schedule(obj Object, day time.Duration) (Action, bool) {
	switch {
	case !obj.IsLatest:
		nve := r.NoncurrentVersionExpiration
		if nve == nil || obj.NewerNoncurrent < nve.NewerNoncurrentVersions {
			return Action{}, false
		}
		return Action{Type: ActionDeleteVersion, RuleID: r.ID, Due: afterDays(obj.NoncurrentSince, nve.NoncurrentDays, day)}, true
	case obj.DeleteMarker:
		// S3 does nothing to a current delete marker that has older
		// versions behind it.
		e := r.Expiration
		if e == nil || !obj.OnlyVersion {
			return Action{}, false
		}
		a := Action{Type: ActionDeleteExpiredMarker, RuleID: r.ID}
		switch {
		case e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker:
			a.Due = obj.ModTime
		case e.Days > 0:
			// "When you specify the Days tag, Amazon S3 automatically
			// performs ExpiredObjectDeleteMarker cleanup when the delete
			// markers are old enough to satisfy the age criteria."
			a.Due = afterDays(obj.ModTime, e.Days, day)
		default:
			return Action{}, false
		}
		return a, true
	default:
		e := r.Expiration
		if e == nil {
			return Action{}, false
		}
		a := Action{Type: ActionDeleteObject, RuleID: r.ID}
		if obj.Versioned {
			a.Type = ActionAddDeleteMarker
		}
		switch {
		case e.Days > 0:
			a.Due = afterDays(obj.ModTime, e.Days, day)
		case e.Date != nil:
			a.Due = *e.Date
		default:
			return Action{}, false
		}
		return a, true
	}
}

// prefix is the key prefix the rule selects ("" for every key).
func (r *Rule) prefix() string {
	switch {
	case r.Prefix != nil:
		return *r.Prefix
	case r.Filter == nil:
		return ""
	case r.Filter.Prefix != nil:
		return *r.Filter.Prefix
	case r.Filter.And != nil && r.Filter.And.Prefix != nil:
		return *r.Filter.And.Prefix
	}
	return ""
}

// matches reports whether the rule's filter selects the version: its key
// starts with the prefix, it carries every tag (key and value), and its
// size is strictly within the bounds. A delete marker has no tags and size
// 0.
func (r *Rule) matches(obj Object) bool {
	if !strings.HasPrefix(obj.Key, r.prefix()) {
		return false
	}
	f := r.Filter
	if f == nil {
		return true
	}
	if f.Tag != nil && !hasTag(obj, *f.Tag) {
		return false
	}
	if !sizeWithin(obj.Size, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan) {
		return false
	}
	if a := f.And; a != nil {
		for _, t := range a.Tags {
			if !hasTag(obj, t) {
				return false
			}
		}
		if !sizeWithin(obj.Size, a.ObjectSizeGreaterThan, a.ObjectSizeLessThan) {
			return false
		}
	}
	return true
}

func hasTag(obj Object, t Tag) bool {
	if obj.DeleteMarker {
		return false
	}
	v, ok := obj.Tags[t.Key]
	return ok && v == t.Value
}

func sizeWithin(size int64, greater, less *int64) bool {
	return (greater == nil || size > *greater) && (less == nil || size < *less)
}

// Scope says which kinds of work a configuration's enabled rules call for,
// so that the lifecycle worker skips what no rule needs.
type Scope struct {
	// CurrentVersions: some rule expires current versions (Expiration
	// with Days or Date).
	CurrentVersions bool
	// NoncurrentVersions: some rule removes noncurrent versions.
	NoncurrentVersions bool
	// DeleteMarkers: some rule removes expired object delete markers
	// (ExpiredObjectDeleteMarker, or Expiration with Days).
	DeleteMarkers bool
	// Uploads: some rule aborts incomplete multipart uploads.
	Uploads bool
}

// Scope returns the kinds of work the enabled rules call for.
func (c *Configuration) Scope() Scope {
	var s Scope
	if c == nil {
		return s
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.Enabled {
			continue
		}
		if e := r.Expiration; e != nil {
			if e.Days > 0 || e.Date != nil {
				s.CurrentVersions = true
			}
			if e.Days > 0 || (e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker) {
				s.DeleteMarkers = true
			}
		}
		if r.NoncurrentVersionExpiration != nil {
			s.NoncurrentVersions = true
		}
		if r.AbortIncompleteMultipartUpload != nil {
			s.Uploads = true
		}
	}
	return s
}

// ExpirationHeader formats the x-amz-expiration header S3 answers with:
//
//	expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"
//
// S3 documents the rule ID as URL-encoded but sends spaces as they are;
// zones3 percent-encodes only what a quoted header value cannot carry
// (quotes, backslashes, control and non-ASCII bytes) and the percent sign.
func ExpirationHeader(at time.Time, ruleID string) string {
	return `expiry-date="` + at.UTC().Format(httpTimeFormat) + `", rule-id="` + HeaderRuleID(ruleID) + `"`
}

// httpTimeFormat is the HTTP-date of RFC 9110 (net/http.TimeFormat).
const httpTimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// HeaderRuleID is a rule ID as it may appear in a header value
// (x-amz-expiration, x-amz-abort-rule-id).
func HeaderRuleID(id string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func normalDay(day time.Duration) time.Duration {
	if day <= 0 {
		return Day
	}
	return day
}

// afterDays is t plus n lifecycle days, rounded up to the next day
// boundary: S3 "calculates the time by adding the number of days specified
// in the rule to the object creation time and rounding up the resulting
// time to the next day at midnight UTC". Day boundaries are the multiples
// of day since the Unix epoch, which for 24h are the midnights UTC. A time
// already on a boundary stays there.
func afterDays(t time.Time, n int, day time.Duration) time.Time {
	return boundary(ceilDay(t, day)+int64(n), day)
}

// ceilDay is the index of the first day boundary at or after t:
// ceil((t - epoch) / day).
func ceilDay(t time.Time, day time.Duration) int64 {
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	if day%time.Second == 0 {
		ds := int64(day / time.Second)
		q := sec / ds
		r := sec - q*ds
		if r < 0 { // floor for times before the epoch
			q--
			r += ds
		}
		if r > 0 || nsec > 0 {
			q++
		}
		return q
	}
	total := new(big.Int).Mul(big.NewInt(sec), big.NewInt(int64(time.Second)))
	total.Add(total, big.NewInt(nsec))
	d := big.NewInt(int64(day))
	q, m := new(big.Int).DivMod(total, d, new(big.Int)) // Euclidean: m >= 0
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// boundary is the time of day boundary n: epoch + n*day.
func boundary(n int64, day time.Duration) time.Time {
	if day%time.Second == 0 {
		ds := int64(day / time.Second)
		if n > -(1<<31) && n < 1<<31 && ds < 1<<31 {
			return time.Unix(n*ds, 0).UTC()
		}
	}
	total := new(big.Int).Mul(big.NewInt(n), big.NewInt(int64(day)))
	sec, nsec := new(big.Int).DivMod(total, big.NewInt(int64(time.Second)), new(big.Int))
	if !sec.IsInt64() {
		// Beyond what time.Time holds: as good as never.
		if sec.Sign() > 0 {
			return time.Unix(1<<62, 0).UTC()
		}
		return time.Unix(-(1 << 62), 0).UTC()
	}
	return time.Unix(sec.Int64(), nsec.Int64()).UTC()
}
