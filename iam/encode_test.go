package iam

import (
	"slices"
	"testing"
)

func TestURIEncode(t *testing.T) {
	for _, c := range []struct {
		in, path, query string
	}{
		{"", "", ""},
		{"abcXYZ019-._~", "abcXYZ019-._~", "abcXYZ019-._~"},
		{"a b", "a%20b", "a%20b"},
		{"a/b", "a/b", "a%2Fb"},
		{"a+b=c&d", "a%2Bb%3Dc%26d", "a%2Bb%3Dc%26d"},
		{"é", "%C3%A9", "%C3%A9"},
		{"100%", "100%25", "100%25"},
		{"!$'()*,;:@[]", "%21%24%27%28%29%2A%2C%3B%3A%40%5B%5D", "%21%24%27%28%29%2A%2C%3B%3A%40%5B%5D"},
		{"\x00\xff", "%00%FF", "%00%FF"},
	} {
		if got := uriEncode(c.in, true); got != c.path {
			t.Errorf("uriEncode(%q, path) = %q, want %q", c.in, got, c.path)
		}
		if got := uriEncode(c.in, false); got != c.query {
			t.Errorf("uriEncode(%q, query) = %q, want %q", c.in, got, c.query)
		}
	}
}

func TestCanonicalURIs(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want []string
	}{
		{"", []string{"/"}},
		{"/", []string{"/"}},
		{"/bucket", []string{"/bucket"}},
		{"/bucket/dir/", []string{"/bucket/dir/"}},                           // trailing slash kept
		{"/bucket//a//b", []string{"/bucket//a//b"}},                         // no normalisation
		{"/bucket/./a/../b", []string{"/bucket/./a/../b"}},                   // no normalisation
		{"/bucket/a%20b/c%2Bd%3De~f", []string{"/bucket/a%20b/c%2Bd%3De~f"}}, // as the SDKs send it
		{"/bucket/a+b", []string{"/bucket/a%2Bb"}},                           // '+' in a path is a plus
		{"/bucket/a=b", []string{"/bucket/a%3Db"}},
		{"/bucket/a~b", []string{"/bucket/a~b"}},
		{"/bucket/a%7Eb", []string{"/bucket/a%7Eb", "/bucket/a~b"}}, // over-encoded tilde
		{"/bucket/%c3%a9", []string{"/bucket/%c3%a9", "/bucket/%C3%A9"}},
		{"/bucket/é", []string{"/bucket/%C3%A9"}},
		{"/bucket/ሴ/日本", []string{"/bucket/%E1%88%B4/%E6%97%A5%E6%9C%AC"}},
		{"/bucket/a%2Fb", []string{"/bucket/a%2Fb", "/bucket/a/b"}},
		{"/bucket/100%", []string{"/bucket/100%25"}},   // stray '%': no decoded form
		{"/bucket/%zz", []string{"/bucket/%25zz"}},     // invalid escape
		{"/bucket/a b", []string{"/bucket/a%20b"}},     // raw space (not from a wire)
		{"/bucket/%20%2B", []string{"/bucket/%20%2B"}}, // already canonical
	} {
		if got := canonicalURIs(c.raw); !slices.Equal(got, c.want) {
			t.Errorf("canonicalURIs(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, c := range []struct {
		raw, skip, want string
	}{
		{"", "", ""},
		{"acl", "", "acl="},
		{"acl=", "", "acl="},
		{"uploads&prefix=", "", "prefix=&uploads="},
		{"b=2&a=1", "", "a=1&b=2"},
		{"a=2&a=1&a=10", "", "a=1&a=10&a=2"}, // repeated: by value
		{"a=1&A=2&_=3&-=4", "", "-=4&A=2&_=3&a=1"},
		{"prefix=a+b", "", "prefix=a%20b"}, // '+' in a query is a space
		{"prefix=a%2Bb", "", "prefix=a%2Bb"},
		{"prefix=a%20b", "", "prefix=a%20b"},
		{"k=%7e%7E~", "", "k=~~~"},
		{"k=a/b", "", "k=a%2Fb"},
		{"delimiter=%2F&list-type=2&prefix=%E6%97%A5", "", "delimiter=%2F&list-type=2&prefix=%E6%97%A5"},
		{"&&a=1&", "", "a=1"},
		{"k=100%", "", "k=100%25"},
		{"k==v", "", "k=%3Dv"},
		{"=v", "", "=v"},
		{"a%3Db=c", "", "a%3Db=c"},
		{"X-Amz-Signature=abc&a=1", "X-Amz-Signature", "a=1"},
		{"x-amz-signature=abc", "X-Amz-Signature", "x-amz-signature=abc"}, // names are case-sensitive
		// Sorting is by encoded key: "a%20b" < "a-b" < "a.b" < "aa".
		{"aa=1&a.b=2&a-b=3&a+b=4", "", "a%20b=4&a-b=3&a.b=2&aa=1"},
	} {
		if got := canonicalQuery(parseQuery(c.raw), c.skip); got != c.want {
			t.Errorf("canonicalQuery(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	got := parseQuery("a=1&b&c=&d=x%3Dy&&e+f=g+h")
	want := []queryParam{
		{"a", "1", true}, {"b", "", false}, {"c", "", true}, {"d", "x=y", true}, {"e f", "g h", true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("parseQuery = %+v, want %+v", got, want)
	}
	if v, n := lookupParam(parseQuery("a=1&a=2"), "a"); v != "1" || n != 2 {
		t.Fatalf("lookupParam = %q, %d", v, n)
	}
}
