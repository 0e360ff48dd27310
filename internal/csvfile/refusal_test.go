package csvfile_test

import (
	"strings"
	"testing"

	"roster"
	"roster/internal/csvfile"
)

// A refused file names the kind of its refusal, for clients in other languages to explain it.
func TestFileRefusalKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, kind string
	}{
		{"xlsx", "PK\x03\x04rest of a workbook", csvfile.FileWorkbook},
		{"png", "\x89PNG\r\n\x1a\nimage", csvfile.FileNotCSV},
		{"binary", "a,b\x00\x01\x02\x03\x04\x05\x06\x07\x08", csvfile.FileNotCSV},
		{"html", "<!DOCTYPE html><html><body>x</body></html>\n", csvfile.FileNotCSV},
		{"utf32", "\xFF\xFE\x00\x00a\x00\x00\x00", csvfile.FileEncoding},
		{"empty", "", csvfile.FileEmpty},
		{"no rows", "User ID/Email (Required)\n", csvfile.FileNoRows},
		{"no email column", "Name,Phone\nAda,+46701234567\n", csvfile.FileNoEmailColumn},
		{"two email columns", "Email,E-mail\na@example.com,b@example.com\n", csvfile.FileDuplicateColumn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tab, err := csvfile.Open(strings.NewReader(tt.file), csvfile.Limits{})
			if err == nil {
				_, err = csvfile.NewUserReader(tab)
			}
			if got := roster.ErrorParams(err)[csvfile.ParamFile]; got != tt.kind || roster.ErrorCode(err) != roster.CodeInvalid {
				t.Errorf("%v: kind %v, want %s", err, got, tt.kind)
			}
		})
	}
}
