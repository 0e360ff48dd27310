// Package filter reads the filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2) of
// SCIM 2.0 and evaluates filters against resources decoded from JSON. It has no dependency:
// the grammar is small, and a parser of our own reports errors in words an administrator can
// act on.
package filter

import (
	"fmt"
	"strconv"
	"strings"
)

// maxDepth bounds the nesting of parentheses and not, so that no filter can exhaust the stack.
const maxDepth = 32

// maxLength bounds the length of a filter or path, in bytes.
const maxLength = 4096

// Expr is a parsed filter: *Logical, *Not, *Compare or *ValuePath.
type Expr interface{ expr() }

// AttrPath names an attribute: URN is the schema it belongs to ("" for the resource's core
// schema or when not given), Name the attribute and Sub a sub-attribute ("" when none).
type AttrPath struct {
	URN  string
	Name string
	Sub  string
}

// String returns the path as SCIM writes it.
func (p AttrPath) String() string {
	s := p.Name
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

// Logical is "and" or "or" of two filters.
type Logical struct {
	Op          string // "and" or "or"
	Left, Right Expr
}

// Not negates a filter.
type Not struct{ X Expr }

// Compare is an attribute expression: Path Op Value, or Path "pr" (Value nil).
type Compare struct {
	Path AttrPath
	Op   string // eq ne co sw ew gt lt ge le pr, lower case
	// Value is a string, float64, bool, or nil for null and for pr.
	Value any
}

// ValuePath selects the values of a multi-valued attribute that match Filter, whose paths are
// relative to those values: emails[type eq "work"]. As a filter it is true when one value
// matches.
type ValuePath struct {
	Path   AttrPath // Sub is empty
	Filter Expr
}

func (*Logical) expr()   {}
func (*Not) expr()       {}
func (*Compare) expr()   {}
func (*ValuePath) expr() {}

// Error is a filter or path that cannot be read, with where and why.
type Error struct {
	Input  string
	Offset int
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s at character %d of %q", e.Reason, e.Offset+1, e.Input)
}

// Parse reads a filter.
func Parse(s string) (Expr, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	x, err := p.parseOr(0, false)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t, "unexpected %q", t.text)
	}
	return x, nil
}

// Path is a PATCH path: an attribute, optionally a filter on its values and a sub-attribute of
// the values it selects, as in emails[type eq "work"].value.
type Path struct {
	Attr   AttrPath // Sub is the sub-attribute when there is no filter
	Filter Expr     // nil when there is none
	// Sub is the sub-attribute after the filter ("value" in emails[type eq "work"].value).
	Sub string
}

// String returns the path as SCIM writes it.
func (p Path) String() string {
	s := p.Attr.String()
	if p.Filter != nil {
		s += "[...]"
		if p.Sub != "" {
			s += "." + p.Sub
		}
	}
	return s
}

// ParsePath reads a PATCH path.
func ParsePath(s string) (Path, error) {
	p, err := newParser(s)
	if err != nil {
		return Path{}, err
	}
	t := p.next()
	if t.kind != tokWord {
		return Path{}, p.errorf(t, "an attribute name is expected")
	}
	attr, err := p.attrPath(t)
	if err != nil {
		return Path{}, err
	}
	out := Path{Attr: attr}
	if p.peek().kind == tokOpenBracket {
		if attr.Sub != "" {
			return Path{}, p.errorf(p.peek(), "a filter must follow the attribute, not its sub-attribute")
		}
		p.next()
		if out.Filter, err = p.parseOr(1, true); err != nil {
			return Path{}, err
		}
		if t := p.next(); t.kind != tokCloseBracket {
			return Path{}, p.errorf(t, "] is expected")
		}
		if t := p.peek(); t.kind == tokWord {
			p.next()
			sub, ok := strings.CutPrefix(t.text, ".")
			if !ok || !validName(sub) {
				return Path{}, p.errorf(t, "a sub-attribute such as .value is expected after ]")
			}
			out.Sub = sub
		}
	}
	if t := p.peek(); t.kind != tokEOF {
		return Path{}, p.errorf(t, "unexpected %q", t.text)
	}
	return out, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokOpenParen
	tokCloseParen
	tokOpenBracket
	tokCloseBracket
)

var punctuation = map[byte]tokKind{'(': tokOpenParen, ')': tokCloseParen, '[': tokOpenBracket, ']': tokCloseBracket}

type token struct {
	kind tokKind
	text string // the word, or the decoded string
	at   int
}

type parser struct {
	in   string
	toks []token
	pos  int
}

func newParser(s string) (*parser, error) {
	if len(s) > maxLength {
		return nil, &Error{Input: s[:64] + "...", Reason: fmt.Sprintf("longer than %d characters", maxLength)}
	}
	p := &parser{in: s}
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
		case '(', ')', '[', ']':
			p.toks = append(p.toks, token{kind: punctuation[c], text: string(c), at: i})
			i++
		case '"':
			end, text, err := readString(s, i)
			if err != nil {
				return nil, err
			}
			p.toks = append(p.toks, token{kind: tokString, text: text, at: i})
			i = end
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[i])) {
				i++
			}
			p.toks = append(p.toks, token{kind: tokWord, text: s[start:i], at: start})
		}
	}
	p.toks = append(p.toks, token{kind: tokEOF, at: len(s)})
	return p, nil
}

