package xmldoc

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParse(t *testing.T) {
	root, err := Parse([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<a:Root xmlns:a="urn:x" xmlns="http://s3.amazonaws.com/doc/2006-03-01/" attr="ignored">
  <Leaf>one &amp; &#x32; <![CDATA[<three>]]></Leaf>
  <Empty/>
  <Inner><Leaf> spaced </Leaf></Inner>
</a:Root>
`))
	if err != nil {
		t.Fatal(err)
	}
	if root.Name != "Root" || len(root.Children) != 3 {
		t.Fatalf("root %q with %d children", root.Name, len(root.Children))
	}
	leaf, empty, inner := root.Children[0], root.Children[1], root.Children[2]
	if leaf.Name != "Leaf" || leaf.Text != "one & 2 <three>" || !leaf.IsLeaf() {
		t.Fatalf("leaf %q %q", leaf.Name, leaf.Text)
	}
	if empty.Name != "Empty" || empty.Text != "" || !empty.IsLeaf() {
		t.Fatalf("empty %q %q", empty.Name, empty.Text)
	}
	if inner.IsLeaf() || inner.Children[0].Text != " spaced " {
		t.Fatalf("inner %+v", inner)
	}
}

func TestParseRefuses(t *testing.T) {
	deep := strings.Repeat("<a>", maxDepth+1) + strings.Repeat("</a>", maxDepth+1)
	for _, doc := range []string{
		"",
		"   ",
		"text",
		"<a>",
		"<a></b>",
		"<a/><b/>",
		"<a/>text",
		"<a>text<b/></a>",
		"<a><b/>text</a>",
		`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`,
		"<a>&unknown;</a>",
		"<a/><?pi after?>",
		"<a>\x01</a>",
		"<a>\xff</a>",
		`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
		deep,
	} {
		if root, err := Parse([]byte(doc)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) = %+v, %v: want ErrMalformed", doc, root, err)
		}
	}
	ok := strings.Repeat("<a>", maxDepth) + strings.Repeat("</a>", maxDepth)
	if _, err := Parse([]byte(ok)); err != nil {
		t.Errorf("%d levels: %v", maxDepth, err)
	}
}

func TestRead(t *testing.T) {
	if _, err := Read(strings.NewReader("<a>12</a>"), 9); err != nil {
		t.Fatalf("a document of exactly the limit: %v", err)
	}
	if _, err := Read(strings.NewReader("<a>123</a>"), 9); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a document over the limit: %v", err)
	}
	if _, err := Read(iotest.ErrReader(errors.New("boom")), 9); err == nil || errors.Is(err, ErrMalformed) {
		t.Fatalf("a failing reader: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<LifecycleConfiguration><Rule><ID>a</ID></Rule></LifecycleConfiguration>`))
	f.Add([]byte(`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v", err)
			}
			return
		}
		var walk func(e *Element, depth int)
		walk = func(e *Element, depth int) {
			if depth > maxDepth {
				t.Fatalf("depth %d", depth)
			}
			if len(e.Children) > 0 && len(bytes.TrimSpace([]byte(e.Text))) != 0 {
				t.Fatalf("mixed content in %q", e.Name)
			}
			for _, c := range e.Children {
				walk(c, depth+1)
			}
		}
		walk(root, 1)
	})
}
