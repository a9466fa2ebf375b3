package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// xmlScanner is a small XML tokenizer for the parts of a spreadsheet that
// can be large (the sheet, the shared strings). It reads from a buffer it
// refills and hands out names, attributes and text as byte slices it
// reuses, so a token costs no allocation: encoding/xml allocates a token,
// its names and its attributes for every element, which made three
// quarters of an XLSX import's time.
//
// It knows only what a spreadsheet needs: elements (their local names,
// the prefix dropped), attributes, text with the five entities and
// character references, CDATA; comments, processing instructions and a
// DOCTYPE are skipped. Line ends in text become \n, as encoding/xml makes
// them. It does not check that end tags match their start tags; a
// malformed document gives an error or a wrong reading, never a panic,
// and no token longer than max bytes is read.
type xmlScanner struct {
	rd       io.Reader
	buf      []byte
	pos, end int
	rerr     error
	max      int

	kind  xmlKind
	name  []byte    // local name of a start or end element
	attrs []xmlAttr // of a start element
	text  []byte    // of a text token
	// selfClosed is set on the start token of <x/>: the end token follows.
	selfClosed, pendingEnd bool

	tag  []byte // the raw bytes of the current tag; name and attrs point into it
	tbuf []byte // the current text
}

type xmlKind int

const (
	xmlEOF xmlKind = iota
	xmlOpen
	xmlClose
	xmlChars
)

type xmlAttr struct{ name, value []byte }

var errXMLTooLong = errors.New("xml: token too long")

func newXMLScanner(r io.Reader, max int) *xmlScanner {
	return &xmlScanner{rd: r, buf: make([]byte, 64<<10), max: max}
}

// fill reads more input; false at the end of it (or an error, kept in rerr).
func (s *xmlScanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	s.pos, s.end = 0, 0
	for s.end == 0 {
		n, err := s.rd.Read(s.buf)
		s.end = n
		if err != nil {
			s.rerr = err
			return n > 0
		}
	}
	return true
}

func (s *xmlScanner) byte() (byte, bool) {
	if s.pos < s.end {
		c := s.buf[s.pos]
		s.pos++
		return c, true
	}
	if !s.fill() {
		return 0, false
	}
	c := s.buf[s.pos]
	s.pos++
	return c, true
}

// readErr is the error that ended the input early.
func (s *xmlScanner) readErr(what string) error {
	if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
		return s.rerr
	}
	return fmt.Errorf("xml: unexpected end in %s", what)
}

// next reads the next token: xmlEOF at the end of the input.
func (s *xmlScanner) next() (xmlKind, error) {
	if s.pendingEnd {
		s.pendingEnd, s.selfClosed, s.attrs = false, false, s.attrs[:0]
		s.kind = xmlClose
		return xmlClose, nil
	}
	s.selfClosed = false
	for {
		if s.pos >= s.end && !s.fill() {
			if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
				return xmlEOF, s.rerr
			}
			s.kind = xmlEOF
			return xmlEOF, nil
		}
		if s.buf[s.pos] != '<' {
			return s.readText()
		}
		s.pos++
		c, ok := s.byte()
		if !ok {
			return xmlEOF, s.readErr("a tag")
		}
		switch c {
		case '?':
			if err := s.skipUntil("?>"); err != nil {
				return xmlEOF, err
			}
			continue
		case '!':
			k, err := s.readBang()
			if err != nil {
				return xmlEOF, err
			}
			if k == xmlChars {
				return k, nil
			}
			continue
		}
		s.pos-- // c is part of the tag
		return s.readTag()
	}
}

