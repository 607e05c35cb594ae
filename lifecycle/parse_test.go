package lifecycle

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func parseString(t *testing.T, doc string) (*Configuration, error) {
	t.Helper()
	return Parse(strings.NewReader(doc))
}

func mustParse(t *testing.T, doc string) *Configuration {
	t.Helper()
	c, err := parseString(t, doc)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return c
}

func config(rules string) string {
	return `<LifecycleConfiguration>` + rules + `</LifecycleConfiguration>`
}

// TestParseAccepts parses the configurations of S3's examples page (with
// transitions, which zones3 refuses, left out or turned into expirations)
// and other documents S3 accepts, and checks what was understood.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []Rule
	}{
		{
			name: "example 1: prefix filter with expiration",
			doc: config(`<Rule><ID>Transition and Expiration Rule</ID><Filter><Prefix>tax/</Prefix></Filter>
				<Status>Enabled</Status><Expiration><Days>3650</Days></Expiration></Rule>`),
			want: []Rule{{ID: "Transition and Expiration Rule", Enabled: true, Filter: &Filter{Prefix: ptr("tax/")},
				Expiration: &Expiration{Days: 3650}}},
		},
		{
			name: "example 1: And of a prefix and two tags, in S3's namespace",
			doc: `<?xml version="1.0" encoding="UTF-8"?>
				<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>r</ID>
				<Filter><And><Prefix>tax/</Prefix><Tag><Key>key1</Key><Value>value1</Value></Tag>
				<Tag><Key>key2</Key><Value>value2</Value></Tag></And></Filter>
				<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`,
			want: []Rule{{ID: "r", Enabled: true, Filter: &Filter{And: &And{Prefix: ptr("tax/"),
				Tags: []Tag{{"key1", "value1"}, {"key2", "value2"}}}}, Expiration: &Expiration{Days: 1}}},
		},
		{
			name: "example 1: And of two tags only",
			doc: config(`<Rule><ID>r</ID><Filter><And><Tag><Key>key1</Key><Value>value1</Value></Tag>
				<Tag><Key>key2</Key><Value>value2</Value></Tag></And></Filter><Status>Enabled</Status>
				<Expiration><Days>7</Days></Expiration></Rule>`),
			want: []Rule{{ID: "r", Enabled: true, Filter: &Filter{And: &And{Tags: []Tag{{"key1", "value1"}, {"key2", "value2"}}}},
				Expiration: &Expiration{Days: 7}}},
		},
		{
			name: "example 2: an enabled rule and a disabled older-form rule",
			doc: config(`<Rule><ID>Rule1</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
				<Rule><ID>Rule2</ID><Prefix>documents/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
			want: []Rule{
				{ID: "Rule1", Enabled: true, Prefix: ptr("logs/"), Expiration: &Expiration{Days: 1}},
				{ID: "Rule2", Enabled: false, Prefix: ptr("documents/"), Expiration: &Expiration{Days: 1}},
			},
		},
		{
			name: "example 5: an empty filter beside a prefix filter (overlap accepted)",
			doc: config(`<Rule><ID>Rule 1</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>365</Days></Expiration></Rule>
				<Rule><ID>Rule 2</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>`),
			want: []Rule{
				{ID: "Rule 1", Enabled: true, Filter: &Filter{}, Expiration: &Expiration{Days: 365}},
				{ID: "Rule 2", Enabled: true, Filter: &Filter{Prefix: ptr("logs/")}, Expiration: &Expiration{Days: 30}},
			},
		},
		{
			name: "example 5: tag filters",
			doc: config(`<Rule><ID>Rule 2</ID><Filter><Tag><Key>tag2</Key><Value>value2</Value></Tag></Filter>
				<Status>Enabled</Status><Expiration><Days>14</Days></Expiration></Rule>`),
			want: []Rule{{ID: "Rule 2", Enabled: true, Filter: &Filter{Tag: &Tag{"tag2", "value2"}}, Expiration: &Expiration{Days: 14}}},
		},
		{
			name: "example 6: noncurrent versions kept and expired",
			doc: config(`<Rule><ID>sample-rule</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>
				<NoncurrentVersionExpiration><NewerNoncurrentVersions>5</NewerNoncurrentVersions>
				<NoncurrentDays>365</NoncurrentDays></NoncurrentVersionExpiration></Rule>`),
			want: []Rule{{ID: "sample-rule", Enabled: true, Filter: &Filter{Prefix: ptr("")},
				NoncurrentVersionExpiration: &NoncurrentVersionExpiration{NoncurrentDays: 365, NewerNoncurrentVersions: 5}}},
		},
		{
			name: "example 7: expired object delete markers and noncurrent versions",
			doc: config(`<Rule><ID>Rule 1</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>
				<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>
				<NoncurrentVersionExpiration><NewerNoncurrentVersions>10</NewerNoncurrentVersions><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration></Rule>`),
			want: []Rule{{ID: "Rule 1", Enabled: true, Filter: &Filter{Prefix: ptr("logs/")},
				Expiration:                  &Expiration{ExpiredObjectDeleteMarker: ptr(true)},
				NoncurrentVersionExpiration: &NoncurrentVersionExpiration{NoncurrentDays: 30, NewerNoncurrentVersions: 10}}},
		},
		{
			name: "example 7: Days with noncurrent expiration",
			doc: config(`<Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>60</Days></Expiration>
				<NoncurrentVersionExpiration><NewerNoncurrentVersions>10</NewerNoncurrentVersions><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration></Rule>`),
			want: []Rule{{ID: "r", Enabled: true, Filter: &Filter{}, Expiration: &Expiration{Days: 60},
				NoncurrentVersionExpiration: &NoncurrentVersionExpiration{NoncurrentDays: 30, NewerNoncurrentVersions: 10}}},
		},
		{
			name: "example 8: abort incomplete multipart uploads",
			doc: config(`<Rule><ID>sample-rule</ID><Filter><Prefix>SomeKeyPrefix/</Prefix></Filter><Status>Enabled</Status>
				<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`),
			want: []Rule{{ID: "sample-rule", Enabled: true, Filter: &Filter{Prefix: ptr("SomeKeyPrefix/")},
				AbortIncompleteMultipartUpload: &AbortIncompleteMultipartUpload{DaysAfterInitiation: 7}}},
		},
		{
			name: "example 9: prefix and size",
			doc: config(`<Rule><ID>Transition with a prefix and based on size</ID><Filter><And><Prefix>tax/</Prefix>
				<ObjectSizeGreaterThan>500</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>
				<Expiration><Days>365</Days></Expiration></Rule>`),
			want: []Rule{{ID: "Transition with a prefix and based on size", Enabled: true,
				Filter:     &Filter{And: &And{Prefix: ptr("tax/"), ObjectSizeGreaterThan: ptr[int64](500)}},
				Expiration: &Expiration{Days: 365}}},
		},
		{
			name: "example 9: a size range",
			doc: config(`<Rule><ID>r</ID><Filter><And><ObjectSizeGreaterThan>500</ObjectSizeGreaterThan>
				<ObjectSizeLessThan>64000</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>
				<Expiration><Days>1</Days></Expiration></Rule>`),
			want: []Rule{{ID: "r", Enabled: true,
				Filter:     &Filter{And: &And{ObjectSizeGreaterThan: ptr[int64](500), ObjectSizeLessThan: ptr[int64](64000)}},
				Expiration: &Expiration{Days: 1}}},
		},
		{
			name: "user guide: noncurrent versions without data, delete markers included",
			doc: config(`<Rule><ID>r</ID><Filter><ObjectSizeLessThan>1</ObjectSizeLessThan></Filter><Status>Enabled</Status>
				<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`),
			want: []Rule{{ID: "r", Enabled: true, Filter: &Filter{ObjectSizeLessThan: ptr[int64](1)},
				NoncurrentVersionExpiration: &NoncurrentVersionExpiration{NoncurrentDays: 1}}},
		},
		{
			name: "a date as botocore writes it, elements in another order",
			doc: config(`<Rule><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration>
				<Filter><Prefix>a</Prefix></Filter><ID>d</ID></Rule>`),
			want: []Rule{{ID: "d", Enabled: true, Filter: &Filter{Prefix: ptr("a")},
				Expiration: &Expiration{Date: ptr(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}}},
		},
		{
			name: "a bare date, a date with milliseconds, and a midnight in another zone",
			doc: config(`<Rule><ID>a</ID><Filter><Prefix>a</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01</Date></Expiration></Rule>
				<Rule><ID>b</ID><Filter><Prefix>b</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2030-01-02T00:00:00.000Z</Date></Expiration></Rule>
				<Rule><ID>c</ID><Filter><Prefix>c</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2030-01-02T02:00:00+02:00</Date></Expiration></Rule>`),
			want: []Rule{
				{ID: "a", Enabled: true, Filter: &Filter{Prefix: ptr("a")}, Expiration: &Expiration{Date: ptr(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}},
				{ID: "b", Enabled: true, Filter: &Filter{Prefix: ptr("b")}, Expiration: &Expiration{Date: ptr(time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC))}},
				{ID: "c", Enabled: true, Filter: &Filter{Prefix: ptr("c")}, Expiration: &Expiration{Date: ptr(time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC))}},
			},
		},
		{
			name: "ExpiredObjectDeleteMarker false, a tag without a value, white space around numbers",
			doc: config(`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration></Rule>
				<Rule><ID>b</ID><Filter><Tag><Key>k</Key></Tag></Filter><Status>Enabled</Status><Expiration><Days> 2 </Days></Expiration></Rule>`),
			want: []Rule{
				{ID: "a", Enabled: true, Filter: &Filter{}, Expiration: &Expiration{ExpiredObjectDeleteMarker: ptr(false)}},
				{ID: "b", Enabled: true, Filter: &Filter{Tag: &Tag{Key: "k"}}, Expiration: &Expiration{Days: 2}},
			},
		},
		{
			name: "an And of an empty prefix and one tag",
			doc: config(`<Rule><ID>a</ID><Filter><And><Prefix></Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>
				<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
			want: []Rule{{ID: "a", Enabled: true, Filter: &Filter{And: &And{Prefix: ptr(""), Tags: []Tag{{"k", "v"}}}}, Expiration: &Expiration{Days: 1}}},
		},
		{
			name: "older-form prefixes that do not overlap, and one action kind each",
			doc: config(`<Rule><ID>a</ID><Prefix>a/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
				<Rule><ID>b</ID><Prefix>b/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
				<Rule><ID>c</ID><Prefix>a/x</Prefix><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`),
			want: []Rule{
				{ID: "a", Enabled: true, Prefix: ptr("a/"), Expiration: &Expiration{Days: 1}},
				{ID: "b", Enabled: true, Prefix: ptr("b/"), Expiration: &Expiration{Days: 1}},
				{ID: "c", Enabled: true, Prefix: ptr("a/x"), AbortIncompleteMultipartUpload: &AbortIncompleteMultipartUpload{DaysAfterInitiation: 1}},
			},
		},
		{
			name: "special characters in IDs and prefixes, an ID of 255 characters",
			doc: config(`<Rule><ID>` + strings.Repeat("é", 255) + `</ID><Filter><Prefix>a&amp;b&lt;c&#13;d</Prefix></Filter>
				<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
			want: []Rule{{ID: strings.Repeat("é", 255), Enabled: true, Filter: &Filter{Prefix: ptr("a&b<c\rd")}, Expiration: &Expiration{Days: 1}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.doc)
			if !reflect.DeepEqual(c.Rules, tt.want) {
				t.Fatalf("rules:\n got %s\nwant %s", dump(c.Rules), dump(tt.want))
			}
		})
	}
}

func TestParseAcceptsMaxRules(t *testing.T) {
	var b strings.Builder
	for i := range MaxRules {
		b.WriteString(`<Rule><Filter><Prefix>p` + strings.Repeat("x", i%7) + `</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	}
	c := mustParse(t, config(b.String()))
	if len(c.Rules) != MaxRules {
		t.Fatalf("%d rules, want %d", len(c.Rules), MaxRules)
	}
	seen := map[string]bool{}
	for _, r := range c.Rules {
		if len(r.ID) != 48 || seen[r.ID] {
			t.Fatalf("generated ID %q: want 48 characters, unique", r.ID)
		}
		seen[r.ID] = true
	}
	_, err := parseString(t, config(b.String()+`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`))
	wantError(t, err, CodeInvalidRequest, "The number of lifecycle rules must not exceed the allowed limit of 1000 rules.")
}

func TestParseAssignsStableIDs(t *testing.T) {
	doc := config(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
		<Rule><ID></ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
		<Rule><ID>given</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	a, b := mustParse(t, doc), mustParse(t, doc)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two parses of one document differ:\n%s\n%s", dump(a), dump(b))
	}
	if a.Rules[0].ID == a.Rules[1].ID || a.Rules[0].ID == "" || a.Rules[2].ID != "given" {
		t.Fatalf("IDs %q %q %q: want two distinct generated IDs and the given one", a.Rules[0].ID, a.Rules[1].ID, a.Rules[2].ID)
	}
	// S3's IDs are base64 of a UUID: so are these.
	raw, err := decodeBase64(a.Rules[0].ID)
	if err != nil || len(raw) != 36 || raw[8] != '-' || raw[14] != '4' {
		t.Fatalf("ID %q decodes to %q (%v): want a version 4 UUID", a.Rules[0].ID, raw, err)
	}
}

func wantError(t *testing.T, err error, code, message string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v: want *Error %s", err, code)
	}
	if e.Code != code || e.Status != 400 {
		t.Fatalf("error %s (%d) %q: want %s (400)", e.Code, e.Status, e.Message, code)
	}
	if message != "" && e.Message != message {
		t.Fatalf("message %q: want %q", e.Message, message)
	}
}

// TestParseRefuses checks each refusal's code and message against S3's.
func TestParseRefuses(t *testing.T) {
	const exp = `<Expiration><Days>1</Days></Expiration>`
	rule := func(inner string) string { return config(`<Rule><ID>r</ID>` + inner + `</Rule>`) }
	filtered := func(filter, actions string) string {
		return rule(`<Filter>` + filter + `</Filter><Status>Enabled</Status>` + actions)
	}
	tests := []struct {
		name, doc, code, message string
	}{
		{"not XML", "<LifecycleConfiguration><Rule>", CodeMalformedXML, malformedMessage},
		{"empty body", "", CodeMalformedXML, ""},
		{"another root", `<Lifecycle><Rule/></Lifecycle>`, CodeMalformedXML, ""},
		{"two roots", config("") + config(""), CodeMalformedXML, ""},
		{"a DOCTYPE", `<!DOCTYPE x [<!ENTITY a "b">]>` + config(""), CodeMalformedXML, ""},
		{"no rules", config(""), CodeInvalidRequest, "At least one lifecycle rule must be specified."},
		{"an unknown element in the configuration", config(`<Foo/>`), CodeMalformedXML, ""},
		{"an unknown element in a rule", filtered("", exp+`<Foo>1</Foo>`), CodeMalformedXML, ""},
		{"text in a rule", rule(`x<Filter/><Status>Enabled</Status>` + exp), CodeMalformedXML, ""},
		{"no status", rule(`<Filter/>` + exp), CodeMalformedXML, ""},
		{"status in lower case", rule(`<Filter/><Status>enabled</Status>` + exp), CodeMalformedXML, ""},
		{"status with white space", rule(`<Filter/><Status> Enabled</Status>` + exp), CodeMalformedXML, ""},
		{"two statuses", rule(`<Filter/><Status>Enabled</Status><Status>Enabled</Status>` + exp), CodeMalformedXML, ""},
		{"two IDs", rule(`<ID>s</ID><Filter/><Status>Enabled</Status>` + exp), CodeMalformedXML, ""},
		{"neither filter nor prefix", rule(`<Status>Enabled</Status>` + exp), CodeMalformedXML, ""},
		{"both filter and prefix", rule(`<Prefix>a</Prefix><Filter/><Status>Enabled</Status>` + exp), CodeMalformedXML, ""},
		{"an ID of 256 characters", config(`<Rule><ID>` + strings.Repeat("a", 256) + `</ID><Filter/><Status>Enabled</Status>` + exp + `</Rule>`),
			CodeInvalidArgument, "ID length should not exceed allowed limit of 255"},
		{"the same ID twice", config(`<Rule><ID>a</ID><Filter/><Status>Enabled</Status>` + exp + `</Rule><Rule><ID>a</ID><Filter/><Status>Disabled</Status>` + exp + `</Rule>`),
			CodeInvalidArgument, "Rule ID must be unique. Found same ID for more than one rule"},
		{"no action", filtered("", ""), CodeInvalidRequest, "At least one action needs to be specified in a rule"},
		{"two predicates in a filter", filtered(`<Prefix>a</Prefix><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan>`, exp), CodeMalformedXML, ""},
		{"a prefix beside an And", filtered(`<Prefix>a</Prefix><And><Prefix>a</Prefix><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></And>`, exp), CodeMalformedXML, ""},
		{"an And of one prefix", filtered(`<And><Prefix>a</Prefix></And>`, exp), CodeMalformedXML, ""},
		{"an And of one tag", filtered(`<And><Tag><Key>k</Key><Value>v</Value></Tag></And>`, exp), CodeMalformedXML, ""},
		{"an And with two prefixes", filtered(`<And><Prefix>a</Prefix><Prefix>b</Prefix></And>`, exp), CodeMalformedXML, ""},
		{"a tag without a key", filtered(`<Tag><Value>v</Value></Tag>`, exp), CodeMalformedXML, ""},
		{"a tag with an empty key", filtered(`<Tag><Key></Key><Value>v</Value></Tag>`, exp), CodeInvalidTag, "The TagKey you have provided is invalid"},
		{"a tag key of 129 characters", filtered(`<Tag><Key>`+strings.Repeat("k", 129)+`</Key><Value>v</Value></Tag>`, exp), CodeInvalidTag, "The TagKey you have provided is invalid"},
		{"a tag value of 257 characters", filtered(`<Tag><Key>k</Key><Value>`+strings.Repeat("v", 257)+`</Value></Tag>`, exp), CodeInvalidTag, "The TagValue you have provided is invalid"},
		{"duplicate tag keys in an And", filtered(`<And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And>`, exp),
			CodeInvalidRequest, "Duplicate Tag Keys are not allowed."},
		{"ObjectSizeLessThan 0", filtered(`<ObjectSizeLessThan>0</ObjectSizeLessThan>`, exp), CodeInvalidRequest, "'ObjectSizeLessThan' should be between 1 and 1099511627776000."},
		{"ObjectSizeGreaterThan negative", filtered(`<ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan>`, exp), CodeInvalidRequest, "'ObjectSizeGreaterThan' should be between 0 and 1099511627776000."},
		{"ObjectSizeGreaterThan beyond int64", filtered(`<ObjectSizeGreaterThan>99999999999999999999</ObjectSizeGreaterThan>`, exp), CodeInvalidRequest, "'ObjectSizeGreaterThan' should be between 0 and 1099511627776000."},
		{"a size that is not a number", filtered(`<ObjectSizeGreaterThan>ten</ObjectSizeGreaterThan>`, exp), CodeMalformedXML, ""},
		{"sizes equal", filtered(`<And><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And>`, exp),
			CodeInvalidRequest, "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."},
		{"sizes decreasing", filtered(`<And><ObjectSizeGreaterThan>6</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And>`, exp),
			CodeInvalidRequest, "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."},
		{"expiration after 0 days", filtered("", `<Expiration><Days>0</Days></Expiration>`), CodeInvalidArgument, "'Days' for Expiration action must be a positive integer"},
		{"expiration after -1 days", filtered("", `<Expiration><Days>-1</Days></Expiration>`), CodeInvalidArgument, "'Days' for Expiration action must be a positive integer"},
		{"expiration after 2^31 days", filtered("", `<Expiration><Days>2147483648</Days></Expiration>`), CodeInvalidArgument, "'Days' for Expiration action must be a positive integer"},
		{"days that are not a number", filtered("", `<Expiration><Days>1.5</Days></Expiration>`), CodeMalformedXML, ""},
		{"an empty expiration", filtered("", `<Expiration></Expiration>`), CodeMalformedXML, ""},
		{"days and date", filtered("", `<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>`), CodeMalformedXML, ""},
		{"ExpiredObjectDeleteMarker with days", filtered("", `<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`), CodeMalformedXML, ""},
		{"ExpiredObjectDeleteMarker not a boolean", filtered("", `<Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>`), CodeMalformedXML, ""},
		{"a date not at midnight", filtered("", `<Expiration><Date>2030-01-01T01:00:00Z</Date></Expiration>`), CodeInvalidArgument, "'Date' must be at midnight GMT"},
		{"a local midnight that is not UTC midnight", filtered("", `<Expiration><Date>2030-01-01T00:00:00+01:00</Date></Expiration>`), CodeInvalidArgument, "'Date' must be at midnight GMT"},
		{"a date in HTTP form", filtered("", `<Expiration><Date>Fri, 01 Jan 2016 00:00:00 GMT</Date></Expiration>`), CodeMalformedXML, ""},
		{"ExpiredObjectDeleteMarker with a tag filter", filtered(`<Tag><Key>k</Key><Value>v</Value></Tag>`, `<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`),
			CodeInvalidRequest, "ExpiredObjectDeleteMarker cannot be specified with Tags."},
		{"ExpiredObjectDeleteMarker false with a size filter", filtered(`<ObjectSizeGreaterThan>1</ObjectSizeGreaterThan>`, `<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>`),
			CodeInvalidRequest, "ExpiredObjectDeleteMarker cannot be specified with Object Size."},
		{"an empty noncurrent expiration", filtered("", `<NoncurrentVersionExpiration></NoncurrentVersionExpiration>`), CodeMalformedXML, ""},
		{"NewerNoncurrentVersions without NoncurrentDays", filtered("", `<NoncurrentVersionExpiration><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration>`), CodeMalformedXML, ""},
		{"NoncurrentDays 0", filtered("", `<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>`),
			CodeInvalidArgument, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"NewerNoncurrentVersions 0", filtered("", `<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>`),
			CodeInvalidArgument, "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100"},
		{"NewerNoncurrentVersions 101", filtered("", `<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>`),
			CodeInvalidArgument, "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100"},
		{"NewerNoncurrentVersions in the older form", rule(`<Prefix>a</Prefix><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>`),
			CodeInvalidRequest, "NewerNoncurrentVersions element can only be used in Lifecycle V2."},
		{"DaysAfterInitiation 0", filtered("", `<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>`),
			CodeInvalidArgument, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
		{"AbortIncompleteMultipartUpload without days", filtered("", `<AbortIncompleteMultipartUpload></AbortIncompleteMultipartUpload>`), CodeMalformedXML, ""},
		{"AbortIncompleteMultipartUpload with a tag filter", filtered(`<And><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And>`, `<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>`),
			CodeInvalidRequest, "AbortIncompleteMultipartUpload cannot be specified with Tags."},
		{"AbortIncompleteMultipartUpload with a size filter", filtered(`<ObjectSizeLessThan>10</ObjectSizeLessThan>`, `<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>`),
			CodeInvalidRequest, "AbortIncompleteMultipartUpload cannot be specified with Object Size."},
		{"a transition", filtered("", `<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>`+exp),
			CodeInvalidStorageClass, "zones3 has a single storage class (STANDARD): Transition actions are not supported"},
		{"a noncurrent version transition", filtered("", `<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>`),
			CodeInvalidStorageClass, "zones3 has a single storage class (STANDARD): NoncurrentVersionTransition actions are not supported"},
		{"a filter rule after an older-form rule", config(`<Rule><ID>a</ID><Prefix>a</Prefix><Status>Enabled</Status>` + exp + `</Rule><Rule><ID>b</ID><Filter/><Status>Enabled</Status>` + exp + `</Rule>`),
			CodeInvalidRequest, "Filter element can only be used in Lifecycle V2."},
		{"an older-form rule after a filter rule", config(`<Rule><ID>a</ID><Filter/><Status>Enabled</Status>` + exp + `</Rule><Rule><ID>b</ID><Prefix>a</Prefix><Status>Enabled</Status>` + exp + `</Rule>`),
			CodeInvalidRequest, "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter."},
		{"overlapping older-form prefixes", config(`<Rule><ID>a</ID><Prefix></Prefix><Status>Enabled</Status>` + exp + `</Rule><Rule><ID>b</ID><Prefix>a</Prefix><Status>Disabled</Status>` + exp + `</Rule>`),
			CodeInvalidRequest, "Found overlapping prefixes '' and 'a' for same action type 'Expiration'"},
		{"a document over the size limit", config(`<Rule><ID>` + strings.Repeat(" ", MaxDocumentSize) + `</ID></Rule>`), CodeMaxMessageLength, "Your request was too big."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseString(t, tt.doc)
			if err == nil {
				t.Fatalf("accepted: %s", dump(c))
			}
			wantError(t, err, tt.code, tt.message)
		})
	}
}
