package lifecycle

import (
	"strings"
	"testing"
	"time"
)

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func epochPlus(d time.Duration) time.Time { return time.Unix(0, 0).UTC().Add(d) }

func TestAfterDays(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		n    int
		day  time.Duration
		want time.Time
	}{
		// The user guide's examples.
		{"created 1/15/2014 10:30, 3 days", utc(2014, 1, 15, 10, 30), 3, Day, utc(2014, 1, 19, 0, 0)},
		{"noncurrent since 1/2/2014 11:30, 5 days", utc(2014, 1, 2, 11, 30), 5, Day, utc(2014, 1, 8, 0, 0)},
		{"created 00:05 on January 2, 1 day", utc(2024, 1, 2, 0, 5), 1, Day, utc(2024, 1, 4, 0, 0)},
		{"on a boundary already", utc(2014, 1, 15, 0, 0), 1, Day, utc(2014, 1, 16, 0, 0)},
		{"one nanosecond past a boundary", utc(2014, 1, 15, 0, 0).Add(time.Nanosecond), 1, Day, utc(2014, 1, 17, 0, 0)},
		{"a day of 10 s", epochPlus(105 * time.Second), 1, 10 * time.Second, epochPlus(120 * time.Second)},
		{"a day of 10 s, on a boundary", epochPlus(100 * time.Second), 3, 10 * time.Second, epochPlus(130 * time.Second)},
		{"a day of 1.5 s", epochPlus(2 * time.Second), 1, 1500 * time.Millisecond, epochPlus(4500 * time.Millisecond)},
		{"a day of 1.5 s, on a boundary", epochPlus(3 * time.Second), 2, 1500 * time.Millisecond, epochPlus(6 * time.Second)},
		{"before the epoch", epochPlus(-5 * time.Second), 0, 10 * time.Second, epochPlus(0)},
		{"before the epoch, a day of 1.5 s", epochPlus(-2 * time.Second), 1, 1500 * time.Millisecond, epochPlus(0)},
		{"a day that is not positive counts as 24h", utc(2014, 1, 15, 10, 30), 3, normalDay(0), utc(2014, 1, 19, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := afterDays(tt.t, tt.n, tt.day); !got.Equal(tt.want) {
				t.Fatalf("afterDays(%v, %d, %v) = %v, want %v", tt.t, tt.n, tt.day, got, tt.want)
			}
		})
	}
	// The largest day count S3 takes does not overflow.
	far := afterDays(utc(2020, 1, 1, 0, 0), 1<<31-1, Day)
	if far.Year() < 5_000_000 {
		t.Fatalf("2^31-1 days after 2020: %v", far)
	}
	odd := afterDays(utc(2020, 1, 1, 0, 0), 1<<31-1, 1500*time.Millisecond)
	if !odd.After(utc(2100, 1, 1, 0, 0)) {
		t.Fatalf("2^31-1 days of 1.5 s after 2020: %v", odd)
	}
}

// evalConfig is the configuration the evaluation tests share.
const evalConfig = `<LifecycleConfiguration>
<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>
<Rule><ID>tmp-date</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>
<Rule><ID>tagged</ID><Filter><Tag><Key>class</Key><Value>scratch</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
<Rule><ID>big</ID><Filter><And><Prefix>big/</Prefix><ObjectSizeGreaterThan>1000</ObjectSizeGreaterThan><ObjectSizeLessThan>5000</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>
<Rule><ID>noncurrent</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>
<Rule><ID>markers</ID><Filter><Prefix>markers/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>
<Rule><ID>uploads</ID><Filter><Prefix>up/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>
<Rule><ID>disabled</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>
<Rule><ID>logs-x</ID><Filter><Prefix>logs/x</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
<Rule><ID>logs-x-again</ID><Filter><Prefix>logs/x</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
</LifecycleConfiguration>`