// readText reads text up to the next '<', decoding entities.
func (s *xmlScanner) readText() (xmlKind, error) {
	s.tbuf = s.tbuf[:0]
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '<'); i >= 0 {
			s.tbuf = append(s.tbuf, s.buf[s.pos:s.pos+i]...)
			s.pos += i
			break
		}
		s.tbuf = append(s.tbuf, s.buf[s.pos:s.end]...)
		s.pos = s.end
		if len(s.tbuf) > s.max {
			return xmlEOF, errXMLTooLong
		}
		if !s.fill() {
			if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
				return xmlEOF, s.rerr
			}
			break
		}
	}
	if len(s.tbuf) > s.max {
		return xmlEOF, errXMLTooLong
	}
	t, err := unescape(s.tbuf, true)
	if err != nil {
		return xmlEOF, err
	}
	s.text, s.kind = t, xmlChars
	return xmlChars, nil
}

// skipUntil reads past the next occurrence of end.
func (s *xmlScanner) skipUntil(end string) error {
	matched := 0
	for {
		c, ok := s.byte()
		if !ok {
			return s.readErr("a comment or instruction")
		}
		switch {
		case c == end[matched]:
			matched++
			if matched == len(end) {
				return nil
			}
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
}

// readBang reads what follows "<!": a comment, a DOCTYPE (both skipped) or
// a CDATA section (a text token).
func (s *xmlScanner) readBang() (xmlKind, error) {
	c, ok := s.byte()
	if !ok {
		return xmlEOF, s.readErr("<!")
	}
	switch c {
	case '-':
		if c, ok = s.byte(); !ok || c != '-' {
			return xmlEOF, errors.New("xml: bad comment")
		}
		return xmlEOF, s.skipUntil("-->")
	case '[':
		for _, want := range []byte("CDATA[") {
			if c, ok = s.byte(); !ok || c != want {
				return xmlEOF, errors.New("xml: bad CDATA section")
			}
		}
		s.tbuf = s.tbuf[:0]
		for {
			c, ok = s.byte()
			if !ok {
				return xmlEOF, s.readErr("CDATA")
			}
			s.tbuf = append(s.tbuf, c)
			if len(s.tbuf) > s.max {
				return xmlEOF, errXMLTooLong
			}
			if n := len(s.tbuf); n >= 3 && string(s.tbuf[n-3:]) == "]]>" {
				s.tbuf = s.tbuf[:n-3]
				break
			}
		}
		s.text, s.kind = crlf(s.tbuf), xmlChars
		return xmlChars, nil
	}
	// <!DOCTYPE …> with an optional [internal subset].
	depth := 0
	for n := 0; ; n++ {
		if n > s.max {
			return xmlEOF, errXMLTooLong
		}
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case '>':
			if depth <= 0 {
				return xmlEOF, nil
			}
		}
		if c, ok = s.byte(); !ok {
			return xmlEOF, s.readErr("<!DOCTYPE")
		}
	}
}

// readTag reads a start or end tag (after its '<').
func (s *xmlScanner) readTag() (xmlKind, error) {
	s.tag = s.tag[:0]
	var quote byte
	for closed := false; !closed; {
		if s.pos >= s.end && !s.fill() {
			return xmlEOF, s.readErr("a tag")
		}
		seg := s.buf[s.pos:s.end]
		i := 0
		for ; i < len(seg); i++ {
			c := seg[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
			} else if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				closed = true
				break
			}
		}
		s.tag = append(s.tag, seg[:i]...)
		s.pos += i
		if closed {
			s.pos++ // the '>'
		}
		if len(s.tag) > s.max {
			return xmlEOF, errXMLTooLong
		}
	}
	t := s.tag
	if len(t) > 0 && t[0] == '/' {
		s.name, s.kind = localName(bytes.TrimSpace(t[1:])), xmlClose
		return xmlClose, nil
	}
	if n := len(t); n > 0 && t[n-1] == '/' {
		t = t[:n-1]
		s.selfClosed, s.pendingEnd = true, true
	}
	i := 0
	for i < len(t) && !space(t[i]) {
		i++
	}
	if i == 0 {
		return xmlEOF, errors.New("xml: a tag without a name")
	}
	s.name = localName(t[:i])
	s.attrs = s.attrs[:0]
	for i < len(t) {
		for i < len(t) && space(t[i]) {
			i++
		}
		if i == len(t) {
			break
		}
		start := i
		for i < len(t) && t[i] != '=' && !space(t[i]) {
			i++
		}
		name := t[start:i]
		for i < len(t) && space(t[i]) {
			i++
		}
		if i == len(t) || t[i] != '=' {
			return xmlEOF, fmt.Errorf("xml: attribute %q without a value", name)
		}
		i++
		for i < len(t) && space(t[i]) {
			i++
		}
		if i == len(t) || (t[i] != '"' && t[i] != '\'') {
			return xmlEOF, fmt.Errorf("xml: attribute %q without quotes", name)
		}
		q := t[i]
		i++
		j := bytes.IndexByte(t[i:], q)
		if j < 0 {
			return xmlEOF, fmt.Errorf("xml: attribute %q not closed", name)
		}
		v, err := unescape(t[i:i+j], false)
		if err != nil {
			return xmlEOF, err
		}
		s.attrs = append(s.attrs, xmlAttr{name: localName(name), value: v})
		i += j + 1
	}
	s.kind = xmlOpen
	return xmlOpen, nil
}

