package lifecycle

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// acceptedDocs are documents Parse accepts, for the round trips and as
// fuzzing seeds.
var acceptedDocs = []string{
	evalConfig,
	config(`<Rule><ID>a</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
	config(`<Rule><Filter><And><Prefix>p&amp;q</Prefix><Tag><Key>k</Key><Value></Value></Tag><ObjectSizeLessThan>9</ObjectSizeLessThan></And></Filter>
		<Status>Disabled</Status><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration></Rule>`),
	config(`<Rule><ID>x` + "\t" + `y</ID><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Status>Enabled</Status>
		<Expiration><Date>2031-02-03</Date></Expiration></Rule>
		<Rule><ID>z</ID><Filter><Prefix> spaced </Prefix></Filter><Status>Enabled</Status>
		<Expiration><ExpiredObjectDeleteMarker>0</ExpiredObjectDeleteMarker></Expiration>
		<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`),
}

// checkRoundTrips checks that c survives XML (what GET answers) and the
// storage encoding unchanged.
func checkRoundTrips(t testing.TB, c *Configuration) {
	t.Helper()
	again, err := Parse(bytes.NewReader(c.XML()))
	if err != nil {
		t.Fatalf("parsing our own XML: %v\n%s", err, c.XML())
	}
	if !reflect.DeepEqual(again, c) {
		t.Fatalf("XML round trip:\n got %s\nwant %s\nxml %s", dump(again), dump(c), c.XML())
	}
	stored, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := Unmarshal(stored)
	if err != nil {
		t.Fatalf("Unmarshal(%s): %v", stored, err)
	}
	if !reflect.DeepEqual(loaded, c) {
		t.Fatalf("storage round trip:\n got %s\nwant %s", dump(loaded), dump(c))
	}
}

func TestRoundTrips(t *testing.T) {
	for _, doc := range acceptedDocs {
		checkRoundTrips(t, mustParse(t, doc))
	}
}

func TestXMLShape(t *testing.T) {
	c := mustParse(t, config(`<Rule><Status>Enabled</Status><Expiration><Date>2030-01-01</Date></Expiration><Filter/><ID>d</ID></Rule>
		<Rule><ID>o</ID><Filter><Tag><Key>k</Key></Tag></Filter><Status>Disabled</Status>
		<NoncurrentVersionExpiration><NewerNoncurrentVersions>3</NewerNoncurrentVersions><NoncurrentDays>4</NoncurrentDays></NoncurrentVersionExpiration>
		<Expiration><Days>5</Days></Expiration></Rule>`))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
		`<Rule><ID>d</ID><Filter></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>` +
		`<Rule><ID>o</ID><Filter><Tag><Key>k</Key><Value></Value></Tag></Filter><Status>Disabled</Status><Expiration><Days>5</Days></Expiration>` +
		`<NoncurrentVersionExpiration><NoncurrentDays>4</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>` +
		`</LifecycleConfiguration>`
	if got := string(c.XML()); got != want {
		t.Fatalf("XML:\n got %s\nwant %s", got, want)
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	tests := []struct{ name, data string }{
		{"not JSON", "<x>"},
		{"another version", `{"v":2,"rules":[{"id":"a","enabled":true,"filter":{},"expiration":{"days":1}}]}`},
		{"no version", `{"rules":[{"id":"a","enabled":true,"filter":{},"expiration":{"days":1}}]}`},
		{"no rules", `{"v":1,"rules":[]}`},
		{"a rule without an ID", `{"v":1,"rules":[{"enabled":true,"filter":{},"expiration":{"days":1}}]}`},
		{"a rule without a filter", `{"v":1,"rules":[{"id":"a","enabled":true,"expiration":{"days":1}}]}`},
		{"a rule without an action", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{}}]}`},
		{"negative days", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{},"expiration":{"days":-1}}]}`},
		{"two expiration choices", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{},"expiration":{"days":1,"expiredObjectDeleteMarker":true}}]}`},
		{"a date not at midnight", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{},"expiration":{"date":"2030-01-01T01:00:00Z"}}]}`},
		{"two predicates", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{"prefix":"a","sizeLessThan":3},"expiration":{"days":1}}]}`},
		{"an And of one predicate", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{"and":{"prefix":"a"}},"expiration":{"days":1}}]}`},
		{"noncurrent days 0", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{},"noncurrentVersionExpiration":{"noncurrentDays":0}}]}`},
		{"abort days 0", `{"v":1,"rules":[{"id":"a","enabled":true,"filter":{},"abortIncompleteMultipartUpload":{"daysAfterInitiation":0}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := Unmarshal([]byte(tt.data)); err == nil {
				t.Fatalf("accepted: %s", dump(c))
			}
		})
	}
}

// failingReader fails after its data, as a client that drops the
// connection does.
type failingReader struct{ data string }

var errDropped = errors.New("connection dropped")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, errDropped
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestParseReadError(t *testing.T) {
	_, err := Parse(&failingReader{data: evalConfig[:40]})
	var e *Error
	if !errors.Is(err, errDropped) || errors.As(err, &e) {
		t.Fatalf("error %v: want the reader's error, wrapped, not an S3 error", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, doc := range acceptedDocs {
		f.Add([]byte(doc))
	}
	f.Add([]byte(config(`<Rule><ID>r</ID><Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)))
	f.Add([]byte(config(`<Rule><ID>a</ID><Prefix></Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule><Rule><ID>b</ID><Prefix>a</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)))
	f.Add([]byte(config(`<Rule><ID>r</ID><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.Code == "" || e.Message == "" {
				t.Fatalf("error %v: want an S3 error", err)
			}
			return
		}
		for _, r := range c.Rules {
			if r.ID == "" {
				t.Fatal("a rule without an ID")
			}
		}
		checkRoundTrips(t, c)
		// Evaluation of any configuration on any object stays calm.
		obj := Object{Key: strings.Repeat("a", len(data)%5), Size: int64(len(data)), IsLatest: len(data)%2 == 0,
			DeleteMarker: len(data)%3 == 0, OnlyVersion: true, Versioned: true}
		c.Evaluate(obj, obj.ModTime.Add(Day*400), Day)
		c.Expiry(obj, 7)
		c.EvaluateUpload(Upload{Key: obj.Key}, obj.ModTime, 1500)
		c.Scope()
	})
}
