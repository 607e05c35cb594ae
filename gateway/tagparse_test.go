package gateway

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zones3/zones3/gateway/objectlayer"
)

func TestParseTagSetXML(t *testing.T) {
	tagXML := func(pairs ...string) string {
		var b strings.Builder
		b.WriteString(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>`)
		for i := 0; i+1 < len(pairs); i += 2 {
			fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", pairs[i], pairs[i+1])
		}
		b.WriteString("</TagSet></Tagging>")
		return b.String()
	}
	many := func(n int) []string {
		var p []string
		for i := range n {
			p = append(p, fmt.Sprint("k", i), "v")
		}
		return p
	}
	for _, c := range []struct {
		body   string
		target tagTarget
		want   map[string]string
		err    *apiError
	}{
		{tagXML("a", "1", "b", ""), objectTags, map[string]string{"a": "1", "b": ""}, nil},
		{tagXML(), objectTags, map[string]string{}, nil},
		{`<Tagging><TagSet><Tag><Key>novalue</Key></Tag></TagSet></Tagging>`, objectTags, map[string]string{"novalue": ""}, nil},
		{tagXML("a &amp; b", "x &lt; y"), objectTags, map[string]string{"a & b": "x < y"}, nil},
		{tagXML(many(10)...), objectTags, nil, nil},
		{tagXML(many(11)...), objectTags, nil, errTooManyObjectTag},
		{tagXML(many(50)...), bucketTags, nil, nil},
		{tagXML(many(51)...), bucketTags, nil, errTooManyBucketTag},
		{tagXML("a", "1", "a", "2"), objectTags, nil, errDuplicateTagKey},
		{tagXML("", "1"), objectTags, nil, errInvalidTag},
		{tagXML(strings.Repeat("k", 128), "1"), objectTags, nil, nil},
		{tagXML(strings.Repeat("k", 129), "1"), objectTags, nil, errInvalidTag},
		{tagXML(strings.Repeat("ß", 128), strings.Repeat("€", 256)), objectTags, nil, nil},
		{tagXML("k", strings.Repeat("v", 257)), objectTags, nil, errInvalidTagValue},
		{tagXML("aws:cost", "1"), objectTags, nil, errSystemTag},
		{tagXML("Aws:cost", "1"), bucketTags, nil, errSystemTag},
		{tagXML("awsx", "1"), objectTags, map[string]string{"awsx": "1"}, nil},
		{`<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>`, objectTags, nil, errMalformedXML},
		{`<Tagging></Tagging>`, objectTags, nil, errMalformedXML},
		{`<Other><TagSet/></Other>`, objectTags, nil, errMalformedXML},
		{``, objectTags, nil, errMalformedXML},
		{`<Tagging><TagSet>`, objectTags, nil, errMalformedXML},
	} {
		got, err := parseTagSetXML([]byte(c.body), c.target)
		if c.err != nil {
			if err != c.err && !(c.err == errMalformedXML && err != nil && err.(*apiError).Code == "MalformedXML") {
				t.Errorf("%.60s: error %v, want %v", c.body, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%.60s: %v", c.body, err)
			continue
		}
		if c.want != nil && !maps.Equal(got, c.want) {
			t.Errorf("%.60s: %v, want %v", c.body, got, c.want)
		}
	}
}

func TestParseTaggingHeader(t *testing.T) {
	for _, c := range []struct {
		hdr  string
		want map[string]string
		err  *apiError
	}{
		{"", nil, nil},
		{"a=1", map[string]string{"a": "1"}, nil},
		{"a=1&b=", map[string]string{"a": "1", "b": ""}, nil},
		{"a", map[string]string{"a": ""}, nil},
		{"sp%20ace=x+y&amp%26=%3D", map[string]string{"sp ace": "x y", "amp&": "="}, nil},
		{"a=1&&b=2", map[string]string{"a": "1", "b": "2"}, nil},
		{"a=1&a=2", nil, errTaggingHeader},
		{"a=%zz", nil, errTaggingHeader},
		{"=v", nil, errInvalidTag},
		{"aws%3Ax=1", nil, errSystemTag},
		{strings.Repeat("k=v&", 1) + strings.TrimSuffix(strings.Repeat("x=1&", 1), "&"), map[string]string{"k": "v", "x": "1"}, nil},
	} {
		got, err := parseTaggingHeader(c.hdr)
		if (c.err == nil && err != nil) || (c.err != nil && err != error(c.err)) {
			t.Errorf("%q: error %v, want %v", c.hdr, err, c.err)
			continue
		}
		if err == nil && !maps.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.hdr, got, c.want)
		}
	}
	var pairs []string
	for i := range 11 {
		pairs = append(pairs, fmt.Sprintf("k%d=v", i))
	}
	if _, err := parseTaggingHeader(strings.Join(pairs, "&")); err != errTooManyObjectTag {
		t.Errorf("11 tags: %v", err)
	}
	if got, err := parseTaggingHeader(strings.Join(pairs[:10], "&")); err != nil || len(got) != 10 {
		t.Errorf("10 tags: %v, %v", got, err)
	}
}

func TestParseVersioningConfiguration(t *testing.T) {
	for _, c := range []struct {
		body string
		want objectlayer.VersioningState
		code string
	}{
		{`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`, objectlayer.VersioningEnabled, ""},
		{`<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`, objectlayer.VersioningSuspended, ""},
		{`<VersioningConfiguration><Status> Enabled </Status></VersioningConfiguration>`, objectlayer.VersioningEnabled, ""},
		{`<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`, "", "NotImplemented"},
		{`<VersioningConfiguration><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`, "", "MalformedXML"},
		{`<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>`, "", "MalformedXML"},
		{`<VersioningConfiguration><Status></Status></VersioningConfiguration>`, "", "MalformedXML"},
		{`<Status>Enabled</Status>`, "", "MalformedXML"},
		{``, "", "MalformedXML"},
	} {
		got, err := parseVersioningConfiguration([]byte(c.body))
		code := ""
		if err != nil {
			code = err.(*apiError).Code
		}
		if got != c.want || code != c.code {
			t.Errorf("%s: %q, %v; want %q, %s", c.body, got, err, c.want, c.code)
		}
	}
}

func TestVersionParam(t *testing.T) {
	for q, ok := range map[string]bool{"": true, "versionId=null": true, "versionId=" + unknownVersionID: true, "versionId=": false, "versionId=nul": false, "versionId=" + strings.Repeat("W", 22): false} {
		vals, _ := url.ParseQuery(q)
		_, err := versionParam(vals)
		if (err == nil) != ok {
			t.Errorf("%q: %v", q, err)
		}
	}
}

// checkTags checks what a tag parser accepted against S3's limits.
func checkTags(t *testing.T, tags map[string]string, limit int) {
	if len(tags) > limit {
		t.Fatalf("%d tags accepted", len(tags))
	}
	for k, v := range tags {
		if k == "" || !utf8.ValidString(k) || !utf8.ValidString(v) || utf8.RuneCountInString(k) > maxTagKeyLen || utf8.RuneCountInString(v) > maxTagValueLen || strings.HasPrefix(strings.ToLower(k), "aws:") {
			t.Fatalf("tag %q=%q accepted", k, v)
		}
	}
}

func FuzzParseTagSetXML(f *testing.F) {
	f.Add([]byte(`<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>`), false)
	f.Add([]byte(`<Tagging><TagSet><Tag><Key>a</Key></Tag><Tag><Key>a</Key></Tag></TagSet></Tagging>`), true)
	f.Add([]byte(`<Tagging><TagSet><Tag><Key>aws:x</Key><Value></Value></Tag></TagSet>`), false)
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><Tagging>&a;</Tagging>`), true)
	f.Fuzz(func(t *testing.T, body []byte, bucket bool) {
		target, limit := objectTags, maxObjectTags
		if bucket {
			target, limit = bucketTags, maxBucketTags
		}
		tags, err := parseTagSetXML(body, target)
		if err != nil {
			if _, internal := toAPIError(err); internal {
				t.Fatalf("unmapped error %v", err)
			}
			return
		}
		checkTags(t, tags, limit)
	})
}

func FuzzParseTaggingHeader(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "a=%zz", "a=1&a=2", "aws:x=1", "=", "&&&", "k=" + strings.Repeat("v", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hdr string) {
		tags, err := parseTaggingHeader(hdr)
		if err != nil {
			if _, internal := toAPIError(err); internal {
				t.Fatalf("unmapped error %v", err)
			}
			return
		}
		checkTags(t, tags, maxObjectTags)
	})
}

func FuzzParseVersioningConfiguration(f *testing.F) {
	f.Add([]byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`))
	f.Add([]byte(`<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := parseVersioningConfiguration(body)
		if err != nil {
			if _, internal := toAPIError(err); internal {
				t.Fatalf("unmapped error %v", err)
			}
			return
		}
		if s != objectlayer.VersioningEnabled && s != objectlayer.VersioningSuspended {
			t.Fatalf("state %q accepted", s)
		}
	})
}