func space(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// localName drops a namespace prefix: x:row is row.
func localName(b []byte) []byte {
	if i := bytes.IndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// attr returns the value of the current start element's attribute.
func (s *xmlScanner) attr(name string) ([]byte, bool) {
	for _, a := range s.attrs {
		if string(a.name) == name {
			return a.value, true
		}
	}
	return nil, false
}

// crlf turns \r\n and a lone \r into \n, in place.
func crlf(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	w := 0
	for r := 0; r < len(b); r++ {
		c := b[r]
		if c == '\r' {
			c = '\n'
			if r+1 < len(b) && b[r+1] == '\n' {
				r++
			}
		}
		b[w] = c
		w++
	}
	return b[:w]
}

// unescape decodes the entities of text or an attribute value in place (a
// decoded entity is never longer than its reference), and its line ends.
func unescape(b []byte, text bool) ([]byte, error) {
	b = crlf(b)
	if bytes.IndexByte(b, '&') < 0 {
		return b, nil
	}
	w := 0
	for r := 0; r < len(b); {
		c := b[r]
		if c != '&' {
			b[w] = c
			w++
			r++
			continue
		}
		end := bytes.IndexByte(b[r:], ';')
		if end < 0 {
			return nil, errors.New("xml: an entity without ';'")
		}
		ref := b[r+1 : r+end]
		r += end + 1
		var ch rune
		switch string(ref) {
		case "lt":
			ch = '<'
		case "gt":
			ch = '>'
		case "amp":
			ch = '&'
		case "apos":
			ch = '\''
		case "quot":
			ch = '"'
		default:
			if len(ref) < 2 || ref[0] != '#' {
				return nil, fmt.Errorf("xml: unknown entity &%s;", clipBytes(ref))
			}
			n, base, digits := 0, 10, ref[1:]
			if digits[0] == 'x' {
				base, digits = 16, digits[1:]
			}
			if len(digits) == 0 || len(digits) > 8 {
				return nil, fmt.Errorf("xml: bad character reference &%s;", clipBytes(ref))
			}
			for _, d := range digits {
				v := hexDigit(d)
				if v < 0 || v >= base {
					return nil, fmt.Errorf("xml: bad character reference &%s;", clipBytes(ref))
				}
				n = n*base + v
			}
			ch = rune(n)
			if !xmlChar(ch) {
				return nil, fmt.Errorf("xml: character reference &%s; is not a character", clipBytes(ref))
			}
		}
		w += utf8.EncodeRune(b[w:], ch)
	}
	return b[:w], nil
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// xmlChar reports whether r may appear in an XML document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func clipBytes(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return string(b)
}
