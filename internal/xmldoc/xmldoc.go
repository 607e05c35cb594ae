package xmldoc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrMalformed is returned for a document that is not well-formed XML or
// that holds something no S3 request document may hold.
var ErrMalformed = errors.New("xmldoc: malformed document")

// ErrTooLarge is returned by Read for a document longer than its limit.
var ErrTooLarge = errors.New("xmldoc: document too large")

// maxDepth bounds nesting: S3's request documents are at most five levels
// deep, so anything far deeper is refused before it costs memory.
const maxDepth = 16

// Element is one element of a document.
type Element struct {
	// Name is the element's local name, without namespace.
	Name string
	// Text is the character data directly inside the element, as sent
	// (entities resolved, white space kept). An element with children has
	// only white space here.
	Text string
	// Children are the child elements in document order.
	Children []*Element
}

// Read reads at most maxBytes from r and parses them. A longer document is
// ErrTooLarge, whatever it holds.
func Read(r io.Reader, maxBytes int64) (*Element, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("xmldoc: reading document: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, ErrTooLarge
	}
	return Parse(data)
}

// Parse parses a whole document and returns its root element.
func Parse(data []byte) (*Element, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var (
		root  *Element
		stack []*Element
		text  [][]byte // character data of each open element
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrMalformed
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, ErrMalformed // a second root
			}
			if len(stack) >= maxDepth {
				return nil, ErrMalformed
			}
			e := &Element{Name: t.Name.Local}
			if len(stack) == 0 {
				root = e
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, e)
			}
			stack = append(stack, e)
			text = append(text, nil)
		case xml.EndElement:
			// The decoder checks that end tags match start tags.
			e := stack[len(stack)-1]
			e.Text = string(text[len(text)-1])
			if len(e.Children) > 0 && strings.TrimSpace(e.Text) != "" {
				return nil, ErrMalformed // mixed content
			}
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, ErrMalformed
				}
				continue
			}
			text[len(text)-1] = append(text[len(text)-1], t...)
		case xml.Directive:
			// A DOCTYPE could declare entities; S3 documents never have one.
			return nil, ErrMalformed
		case xml.ProcInst:
			if root != nil {
				return nil, ErrMalformed
			}
		case xml.Comment:
		}
	}
	if root == nil || len(stack) != 0 {
		return nil, ErrMalformed
	}
	return root, nil
}

// IsLeaf reports whether the element has no child elements.
func (e *Element) IsLeaf() bool { return len(e.Children) == 0 }