// readString reads the JSON string starting at s[start] and returns the index after it.
func readString(s string, start int) (int, string, error) {
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			text, err := strconv.Unquote(s[start : i+1])
			if err != nil {
				// strconv reads Go strings: JSON's \/ is the one escape it lacks.
				text, err = strconv.Unquote(strings.ReplaceAll(s[start:i+1], `\/`, `/`))
			}
			if err != nil {
				return 0, "", &Error{Input: s, Offset: start, Reason: "invalid escape in a string"}
			}
			return i + 1, text, nil
		}
	}
	return 0, "", &Error{Input: s, Offset: start, Reason: "a string is not closed"}
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) errorf(t token, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	if t.kind == tokEOF {
		reason = strings.Replace(reason, `unexpected ""`, "unexpected end", 1)
		if !strings.Contains(reason, "end") {
			reason += ", found the end"
		}
	}
	return &Error{Input: p.in, Offset: t.at, Reason: reason}
}

func (p *parser) keyword(word string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, word)
}

// parseOr reads filters joined by or. inValue says the filter is inside brackets, where value
// paths may not nest.
func (p *parser) parseOr(depth int, inValue bool) (Expr, error) {
	left, err := p.parseAnd(depth, inValue)
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		p.next()
		right, err := p.parseAnd(depth, inValue)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "or", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseAnd(depth int, inValue bool) (Expr, error) {
	left, err := p.parseUnary(depth, inValue)
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		p.next()
		right, err := p.parseUnary(depth, inValue)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "and", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseUnary(depth int, inValue bool) (Expr, error) {
	if depth >= maxDepth {
		return nil, p.errorf(p.peek(), "nested more than %d levels", maxDepth)
	}
	if p.keyword("not") && p.toks[p.pos+1].kind == tokOpenParen {
		p.next()
		x, err := p.parseUnary(depth+1, inValue)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	}
	t := p.next()
	switch t.kind {
	case tokOpenParen:
		x, err := p.parseOr(depth+1, inValue)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokCloseParen {
			return nil, p.errorf(c, ") is expected")
		}
		return x, nil
	case tokWord:
		return p.parseAttrExpr(t, depth, inValue)
	case tokEOF:
		return nil, p.errorf(t, "a filter is expected")
	}
	return nil, p.errorf(t, "unexpected %q", t.text)
}

// parseAttrExpr reads what follows the attribute path t: pr, an operator and a value, or a
// value filter in brackets.
func (p *parser) parseAttrExpr(t token, depth int, inValue bool) (Expr, error) {
	path, err := p.attrPath(t)
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tokOpenBracket {
		if inValue {
			return nil, p.errorf(p.peek(), "value filters cannot be nested")
		}
		if path.Sub != "" {
			return nil, p.errorf(p.peek(), "a filter must follow the attribute, not its sub-attribute")
		}
		p.next()
		inner, err := p.parseOr(depth+1, true)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokCloseBracket {
			return nil, p.errorf(c, "] is expected")
		}
		// emails[type eq "work"].value eq "x": a comparison of the selected values.
		if s := p.peek(); s.kind == tokWord && strings.HasPrefix(s.text, ".") {
			p.next()
			sub := s.text[1:]
			if !validName(sub) {
				return nil, p.errorf(s, "%q is not a sub-attribute name", sub)
			}
			cmp, err := p.comparison(AttrPath{Name: sub})
			if err != nil {
				return nil, err
			}
			inner = &Logical{Op: "and", Left: inner, Right: cmp}
		}
		return &ValuePath{Path: path, Filter: inner}, nil
	}
	return p.comparison(path)
}

var operators = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "lt": true, "ge": true, "le": true, "pr": true}

// comparison reads the operator and value that follow path.
func (p *parser) comparison(path AttrPath) (Expr, error) {
	t := p.next()
	op := strings.ToLower(t.text)
	if t.kind != tokWord || !operators[op] {
		if t.kind == tokEOF {
			return nil, p.errorf(t, "an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr) is expected after %s", path)
		}
		return nil, p.errorf(t, "%q is not an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)", t.text)
	}
	if op == "pr" {
		return &Compare{Path: path, Op: op}, nil
	}
	v := p.next()
	var value any
	switch v.kind {
	case tokString:
		value = v.text
	case tokWord:
		switch strings.ToLower(v.text) {
		case "true":
			value = true
		case "false":
			value = false
		case "null":
			value = nil
		default:
			n, err := strconv.ParseFloat(v.text, 64)
			if err != nil || strings.ContainsAny(v.text, "xXpP_") || strings.EqualFold(v.text, "nan") || strings.Contains(strings.ToLower(v.text), "inf") {
				return nil, p.errorf(v, "%q is not a value: quote strings, as in \"%s\"", v.text, v.text)
			}
			value = n
		}
	default:
		return nil, p.errorf(v, "a value is expected after %s", op)
	}
	if value == nil && op != "eq" && op != "ne" {
		return nil, p.errorf(v, "null can only be compared with eq or ne")
	}
	if b, ok := value.(bool); ok && op != "eq" && op != "ne" {
		return nil, p.errorf(v, "%t can only be compared with eq or ne", b)
	}
	return &Compare{Path: path, Op: op, Value: value}, nil
}

// attrPath reads an attribute path: [URN ":"] name ["." sub].
func (p *parser) attrPath(t token) (AttrPath, error) {
	text := t.text
	var out AttrPath
	if len(text) > 4 && strings.EqualFold(text[:4], "urn:") {
		i := strings.LastIndexByte(text, ':')
		out.URN, text = text[:i], text[i+1:]
		// The name after the URN may be dotted, and the URN's own version has a dot: the
		// name is what follows the last colon.
	}
	name, sub, dotted := strings.Cut(text, ".")
	if !validName(name) || (dotted && !validName(sub)) {
		return AttrPath{}, p.errorf(t, "%q is not an attribute name", t.text)
	}
	out.Name, out.Sub = name, sub
	return out, nil
}

// validName reports whether s is an ATTRNAME of RFC 7643 §2.1, or $ref.
func validName(s string) bool {
	if s == "$ref" {
		return true
	}
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
