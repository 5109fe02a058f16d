package cql2

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the longest filter text accepted, in bytes.
const MaxLen = 16 << 10

// maxDepth bounds the nesting of parentheses (boolean groups and geometry literals).
const maxDepth = 64

// SyntaxError is a filter that cannot be parsed; Pos is the byte offset (0-based) of the problem.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("CQL2 syntax error at offset %d: %s", e.Pos, e.Msg)
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuotedIdent
	tString
	tNumber
	tLParen
	tRParen
	tComma
	tOp // = <> < > <= >=
)

type token struct {
	kind tokKind
	text string // identifier, unescaped string, number text or operator
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tString:
		return fmt.Sprintf("'%s'", t.text)
	case tQuotedIdent:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// is reports whether t is the keyword kw (case-insensitive).
func (t token) is(kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

// lex splits s into tokens.
func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			return nil, &SyntaxError{i, "invalid UTF-8"}
		case unicode.IsSpace(r):
			i += w
		case r == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case r == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case r == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case r == '=':
			out = append(out, token{tOp, "=", i})
			i++
		case r == '<' || r == '>':
			op := string(r)
			if i+1 < len(s) && (s[i+1] == '=' || (r == '<' && s[i+1] == '>')) {
				op += string(s[i+1])
			}
			out = append(out, token{tOp, op, i})
			i += len(op)
		case r == '\'':
			str, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{tString, str, i})
			i += n
		case r == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, &SyntaxError{i, "unterminated quoted property name"}
			}
			if j == 0 {
				return nil, &SyntaxError{i, "empty quoted property name"}
			}
			out = append(out, token{tQuotedIdent, s[i+1 : i+1+j], i})
			i += j + 2
		case r == '-' || r == '+' || r == '.' || (r >= '0' && r <= '9'):
			n := lexNumber(s[i:])
			if n == 0 {
				return nil, &SyntaxError{i, fmt.Sprintf("unexpected %q", r)}
			}
			out = append(out, token{tNumber, s[i : i+n], i})
			i += n
		case unicode.IsLetter(r) || r == '_':
			j := i + w
			for j < len(s) {
				r2, w2 := utf8.DecodeRuneInString(s[j:])
				if !(unicode.IsLetter(r2) || unicode.IsDigit(r2) || r2 == '_' || r2 == ':' || r2 == '.') {
					break
				}
				j += w2
			}
			out = append(out, token{tIdent, s[i:j], i})
			i = j
		default:
			return nil, &SyntaxError{i, fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(out, token{tEOF, "", len(s)}), nil
}

// lexString reads a '…' literal starting at s[i] (” escapes a quote); it returns the value and
// the number of bytes consumed.
func lexString(s string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for {
		k := strings.IndexByte(s[j:], '\'')
		if k < 0 {
			return "", 0, &SyntaxError{i, "unterminated string literal"}
		}
		b.WriteString(s[j : j+k])
		j += k + 1
		if j < len(s) && s[j] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return b.String(), j - i, nil
	}
}

// lexNumber returns the length of the numeric literal at the start of s (0 if none).
func lexNumber(s string) int {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i
}
