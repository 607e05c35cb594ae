package tagging

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func doc(tags ...Tag) string {
	var b strings.Builder
	b.WriteString("<Tagging><TagSet>")
	for _, t := range tags {
		fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", t.Key, t.Value)
	}
	b.WriteString("</TagSet></Tagging>")
	return b.String()
}

func manyTags(n int) []Tag {
	tags := make([]Tag, n)
	for i := range tags {
		tags[i] = Tag{Key: fmt.Sprintf("key-%02d", i)}
	}
	return tags
}

func wantError(t *testing.T, err error, code, message string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v: want *Error %s", err, code)
	}
	if e.Code != code || e.Status != 400 || (message != "" && e.Message != message) {
		t.Fatalf("error %s (%d) %q: want %s (400) %q", e.Code, e.Status, e.Message, code, message)
	}
}

func TestParseXMLAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		kind Kind
		want Set
	}{
		{"S3's sample", `<Tagging><TagSet><Tag><Key>tag1</Key><Value>val1</Value></Tag><Tag><Key>tag2</Key><Value>val2</Value></Tag></TagSet></Tagging>`,
			Object, Set{{"tag1", "val1"}, {"tag2", "val2"}}},
		{"in S3's namespace, sorted by key", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"> <TagSet> <Tag><Value>2</Value><Key>b</Key></Tag> <Tag><Key>a</Key><Value>1</Value></Tag> </TagSet> </Tagging>`,
			Object, Set{{"a", "1"}, {"b", "2"}}},
		{"an empty tag set", `<Tagging><TagSet/></Tagging>`, Object, Set{}},
		{"an empty value", doc(Tag{"k", ""}), Object, Set{{"k", ""}}},
		{"every allowed character", doc(Tag{"Ab9 _.:/=+-@ü文٣", "x y\u00a0z_.:/=+-@"}), Object, Set{{"Ab9 _.:/=+-@ü文٣", "x y\u00a0z_.:/=+-@"}}},
		{"the longest key and value", doc(Tag{strings.Repeat("k", 128), strings.Repeat("v", 256)}), Object,
			Set{{strings.Repeat("k", 128), strings.Repeat("v", 256)}}},
		{"a key of 64 letters outside the BMP (128 UTF-16 units)", doc(Tag{strings.Repeat("𝐀", 64), "v"}), Object, Set{{strings.Repeat("𝐀", 64), "v"}}},
		{"ten object tags", doc(manyTags(10)...), Object, Set(manyTags(10))},
		{"fifty bucket tags", doc(manyTags(50)...), Bucket, Set(manyTags(50))},
		{"a key with aws in it, not as a prefix", doc(Tag{"awsx:a", "v"}, Tag{"my-aws:", "v"}), Object, Set{{"awsx:a", "v"}, {"my-aws:", "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseXML(strings.NewReader(tt.doc), tt.kind)
			if err != nil {
				t.Fatalf("ParseXML: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseXMLEntities(t *testing.T) {
	_, err := ParseXML(strings.NewReader(doc(Tag{"a&amp;b", "v"})), Object)
	wantError(t, err, CodeInvalidTag, "The TagKey you have provided is invalid") // & is not allowed
	got, err := ParseXML(strings.NewReader(doc(Tag{"&#65;&#x42;", "&#x20;"})), Object)
	if err != nil || !reflect.DeepEqual(got, Set{{"AB", " "}}) {
		t.Fatalf("got %q %v, want AB and a space", got, err)
	}
}

func TestParseXMLRefuses(t *testing.T) {
	const invalidKey, invalidValue = "The TagKey you have provided is invalid", "The TagValue you have provided is invalid"
	tests := []struct {
		name, doc     string
		kind          Kind
		code, message string
	}{
		{"11 object tags", doc(manyTags(11)...), Object, CodeBadRequest, "Object tags cannot be greater than 10"},
		{"51 bucket tags", doc(manyTags(51)...), Bucket, CodeBadRequest, "Bucket tags cannot be greater than 50"},
		{"two tags with the same key", doc(Tag{"a", "1"}, Tag{"a", "2"}), Object, CodeInvalidTag, "Cannot provide multiple Tags with the same key"},
		{"a key of 129 characters", doc(Tag{strings.Repeat("k", 129), ""}), Object, CodeInvalidTag, invalidKey},
		{"a key of 65 letters outside the BMP", doc(Tag{strings.Repeat("𝐀", 65), ""}), Object, CodeInvalidTag, invalidKey},
		{"an empty key", doc(Tag{"", "v"}), Object, CodeInvalidTag, invalidKey},
		{"a value of 257 characters", doc(Tag{"k", strings.Repeat("v", 257)}), Object, CodeInvalidTag, invalidValue},
		{"the key aws:cost", doc(Tag{"aws:cost", "v"}), Object, CodeInvalidTag, "System tags cannot be added/updated by requester"},
		{"the key AWS:cost", doc(Tag{"AWS:cost", "v"}), Bucket, CodeInvalidTag, "System tags cannot be added/updated by requester"},
		{"a document that has no end", "<Tagging><TagSet>", Object, CodeMalformedXML, ""},
		{"no tag set", "<Tagging></Tagging>", Object, CodeMalformedXML, ""},
		{"two tag sets", "<Tagging><TagSet/><TagSet/></Tagging>", Object, CodeMalformedXML, ""},
		{"a tag without a value element", "<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>", Object, CodeMalformedXML, ""},
		{"a tag without a key element", "<Tagging><TagSet><Tag><Value>a</Value></Tag></TagSet></Tagging>", Object, CodeMalformedXML, ""},
		{"a tag with two keys", "<Tagging><TagSet><Tag><Key>a</Key><Key>b</Key><Value>v</Value></Tag></TagSet></Tagging>", Object, CodeMalformedXML, ""},
		{"an unknown element", "<Tagging><TagSet><Tag><Key>a</Key><Value>v</Value><Color/></Tag></TagSet></Tagging>", Object, CodeMalformedXML, ""},
		{"a key holding an element", "<Tagging><TagSet><Tag><Key><b>a</b></Key><Value>v</Value></Tag></TagSet></Tagging>", Object, CodeMalformedXML, ""},
		{"text in the tag set", "<Tagging><TagSet>x<Tag><Key>a</Key><Value>v</Value></Tag></TagSet></Tagging>", Object, CodeMalformedXML, ""},
		{"another document", "<Tags><TagSet></TagSet></Tags>", Object, CodeMalformedXML, ""},
		{"an empty body", "", Object, CodeMalformedXML, ""},
		{"a DOCTYPE", `<!DOCTYPE Tagging [<!ENTITY x "y">]><Tagging><TagSet/></Tagging>`, Object, CodeMalformedXML, ""},
		{"a body over the limit", "<Tagging><TagSet>" + strings.Repeat(" ", MaxDocumentSize) + "</TagSet></Tagging>", Object, CodeMaxMessageLength, "Your request was too big."},
	}
	for _, bad := range []string{"a,b", "a;b", "a?b", "a!b", "a*b", "a#b", "a%b", "a(b)", "a\tb", "a\nb", "😀", "a~b", "a'b", "a\u200bb"} {
		esc := strings.NewReplacer("\t", "&#9;", "\n", "&#10;").Replace(bad)
		tests = append(tests,
			struct {
				name, doc     string
				kind          Kind
				code, message string
			}{"the key " + fmt.Sprintf("%q", bad), doc(Tag{esc, "v"}), Object, CodeInvalidTag, invalidKey},
			struct {
				name, doc     string
				kind          Kind
				code, message string
			}{"the value " + fmt.Sprintf("%q", bad), doc(Tag{"k", esc}), Object, CodeInvalidTag, invalidValue})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseXML(strings.NewReader(tt.doc), tt.kind)
			if err == nil {
				t.Fatalf("accepted: %q", s)
			}
			wantError(t, err, tt.code, tt.message)
		})
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		header string
		want   Set
	}{
		{"tag1=value1&tag2=value2", Set{{"tag1", "value1"}, {"tag2", "value2"}}},
		{"a=1&b=2", Set{{"a", "1"}, {"b", "2"}}},
		{"foo=bar&bar", Set{{"bar", ""}, {"foo", "bar"}}},
		{"a&b=", Set{{"a", ""}, {"b", ""}}},
		{"a%20b=c%2Bd&e+f=g%3Dh", Set{{"a b", "c+d"}, {"e f", "g=h"}}},
		{"%C3%BC=%E6%96%87", Set{{"ü", "文"}}},
		{"a=1&&b=2&", Set{{"a", "1"}, {"b", "2"}}},
		{"", Set{}},
	}
	for _, tt := range tests {
		got, err := ParseHeader(tt.header)
		if err != nil {
			t.Errorf("ParseHeader(%q): %v", tt.header, err)
			continue
		}
		if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("ParseHeader(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestParseHeaderRefuses(t *testing.T) {
	const notQuery = "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, fmt.Sprintf("key-%d=", i))
	}
	tests := []struct{ header, code, message string }{
		{"a=1&a=2", CodeInvalidArgument, notQuery},
		{"=1", CodeInvalidArgument, notQuery},
		{"a=%FF", CodeInvalidArgument, notQuery},
		{"%FF=a", CodeInvalidArgument, notQuery},
		{"a=%zz", CodeInvalidArgument, notQuery},
		{"TagSet=[{Key=string,Value=string}]", CodeInvalidArgument, notQuery},
		{"e=f=g", CodeInvalidArgument, notQuery},
		{"TagSet%3D%5B%7BKey%3Dstring%2CValue%3Dstring%7D%5D", CodeInvalidTag, "The TagKey you have provided is invalid"},
		{strings.Join(eleven, "&"), CodeBadRequest, "Object tags cannot be greater than 10"},
		{"a,b=1", CodeInvalidTag, "The TagKey you have provided is invalid"},
		{"k=a%2Cb", CodeInvalidTag, "The TagValue you have provided is invalid"},
		{"aws:cost=1", CodeInvalidTag, "System tags cannot be added/updated by requester"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			s, err := ParseHeader(tt.header)
			if err == nil {
				t.Fatalf("accepted: %q", s)
			}
			wantError(t, err, tt.code, tt.message)
		})
	}
}

func TestXML(t *testing.T) {
	s := Set{{"a<b", "&"}, {"k", ""}}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a&lt;b</Key><Value>&amp;</Value></Tag>` +
		`<Tag><Key>k</Key><Value></Value></Tag></TagSet></Tagging>`
	if got := string(s.XML()); got != want {
		t.Fatalf("XML:\n got %s\nwant %s", got, want)
	}
	if got := string(Set(nil).XML()); !strings.HasSuffix(got, `<TagSet></TagSet></Tagging>`) {
		t.Fatalf("empty set: %s", got)
	}
}

func TestGetAndMap(t *testing.T) {
	s, err := ParseHeader("b=2&a=1&c=")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key, value string
		ok         bool
	}{{"a", "1", true}, {"b", "2", true}, {"c", "", true}, {"d", "", false}, {"", "", false}} {
		if v, ok := s.Get(tt.key); v != tt.value || ok != tt.ok {
			t.Errorf("Get(%q) = %q %v, want %q %v", tt.key, v, ok, tt.value, tt.ok)
		}
	}
	if m := s.Map(); !reflect.DeepEqual(m, map[string]string{"a": "1", "b": "2", "c": ""}) {
		t.Errorf("Map = %v", m)
	}
	if Set(nil).Map() != nil {
		t.Error("Map of an empty set is not nil")
	}
}

func checkRoundTrips(t testing.TB, s Set, kind Kind) {
	t.Helper()
	again, err := ParseXML(bytes.NewReader(s.XML()), kind)
	if err != nil {
		t.Fatalf("parsing our own XML: %v\n%s", err, s.XML())
	}
	if len(again) != len(s) || (len(s) > 0 && !reflect.DeepEqual(again, s)) {
		t.Fatalf("XML round trip: got %q, want %q", again, s)
	}
	loaded, err := Unmarshal(s.Marshal())
	if err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if len(loaded) != len(s) || (len(s) > 0 && !reflect.DeepEqual(loaded, s)) {
		t.Fatalf("storage round trip: got %q, want %q", loaded, s)
	}
}

func TestRoundTrips(t *testing.T) {
	for _, s := range []Set{nil, {{"a", ""}}, {{"a b", "c+d"}, {"ü", strings.Repeat("文", 256)}}, Set(manyTags(50))} {
		checkRoundTrips(t, s, Bucket)
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	good := Set{{"a", "1"}, {"b", "2"}}.Marshal()
	tests := []struct {
		name string
		data []byte
	}{
		{"another version", append([]byte{2}, good[1:]...)},
		{"cut short", good[:len(good)-1]},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
		{"no count", []byte{1}},
		{"too many tags", []byte{1, 51}},
		{"a length past the end", []byte{1, 1, 200, 'a'}},
		{"keys out of order", Set{{"b", "1"}, {"a", "2"}}.Marshal()},
		{"an empty key", []byte{1, 1, 0, 0}},
		{"not UTF-8", []byte{1, 1, 1, 0xff, 0}},
	}
	for _, tt := range tests {
		if s, err := Unmarshal(tt.data); err == nil {
			t.Errorf("%s: accepted %q", tt.name, s)
		}
	}
}

func FuzzParseXML(f *testing.F) {
	f.Add([]byte(doc(Tag{"a", "1"}, Tag{"b", ""})), false)
	f.Add([]byte(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet/></Tagging>`), true)
	f.Add([]byte(doc(manyTags(11)...)), false)
	f.Add([]byte(doc(Tag{"aws:x", "&#65;"})), true)
	f.Fuzz(func(t *testing.T, data []byte, bucket bool) {
		kind := Object
		if bucket {
			kind = Bucket
		}
		s, err := ParseXML(bytes.NewReader(data), kind)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.Code == "" || e.Message == "" {
				t.Fatalf("error %v: want an S3 error", err)
			}
			return
		}
		checkRoundTrips(t, s, kind)
	})
}

func FuzzParseHeader(f *testing.F) {
	for _, h := range []string{"a=1&b=2", "a%20b=c%2Bd&e+f=g%3Dh", "a=1&a=2", "e=f=g", "=1", "a=%FF", "%C3%BC=%E6%96%87", "aws:x=1"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		s, err := ParseHeader(header)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("error %v: want an S3 error", err)
			}
			return
		}
		if len(s) > MaxObjectTags {
			t.Fatalf("%d tags accepted", len(s))
		}
		checkRoundTrips(t, s, Object)
	})
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(Set{{"a", "1"}, {"b", ""}}.Marshal())
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Unmarshal(data)
		if err != nil {
			return
		}
		if again, err := Unmarshal(s.Marshal()); err != nil || len(again) != len(s) {
			t.Fatalf("re-encoding %q: %v", s, err)
		}
	})
}
