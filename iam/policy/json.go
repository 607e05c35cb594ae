package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// jsonValue is a decoded JSON value that keeps what a policy needs and
// encoding/json's generic decoding loses: the order of object members,
// duplicate member names, and numbers as written.
type jsonValue struct {
	kind    jsonKind
	str     string // string value, number literal, or "true"/"false"
	array   []jsonValue
	members []jsonMember
}

type jsonMember struct {
	name  string
	value jsonValue
}

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonString
	jsonNumber
	jsonBool
	jsonArray
	jsonObject
)

// maxJSONDepth bounds nesting. A valid policy nests five levels deep
// (document, Statement array, statement, Condition, operator, key values);
// anything far deeper is not a policy and is refused before it costs stack.
const maxJSONDepth = 32

var errJSONSyntax = errors.New("policy: invalid JSON")
var errDuplicateMember = errors.New("policy: duplicate member")

// decodeJSON decodes one JSON document and refuses trailing data.
func decodeJSON(doc []byte) (jsonValue, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return jsonValue{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jsonValue{}, errJSONSyntax
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (jsonValue, error) {
	if depth > maxJSONDepth {
		return jsonValue{}, errJSONSyntax
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonValue{}, errJSONSyntax
	}
	switch t := tok.(type) {
	case nil:
		return jsonValue{kind: jsonNull}, nil
	case string:
		return jsonValue{kind: jsonString, str: t}, nil
	case json.Number:
		return jsonValue{kind: jsonNumber, str: t.String()}, nil
	case bool:
		if t {
			return jsonValue{kind: jsonBool, str: "true"}, nil
		}
		return jsonValue{kind: jsonBool, str: "false"}, nil
	case json.Delim:
		switch t {
		case '[':
			v := jsonValue{kind: jsonArray}
			for dec.More() {
				e, err := decodeValue(dec, depth+1)
				if err != nil {
					return jsonValue{}, err
				}
				v.array = append(v.array, e)
			}
			if _, err := dec.Token(); err != nil {
				return jsonValue{}, errJSONSyntax
			}
			return v, nil
		case '{':
			v := jsonValue{kind: jsonObject}
			for dec.More() {
				nt, err := dec.Token()
				if err != nil {
					return jsonValue{}, errJSONSyntax
				}
				name, ok := nt.(string)
				if !ok {
					return jsonValue{}, errJSONSyntax
				}
				for _, m := range v.members {
					if m.name == name {
						return jsonValue{}, errDuplicateMember
					}
				}
				e, err := decodeValue(dec, depth+1)
				if err != nil {
					return jsonValue{}, err
				}
				v.members = append(v.members, jsonMember{name: name, value: e})
			}
			if _, err := dec.Token(); err != nil {
				return jsonValue{}, errJSONSyntax
			}
			return v, nil
		}
	}
	return jsonValue{}, errJSONSyntax
}

// scalar reports whether v is a string, number or boolean: the forms a
// condition value may take.
func (v jsonValue) scalar() bool {
	return v.kind == jsonString || v.kind == jsonNumber || v.kind == jsonBool
}

// strings returns the string values of a "string or array of strings"
// element; ok is false for any other shape, and for an empty array.
func (v jsonValue) strings() (out []string, ok bool) {
	switch v.kind {
	case jsonString:
		return []string{v.str}, true
	case jsonArray:
		if len(v.array) == 0 {
			return nil, false
		}
		out = make([]string, 0, len(v.array))
		for _, e := range v.array {
			if e.kind != jsonString {
				return nil, false
			}
			out = append(out, e.str)
		}
		return out, true
	}
	return nil, false
}

// compactSize is the length of doc without the whitespace JSON allows
// between tokens; whitespace inside strings counts. IAM and S3 measure their
// quotas this way. doc must be valid JSON for the count to be exact.
func compactSize(doc []byte, runes bool) int {
	n := 0
	inString, escaped := false, false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		} else {
			switch c {
			case ' ', '\t', '\n', '\r':
				continue
			case '"':
				inString = true
			}
		}
		if runes && c&0xC0 == 0x80 {
			continue // a UTF-8 continuation byte: part of the rune already counted
		}
		n++
	}
	return n
}
