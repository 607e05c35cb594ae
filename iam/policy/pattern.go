package policy

import (
	"strings"
	"unicode/utf8"
)

// pattern is a compiled Action, Resource, ArnLike or StringLike value: `*`
// matches any run of characters, `?` any one character, and (in 2012-10-17
// policies) `${key}` is replaced by the request's value for key, with
// `${*}`, `${?}` and `${$}` standing for the literal characters. Compiling
// once at parse time leaves matching allocation-free.
type pattern struct {
	raw   string // as written
	shape patternShape
	lit   string  // the literal for exact, prefix and suffix shapes
	toks  []token // the general shape
	fold  bool    // compare ASCII letters without case (actions)
	vars  bool    // holds a policy variable
}

type patternShape uint8

const (
	shapeExact  patternShape = iota // no wildcard: lit
	shapeAny                        // "*"
	shapePrefix                     // lit + "*"
	shapeSuffix                     // "*" + lit
	shapeGlob                       // anything else: toks
)

type token struct {
	kind tokenKind
	text string // the literal, or the variable's key in lower case
	def  string // the variable's default value
	// hasDef is set when the variable names a default: ${key, 'default'}.
	hasDef bool
}

type tokenKind uint8

const (
	tokLiteral tokenKind = iota
	tokStar
	tokQuestion
	tokVariable
)

// compilePattern compiles s. wildcards says whether * and ? are wildcards
// (they are not in StringEquals values); variables whether ${...} is
// substituted (only in 2012-10-17 policies). ok is false for a malformed
// variable (an unterminated "${").
func compilePattern(s string, wildcards, variables, fold bool) (p pattern, ok bool) {
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLiteral, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case wildcards && c == '*':
			flush()
			if n := len(toks); n == 0 || toks[n-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
		case wildcards && c == '?':
			flush()
			toks = append(toks, token{kind: tokQuestion})
		case variables && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return pattern{}, false
			}
			body := s[i+2 : i+2+end]
			i += 2 + end
			switch body {
			case "*", "?", "$":
				lit.WriteString(body)
				continue
			}
			key, def, hasDef, valid := parseVariable(body)
			if !valid {
				return pattern{}, false
			}
			flush()
			toks = append(toks, token{kind: tokVariable, text: strings.ToLower(key), def: def, hasDef: hasDef})
			p.vars = true
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	p.raw = s
	p.fold = fold
	p.toks = toks
	switch {
	case p.vars:
		p.shape = shapeGlob
	case len(toks) == 0:
		p.shape = shapeExact
	case len(toks) == 1 && toks[0].kind == tokLiteral:
		p.shape, p.lit = shapeExact, toks[0].text
	case len(toks) == 1 && toks[0].kind == tokStar:
		p.shape = shapeAny
	case len(toks) == 2 && toks[0].kind == tokLiteral && toks[1].kind == tokStar:
		p.shape, p.lit = shapePrefix, toks[0].text
	case len(toks) == 2 && toks[0].kind == tokStar && toks[1].kind == tokLiteral:
		p.shape, p.lit = shapeSuffix, toks[1].text
	default:
		p.shape = shapeGlob
	}
	if p.shape != shapeGlob {
		p.toks = nil
	}
	return p, true
}

// parseVariable splits the inside of ${...}: a key, optionally followed by
// a comma and a default value in single quotes.
func parseVariable(body string) (key, def string, hasDef, ok bool) {
	key, rest, found := strings.Cut(body, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " '${") {
		return "", "", false, false
	}
	if !found {
		return key, "", false, true
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 || rest[0] != '\'' || rest[len(rest)-1] != '\'' {
		return "", "", false, false
	}
	return key, rest[1 : len(rest)-1], true, true
}

// match reports whether s matches. vs resolves variables; a variable with
// no value and no default makes the pattern match nothing, as AWS treats
// an element whose variable is missing from the request.
func (p *pattern) match(s string, vs *evalState) bool {
	switch p.shape {
	case shapeExact:
		return p.eq(s, p.lit)
	case shapeAny:
		return true
	case shapePrefix:
		return len(s) >= len(p.lit) && p.eq(s[:len(p.lit)], p.lit)
	case shapeSuffix:
		return len(s) >= len(p.lit) && p.eq(s[len(s)-len(p.lit):], p.lit)
	}
	if p.vars {
		// Resolve the variables into a stack buffer: patterns are short.
		var buf [16]token
		toks := buf[:0]
		for _, t := range p.toks {
			if t.kind == tokVariable {
				v, ok := "", false
				if vs != nil {
					v, ok = vs.variable(t.text)
				}
				if !ok {
					if !t.hasDef {
						return false
					}
					v = t.def
				}
				t = token{kind: tokLiteral, text: v}
			}
			toks = append(toks, t)
		}
		return globMatch(toks, s, p.fold)
	}
	return globMatch(p.toks, s, p.fold)
}

func (p *pattern) eq(a, b string) bool {
	if p.fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// globMatch is the linear-time wildcard match with one backtracking point
// (the last star): a star never needs to revisit earlier stars.
func globMatch(toks []token, s string, fold bool) bool {
	ti, ci, si := 0, 0, 0   // token, offset in a literal token, offset in s
	starTi, starSi := -1, 0 // where to resume after the last star
	for {
		// Skip finished and empty literals.
		for ti < len(toks) && toks[ti].kind == tokLiteral && ci >= len(toks[ti].text) {
			ti, ci = ti+1, 0
		}
		if si >= len(s) {
			break
		}
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokLiteral:
				if byteEq(t.text[ci], s[si], fold) {
					ci++
					si++
					continue
				}
			case tokQuestion:
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				ti++
				continue
			case tokStar:
				starTi, starSi = ti, si
				ti, ci = ti+1, 0
				continue
			}
		}
		if starTi < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, ci, si = starTi+1, 0, starSi
	}
	for ti < len(toks) {
		switch t := toks[ti]; {
		case t.kind == tokStar:
		case t.kind == tokLiteral && ci >= len(t.text):
		default:
			return false
		}
		ti, ci = ti+1, 0
	}
	return true
}

func byteEq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}