func TestEvaluate(t *testing.T) {
	c := mustParse(t, evalConfig)
	created := utc(2014, 1, 15, 10, 30)
	current := func(key string) Object { return Object{Key: key, Size: 10, ModTime: created, IsLatest: true} }
	with := func(o Object, f func(*Object)) Object { f(&o); return o }
	noncurrent := func(newer int) Object {
		return Object{Key: "any", Size: 10, ModTime: utc(2013, 6, 1, 0, 0), Versioned: true,
			NoncurrentSince: utc(2014, 1, 2, 11, 30), NewerNoncurrent: newer}
	}
	tests := []struct {
		name string
		obj  Object
		now  time.Time
		day  time.Duration
		want ActionType
		rule string
		due  time.Time
	}{
		{"not yet due", current("logs/a"), utc(2014, 1, 18, 23, 59), Day, ActionNone, "", time.Time{}},
		{"due at the rounded day", current("logs/a"), utc(2014, 1, 19, 0, 0), Day, ActionDeleteObject, "logs", utc(2014, 1, 19, 0, 0)},
		{"long past due", current("logs/a"), utc(2020, 1, 1, 0, 0), Day, ActionDeleteObject, "logs", utc(2014, 1, 19, 0, 0)},
		{"versioned bucket: a delete marker", with(current("logs/a"), func(o *Object) { o.Versioned = true }), utc(2014, 1, 19, 0, 0), Day,
			ActionAddDeleteMarker, "logs", utc(2014, 1, 19, 0, 0)},
		{"overlapping rules: the earliest wins", current("logs/x1"), utc(2014, 1, 17, 0, 0), Day, ActionDeleteObject, "logs-x", utc(2014, 1, 17, 0, 0)},
		{"no rule matches, the disabled one is ignored", current("other/a"), utc(2030, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"a date in the past expires new objects", with(current("tmp/a"), func(o *Object) { o.ModTime = utc(2031, 5, 5, 5, 5) }),
			utc(2031, 5, 5, 5, 6), Day, ActionDeleteObject, "tmp-date", utc(2030, 1, 1, 0, 0)},
		{"before the date", current("tmp/a"), utc(2029, 12, 31, 23, 59), Day, ActionNone, "", time.Time{}},
		{"at the date", current("tmp/a"), utc(2030, 1, 1, 0, 0), Day, ActionDeleteObject, "tmp-date", utc(2030, 1, 1, 0, 0)},
		{"all tags of the filter, and more", with(current("t"), func(o *Object) { o.Tags = map[string]string{"class": "scratch", "x": "y"} }),
			utc(2014, 1, 17, 0, 0), Day, ActionDeleteObject, "tagged", utc(2014, 1, 17, 0, 0)},
		{"a tag value differs in case", with(current("t"), func(o *Object) { o.Tags = map[string]string{"class": "Scratch"} }),
			utc(2015, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"no tags", current("t"), utc(2015, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"size equal to the lower bound", with(current("big/a"), func(o *Object) { o.Size = 1000 }), utc(2015, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"size just above the lower bound", with(current("big/a"), func(o *Object) { o.Size = 1001 }), utc(2014, 1, 18, 0, 0), Day,
			ActionDeleteObject, "big", utc(2014, 1, 18, 0, 0)},
		{"size just below the upper bound", with(current("big/a"), func(o *Object) { o.Size = 4999 }), utc(2014, 1, 18, 0, 0), Day,
			ActionDeleteObject, "big", utc(2014, 1, 18, 0, 0)},
		{"size equal to the upper bound", with(current("big/a"), func(o *Object) { o.Size = 5000 }), utc(2015, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"size in range, prefix not", with(current("small/a"), func(o *Object) { o.Size = 2000 }), utc(2015, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"a noncurrent version with enough newer ones, old enough", noncurrent(2), utc(2014, 1, 8, 0, 0), Day,
			ActionDeleteVersion, "noncurrent", utc(2014, 1, 8, 0, 0)},
		{"a noncurrent version with enough newer ones, too young", noncurrent(5), utc(2014, 1, 7, 23, 59), Day, ActionNone, "", time.Time{}},
		{"a noncurrent version among the newest two, however old", noncurrent(1), utc(2030, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"a noncurrent delete marker", with(noncurrent(3), func(o *Object) { o.DeleteMarker = true; o.Size = 0 }), utc(2014, 1, 9, 0, 0), Day,
			ActionDeleteVersion, "noncurrent", utc(2014, 1, 8, 0, 0)},
		{"a noncurrent version under logs/ is not expired by Expiration", with(noncurrent(0), func(o *Object) { o.Key = "logs/a" }),
			utc(2030, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"an expired object delete marker", Object{Key: "markers/a", ModTime: created, IsLatest: true, DeleteMarker: true, Versioned: true, OnlyVersion: true},
			created, Day, ActionDeleteExpiredMarker, "markers", created},
		{"a delete marker with versions behind it", Object{Key: "markers/a", ModTime: created, IsLatest: true, DeleteMarker: true, Versioned: true},
			utc(2030, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"a lone delete marker under an Expiration with Days, young", Object{Key: "logs/a", ModTime: created, IsLatest: true, DeleteMarker: true, Versioned: true, OnlyVersion: true},
			utc(2014, 1, 18, 0, 0), Day, ActionNone, "", time.Time{}},
		{"a lone delete marker under an Expiration with Days, old enough", Object{Key: "logs/a", ModTime: created, IsLatest: true, DeleteMarker: true, Versioned: true, OnlyVersion: true},
			utc(2014, 1, 19, 0, 0), Day, ActionDeleteExpiredMarker, "logs", utc(2014, 1, 19, 0, 0)},
		{"a lone delete marker under a Date rule stays", Object{Key: "tmp/a", ModTime: created, IsLatest: true, DeleteMarker: true, Versioned: true, OnlyVersion: true},
			utc(2031, 1, 1, 0, 0), Day, ActionNone, "", time.Time{}},
		{"a day of 10 s, not yet", with(current("logs/a"), func(o *Object) { o.ModTime = epochPlus(1_000_000_005 * time.Second) }),
			epochPlus(1_000_000_039 * time.Second), 10 * time.Second, ActionNone, "", time.Time{}},
		{"a day of 10 s, due", with(current("logs/a"), func(o *Object) { o.ModTime = epochPlus(1_000_000_005 * time.Second) }),
			epochPlus(1_000_000_040 * time.Second), 10 * time.Second, ActionDeleteObject, "logs", epochPlus(1_000_000_040 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Evaluate(tt.obj, tt.now, tt.day)
			if got.Type != tt.want || got.RuleID != tt.rule || !got.Due.Equal(tt.due) {
				t.Fatalf("Evaluate = %v %q %v, want %v %q %v", got.Type, got.RuleID, got.Due, tt.want, tt.rule, tt.due)
			}
		})
	}
}

func TestEvaluateUpload(t *testing.T) {
	c := mustParse(t, evalConfig)
	initiated := utc(2014, 1, 15, 10, 30)
	tests := []struct {
		name string
		key  string
		now  time.Time
		want ActionType
		due  time.Time
	}{
		{"young", "up/a", utc(2014, 1, 22, 23, 59), ActionNone, time.Time{}},
		{"due", "up/a", utc(2014, 1, 23, 0, 0), ActionAbortUpload, utc(2014, 1, 23, 0, 0)},
		{"another prefix, the disabled rule ignored", "down/a", utc(2030, 1, 1, 0, 0), ActionNone, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.EvaluateUpload(Upload{Key: tt.key, Initiated: initiated}, tt.now, Day)
			if got.Type != tt.want || !got.Due.Equal(tt.due) || (tt.want != ActionNone && got.RuleID != "uploads") {
				t.Fatalf("EvaluateUpload = %+v, want %v at %v", got, tt.want, tt.due)
			}
		})
	}
	at, id, ok := c.AbortDate(Upload{Key: "up/b", Initiated: initiated}, Day)
	if !ok || id != "uploads" || !at.Equal(utc(2014, 1, 23, 0, 0)) {
		t.Fatalf("AbortDate = %v %q %v", at, id, ok)
	}
	if _, _, ok := c.AbortDate(Upload{Key: "logs/a", Initiated: initiated}, Day); ok {
		t.Fatal("AbortDate for a key no abort rule selects")
	}
}

func TestExpiry(t *testing.T) {
	c := mustParse(t, evalConfig)
	created := utc(2014, 1, 15, 10, 30)
	tests := []struct {
		name string
		obj  Object
		ok   bool
		at   time.Time
		rule string
	}{
		{"a current version", Object{Key: "logs/a", ModTime: created, IsLatest: true}, true, utc(2014, 1, 19, 0, 0), "logs"},
		{"two rules due together: the first listed", Object{Key: "logs/xy", ModTime: created, IsLatest: true}, true, utc(2014, 1, 17, 0, 0), "logs-x"},
		{"a date rule", Object{Key: "tmp/a", ModTime: created, IsLatest: true}, true, utc(2030, 1, 1, 0, 0), "tmp-date"},
		{"a noncurrent version", Object{Key: "logs/a", ModTime: created, NoncurrentSince: created, NewerNoncurrent: 9}, false, time.Time{}, ""},
		{"a delete marker", Object{Key: "logs/a", ModTime: created, IsLatest: true, DeleteMarker: true, OnlyVersion: true}, false, time.Time{}, ""},
		{"only an ExpiredObjectDeleteMarker rule", Object{Key: "markers/a", ModTime: created, IsLatest: true}, false, time.Time{}, ""},
		{"no rule", Object{Key: "other", ModTime: created, IsLatest: true}, false, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, rule, ok := c.Expiry(tt.obj, Day)
			if ok != tt.ok || !at.Equal(tt.at) || rule != tt.rule {
				t.Fatalf("Expiry = %v %q %v, want %v %q %v", at, rule, ok, tt.at, tt.rule, tt.ok)
			}
		})
	}
	var none *Configuration
	if _, _, ok := none.Expiry(Object{Key: "a", IsLatest: true}, Day); ok {
		t.Fatal("a nil configuration expires objects")
	}
	if a := none.Evaluate(Object{Key: "a", IsLatest: true}, time.Now(), Day); a.Type != ActionNone {
		t.Fatalf("a nil configuration: %+v", a)
	}
}

func TestExpirationHeader(t *testing.T) {
	tests := []struct {
		at   time.Time
		id   string
		want string
	}{
		{utc(2012, 12, 23, 0, 0), "picture-deletion-rule", `expiry-date="Sun, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"`},
		{time.Date(2012, 12, 21, 1, 0, 0, 0, time.FixedZone("x", 3600)), "Rule for testfile.txt", `expiry-date="Fri, 21 Dec 2012 00:00:00 GMT", rule-id="Rule for testfile.txt"`},
		{utc(2012, 12, 23, 0, 0), `a"b\c%d` + "\n" + "é", `expiry-date="Sun, 23 Dec 2012 00:00:00 GMT", rule-id="a%22b%5Cc%25d%0A%C3%A9"`},
	}
	for _, tt := range tests {
		if got := ExpirationHeader(tt.at, tt.id); got != tt.want {
			t.Errorf("ExpirationHeader(%v, %q) = %s, want %s", tt.at, tt.id, got, tt.want)
		}
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		rules string
		want  Scope
	}{
		{`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, Scope{CurrentVersions: true, DeleteMarkers: true}},
		{`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01</Date></Expiration></Rule>`, Scope{CurrentVersions: true}},
		{`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`, Scope{DeleteMarkers: true}},
		{`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration></Rule>`, Scope{}},
		{`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>
		  <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`, Scope{NoncurrentVersions: true, Uploads: true}},
		{`<Rule><ID>a</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`, Scope{}},
	}
	for _, tt := range tests {
		if got := mustParse(t, config(tt.rules)).Scope(); got != tt.want {
			t.Errorf("Scope of %s = %+v, want %+v", strings.Join(strings.Fields(tt.rules), " "), got, tt.want)
		}
	}
}

// version is one version of a key in the simulation below.
type version struct {
	created      time.Time
	deleteMarker bool
}

// simulate applies cfg to the versions of one key in a versioned bucket,
// once a day from start for days days, as the lifecycle worker would, and
// returns the versions left (newest first) at each day's end.
func simulate(cfg *Configuration, key string, start time.Time, versions []version, days int) [][]version {
	var history [][]version
	for d := range days {
		now := start.Add(time.Duration(d) * Day)
		var kept []version
		for i, v := range versions {
			obj := Object{Key: key, ModTime: v.created, IsLatest: i == 0, DeleteMarker: v.deleteMarker,
				Versioned: true, OnlyVersion: len(versions) == 1}
			if i > 0 {
				obj.NoncurrentSince = versions[i-1].created
				obj.NewerNoncurrent = i - 1
			}
			switch cfg.Evaluate(obj, now, Day).Type {
			case ActionAddDeleteMarker:
				kept = append([]version{{created: now, deleteMarker: true}}, kept...)
				kept = append(kept, v)
			case ActionDeleteVersion, ActionDeleteExpiredMarker:
			default:
				kept = append(kept, v)
			}
		}
		versions = kept
		history = append(history, versions)
	}
	return history
}

// dayOf is the first day of history at whose end pred holds, or -1.
func dayOf(history [][]version, pred func([]version) bool) int {
	for d, vs := range history {
		if pred(vs) {
			return d
		}
	}
	return -1
}

// TestExample7Timeline follows the user guide's example 7: current
// versions expire after 60 days (a delete marker is added), noncurrent
// ones 30 days later, "Thus ... all object versions are permanently
// removed 90 days after object creation", and the delete marker left alone
// goes once it is 60 days old.
func TestExample7Timeline(t *testing.T) {
	cfg := mustParse(t, config(`<Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>60</Days></Expiration>
		<NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration></Rule>`))
	start := utc(2024, 1, 1, 0, 0)
	history := simulate(cfg, "k", start, []version{{created: utc(2024, 1, 1, 9, 0)}}, 200)
	// Created on day 0 at 09:00: 60 days later rounds up to day 61.
	if d := dayOf(history, func(vs []version) bool { return len(vs) == 2 && vs[0].deleteMarker }); d != 61 {
		t.Fatalf("delete marker added on day %d, want 61", d)
	}
	// Noncurrent from day 61 00:00, on a boundary: 30 days later is day 91.
	if d := dayOf(history, func(vs []version) bool { return len(vs) == 1 && vs[0].deleteMarker }); d != 91 {
		t.Fatalf("the noncurrent version removed on day %d, want 91", d)
	}
	// The marker, created on day 61 00:00, is 60 days old on day 121.
	if d := dayOf(history, func(vs []version) bool { return len(vs) == 0 }); d != 121 {
		t.Fatalf("the expired delete marker removed on day %d, want 121", d)
	}
}

// TestNewerNoncurrentVersionsTimeline: with NewerNoncurrentVersions 10 a
// noncurrent version goes only when it is old enough and has 10 newer
// noncurrent versions: both values must be exceeded.
func TestNewerNoncurrentVersionsTimeline(t *testing.T) {
	cfg := mustParse(t, config(`<Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>60</Days></Expiration>
		<NoncurrentVersionExpiration><NewerNoncurrentVersions>10</NewerNoncurrentVersions><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration></Rule>`))
	start := utc(2024, 1, 1, 0, 0)
	// Twelve versions written an hour apart on day 0, the newest current.
	var versions []version
	for i := 11; i >= 0; i-- {
		versions = append(versions, version{created: utc(2024, 1, 1, 9, 0).Add(time.Duration(i) * time.Hour)})
	}
	history := simulate(cfg, "k", start, versions, 200)
	// Eleven noncurrent versions since day 0: on day 31 the oldest, which
	// alone has 10 newer noncurrent versions, goes.
	if d := dayOf(history, func(vs []version) bool { return len(vs) == 11 }); d != 31 {
		t.Fatalf("the 12th version removed on day %d, want 31", d)
	}
	// Day 61: a delete marker makes the current version noncurrent, so the
	// then oldest has 10 newer noncurrent versions; the next pass removes it.
	d := dayOf(history, func(vs []version) bool { return len(vs) > 0 && vs[0].deleteMarker })
	if d != 61 || len(history[61]) != 12 || len(history[62]) != 11 {
		t.Fatalf("delete marker on day %d; %d versions on day 61 and %d on day 62, want day 61, 12 and 11",
			d, len(history[61]), len(history[62]))
	}
	// Ten noncurrent versions are kept for good, and so the marker too.
	if got := len(history[len(history)-1]); got != 11 {
		t.Fatalf("%d versions at the end, want the marker and 10 noncurrent versions", got)
	}
}

// TestExpiredMarkerCleanup: with NoncurrentVersionExpiration alone the
// noncurrent versions go and leave an expired object delete marker, which
// an ExpiredObjectDeleteMarker rule removes on the next pass.
func TestExpiredMarkerCleanup(t *testing.T) {
	cfg := mustParse(t, config(`<Rule><ID>r</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>
		<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>
		<NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration></Rule>`))
	start := utc(2024, 1, 1, 0, 0)
	versions := []version{
		{created: utc(2024, 1, 1, 12, 0), deleteMarker: true},
		{created: utc(2023, 6, 1, 0, 0)},
	}
	history := simulate(cfg, "logs/a", start, versions, 40)
	// The old version became noncurrent 2024-01-01 12:00; due 2024-02-01.
	if got := len(history[30]); got != 2 {
		t.Fatalf("day 30: %d versions, want 2", got)
	}
	if got := len(history[31]); got != 1 || !history[31][0].deleteMarker {
		t.Fatalf("day 31: %v, want the delete marker alone", history[31])
	}
	if got := len(history[32]); got != 0 {
		t.Fatalf("day 32: %v, want nothing", history[32])
	}
}
