package csvfile

import (
	"bytes"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func TestSpreadsheetPhone(t *testing.T) {
	t.Parallel()
	tests := map[string]PhoneDamage{
		"+46701234567":     PhoneIntact,
		"":                 PhoneIntact,
		"46701234567":      PhoneLostPlus,
		"8613800138000":    PhoneLostPlus,
		"12":               PhoneLostPlus,
		"0701234567":       PhoneIntact, // typed in a national form, not damage
		"1234567890123456": PhoneIntact, // longer than E.164 allows
		"4,67012E+10":      PhoneScientific,
		"4.67012E+10":      PhoneScientific,
		"4.67012e+10":      PhoneScientific,
		"8,6138E+12":       PhoneScientific,
		"5E+10":            PhoneScientific,
		"4.67012E10":       PhoneScientific,
		"+4.67012E+10":     PhoneIntact,
		"4.67012E+":        PhoneIntact,
		"E+10":             PhoneIntact,
		"4.6x012E+10":      PhoneIntact,
		"070-123 45 67":    PhoneIntact,
		"Eva":              PhoneIntact,
	}
	for cell, want := range tests {
		if got := SpreadsheetPhone(cell); got != want {
			t.Errorf("SpreadsheetPhone(%q) = %d, want %d", cell, got, want)
		}
	}
}

func TestLostCharacters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cell, replaced string
		want           bool
	}{
		{"?ukasz ?ó??", "Łukasz Żółć", true},
		{"??", "李伟", true},
		{"?ukasz", "", true},
		{"Who?", "Who?", false},
		{"Who? Me?", "Who?", true},
		{"Lukasz", "Łukasz", false},
		{"", "Łukasz", false},
	}
	for _, tt := range tests {
		if got := LostCharacters(tt.cell, tt.replaced); got != tt.want {
			t.Errorf("LostCharacters(%q, %q) = %v, want %v", tt.cell, tt.replaced, got, tt.want)
		}
	}
}

// TestRowCodePage checks what a row says about the encoding it was read in: the legacy code
// page, and whether the file is known to be Unicode.
func TestRowCodePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     []byte
		codePage string
		unicode  bool
	}{
		{"Windows-1252", []byte("Email,Name\na@example.com,?ukasz \xC5sa\n"), encWindows1252, false},
		{"Windows-1250", []byte("Email;Name\na@example.com;\xA3ukasz \xAF\xF3\xB3\xE6\n"), encWindows1250, false},
		{"ASCII only: may be either", []byte("Email,Name\na@example.com,?ukasz\n"), "", false},
		{"UTF-8 beyond ASCII", []byte("Email,Name\na@example.com,Łukasz?\n"), "", true},
		{"UTF-8 with BOM", []byte("\xEF\xBB\xBFEmail,Name\na@example.com,?\n"), "", true},
		{"UTF-16LE", encUTF16("Email,Name\na@example.com,?\n", unicode.LittleEndian), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl, err := Open(bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			u, err := NewUserReader(tbl)
			if err != nil {
				t.Fatal(err)
			}
			row, err := u.Next()
			if err != nil {
				t.Fatal(err)
			}
			if row.CodePage != tt.codePage || row.Unicode != tt.unicode {
				t.Errorf("code page %q, Unicode %v; want %q, %v", row.CodePage, row.Unicode, tt.codePage, tt.unicode)
			}
		})
	}
}
