package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxHeaderText is the number of characters (runes) a display name or subject is cut to, so that
// an unexpectedly long value cannot make a message malformed.
const MaxHeaderText = 200

// Message is one email with a plain-text part and an optional HTML alternative.
type Message struct {
	From, To mail.Address
	Subject  string
	Text     string // plain-text body; line endings become CRLF on the wire
	HTML     string // HTML body; empty sends a text/plain message only
	// ID is the left part of the Message-ID (before the @); empty generates a random one. It
	// may hold letters, digits and ".-_+=" only, so that an outbox can use its own identifier.
	ID string
}

// Bytes renders m as an RFC 5322 message dated now: UTF-8, quoted-printable bodies, a
// multipart/alternative body when m.HTML is set. Display names and the subject are stripped of
// control characters, whitespace runs are collapsed and the result is cut to MaxHeaderText
// characters; addresses that do not parse are refused.
func (m *Message) Bytes(now time.Time) ([]byte, error) {
	from, err := formatAddress("from", m.From)
	if err != nil {
		return nil, err
	}
	to, err := formatAddress("to", m.To)
	if err != nil {
		return nil, err
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mail: message has no body")
	}
	id, err := messageID(m.ID, m.From.Address)
	if err != nil {
		return nil, err
	}

	var b bytes.Buffer
	writeHeader(&b, "Date", now.Format(time.RFC1123Z))
	writeHeader(&b, "From", from)
	writeHeader(&b, "To", to)
	writeHeader(&b, "Subject", mime.QEncoding.Encode("utf-8", cleanHeaderText(m.Subject)))
	writeHeader(&b, "Message-ID", id)
	writeHeader(&b, "MIME-Version", "1.0")

	if m.HTML == "" {
		writeHeader(&b, "Content-Type", "text/plain; charset=utf-8")
		writeHeader(&b, "Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQuotedPrintable(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	mw := multipart.NewWriter(&b)
	writeHeader(&b, "Content-Type", mime.FormatMediaType("multipart/alternative",
		map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	for _, part := range []struct{ mediaType, body string }{
		{"text/plain", m.Text},
		{"text/html", m.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.mediaType + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("mail: create %s part: %w", part.mediaType, err)
		}
		if err := writeQuotedPrintable(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("mail: close multipart body: %w", err)
	}
	return b.Bytes(), nil
}

func writeQuotedPrintable(w interface{ Write([]byte) (int, error) }, body string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(strings.ToValidUTF8(body, "\uFFFD"))); err != nil {
		return fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("mail: encode body: %w", err)
	}
	return nil
}

// formatAddress validates a and returns its header form with a cleaned display name.
func formatAddress(field string, a mail.Address) (string, error) {
	if err := ValidateAddress(a.Address); err != nil {
		return "", fmt.Errorf("mail: %s address: %w", field, err)
	}
	a.Name = cleanHeaderText(a.Name)
	return a.String(), nil
}

// ValidateAddress reports whether addr is a bare email address (local@domain, no display name,
// no angle brackets) that net/mail accepts and that cannot smuggle a header or SMTP command.
func ValidateAddress(addr string) error {
	if addr == "" {
		return errors.New("address is empty")
	}
	if strings.ContainsFunc(addr, unicode.IsControl) {
		return fmt.Errorf("address %q contains control characters", addr)
	}
	parsed, err := mail.ParseAddress(addr)
	if err != nil {
		return fmt.Errorf("address %q does not parse: %w", addr, err)
	}
	if parsed.Name != "" || parsed.Address != addr {
		return fmt.Errorf("address %q is not a bare address", addr)
	}
	return nil
}

// cleanHeaderText makes s safe as unstructured header text: valid UTF-8, every control
// character (CR and LF included) turned into a space, whitespace runs collapsed, trimmed, and
// cut to MaxHeaderText runes.
func cleanHeaderText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if n >= MaxHeaderText {
			break
		}
		if space {
			if n+1 >= MaxHeaderText {
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// messageID returns "<id@domain>" with the domain of the sender's address.
func messageID(id, from string) (string, error) {
	if id == "" {
		var buf [16]byte
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails
		id = hex.EncodeToString(buf[:])
	} else if !isIDText(id) {
		return "", fmt.Errorf("mail: message id %q may hold letters, digits and .-_+= only", id)
	}
	domain := from[strings.LastIndexByte(from, '@')+1:]
	if !isIDText(domain) {
		domain = "roster.invalid"
	}
	return "<" + id + "@" + domain + ">", nil
}

func isIDText(s string) bool {
	if s == "" || len(s) > 200 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !isIDRune(r) {
			return false
		}
	}
	return true
}

// writeHeader writes "name: value" folded at spaces so that lines stay near 78 characters (a
// single word longer than that stays on its own line, still far below the 998 limit because
// header text is cut and encoded words are at most 75 characters).
func writeHeader(b *bytes.Buffer, name, value string) {
	line := name + ":"
	lineLen := len(line)
	b.WriteString(line)
	for i, word := range strings.Split(value, " ") {
		if i > 0 && lineLen+1+len(word) > 78 {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		lineLen += 1 + len(word)
	}
	b.WriteString("\r\n")
}

func isIDRune(r rune) bool {
	switch {
	case r >= utf8.RuneSelf:
		return false
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	default:
		return strings.ContainsRune(".-_+=", r)
	}
}
