package mail

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var testNow = time.Date(2026, 11, 22, 14, 0, 0, 0, time.FixedZone("CET", 3600))

func TestMessageBytesHeaders(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Å", 300)
	tests := []struct {
		name        string
		msg         Message
		wantFrom    string // decoded display name
		wantTo      string
		wantSubject string
	}{
		{
			name:        "non-ASCII names and subject",
			msg:         Message{From: testFrom, To: testTo, Subject: "Välkommen till Roster, Łukasz"},
			wantFrom:    "Åsa Öberg",
			wantTo:      "Łukasz Wąs",
			wantSubject: "Välkommen till Roster, Łukasz",
		},
		{
			name: "CR LF and controls in names and subject",
			msg: Message{
				From:    mail.Address{Name: "Eve\r\nBcc: x@evil.example", Address: "eve@roster.example"},
				To:      mail.Address{Name: "Bob\x00\x1b[31m\tSmith\u2028", Address: "bob@customer.example"},
				Subject: "Hi\r\n\r\nBcc: y@evil.example\rX: \n",
			},
			wantFrom:    "Eve Bcc: x@evil.example",
			wantTo:      "Bob [31m Smith",
			wantSubject: "Hi Bcc: y@evil.example X:",
		},
		{
			name:        "300-character name and subject are cut to 200",
			msg:         Message{From: mail.Address{Name: long, Address: "a@roster.example"}, To: testTo, Subject: long},
			wantFrom:    strings.Repeat("Å", 200),
			wantTo:      "Łukasz Wąs",
			wantSubject: strings.Repeat("Å", 200),
		},
		{
			name:        "long ASCII subject with words is cut on a word-independent rune boundary",
			msg:         Message{From: testFrom, To: mail.Address{Address: "bob@customer.example"}, Subject: strings.Repeat("word ", 60)},
			wantFrom:    "Åsa Öberg",
			wantSubject: strings.TrimSpace(strings.Repeat("word ", 40)),
		},
		{
			name:        "invalid UTF-8 is replaced",
			msg:         Message{From: testFrom, To: testTo, Subject: "bad \xff byte"},
			wantFrom:    "Åsa Öberg",
			wantTo:      "Łukasz Wąs",
			wantSubject: "bad \uFFFD byte",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := tt.msg
			m.Text, m.HTML = "text", "<p>html</p>"
			data, err := m.Bytes(testNow)
			if err != nil {
				t.Fatal(err)
			}
			head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
			for line := range strings.SplitSeq(string(head), "\r\n") {
				if len(line) > 998 || strings.ContainsAny(line, "\r\n\x00") {
					t.Errorf("malformed header line %q", line)
				}
				if line != "" && line[0] != ' ' && !strings.Contains(line, ":") {
					t.Errorf("header line without a name: %q", line)
				}
			}
			p := parseMessage(t, data)
			if len(p.header) != 7 {
				t.Errorf("header has %d fields, want 7: %v", len(p.header), p.header)
			}
			var dec mime.WordDecoder
			subject, err := dec.DecodeHeader(p.header.Get("Subject"))
			if err != nil || subject != tt.wantSubject {
				t.Errorf("Subject = %q (%v), want %q", subject, err, tt.wantSubject)
			}
			if !utf8.ValidString(subject) || utf8.RuneCountInString(subject) > MaxHeaderText {
				t.Errorf("Subject %q is not valid UTF-8 of at most %d runes", subject, MaxHeaderText)
			}
			for field, want := range map[string]string{"From": tt.wantFrom, "To": tt.wantTo} {
				got, err := p.header.AddressList(field)
				if err != nil || len(got) != 1 || got[0].Name != want {
					t.Errorf("%s = %v (%v), want name %q", field, got, err, want)
				}
			}
			if got, err := p.header.Date(); err != nil || !got.Equal(testNow) {
				t.Errorf("Date = %v (%v), want %v", got, err, testNow)
			}
		})
	}
}

func TestMessageBytesRefusesBadInput(t *testing.T) {
	t.Parallel()
	ok := mail.Address{Address: "bob@customer.example"}
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"empty recipient", Message{From: testFrom, Text: "x"}, "to address"},
		{"recipient with CR LF", Message{From: testFrom, To: mail.Address{Address: "bob@customer.example\r\nBcc: x@evil.example"}, Text: "x"}, "control characters"},
		{"recipient that does not parse", Message{From: testFrom, To: mail.Address{Address: "not an address"}, Text: "x"}, "does not parse"},
		{"recipient with display name", Message{From: testFrom, To: mail.Address{Address: "Bob <bob@customer.example>"}, Text: "x"}, "not a bare address"},
		{"sender that does not parse", Message{From: mail.Address{Address: "roster@"}, To: ok, Text: "x"}, "from address"},
		{"no body", Message{From: testFrom, To: ok}, "no body"},
		{"message id with CR LF", Message{From: testFrom, To: ok, Text: "x", ID: "a\r\nBcc: x"}, "message id"},
		{"message id with @", Message{From: testFrom, To: ok, Text: "x", ID: "a@b"}, "message id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.msg.Bytes(testNow)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Bytes = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestMessageBytesTextOnly(t *testing.T) {
	t.Parallel()
	m := &Message{From: testFrom, To: testTo, Subject: "Hi", Text: "Hej Åsa!\n"}
	data, err := m.Bytes(testNow)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@roster.example>") {
		t.Errorf("generated Message-ID = %q", id)
	}
	if !bytes.Contains(data, []byte("Hej =C3=85sa!\r\n")) {
		t.Errorf("body is not quoted-printable:\n%s", data)
	}
}
