package csvfile

import (
	"strings"
)

// What spreadsheet programs do to the cells of a file when they save it, and how an importer
// recognizes it. The importer decides what to do about it (internal/provision keeps the stored
// value and warns); this file only says what happened.

// LostCharacters reports whether cell, read from a row of a file that is not known to be
// Unicode (Record.Unicode false), lost characters compared with replaced, the value the cell
// would replace ("" when there is none). A spreadsheet that saves in Windows-1250 or
// Windows-1252 writes "?" for every letter the code page lacks (Łukasz Żółć is "?ukasz ?ó??"
// in Windows-1252, 李伟 is "??"), so a cell that holds more "?" than the value it replaces is
// taken to have lost some. A file left with ASCII only by the replacement cannot be told from
// UTF-8, which is why the rule holds for every file without a byte order mark or UTF-8 beyond
// ASCII. A "?" that was really typed is refused with the lost ones: saved as "CSV UTF-8",
// which has a byte order mark, the same file imports it.
func LostCharacters(cell, replaced string) bool {
	return strings.Count(cell, "?") > strings.Count(replaced, "?")
}

// PhoneDamage is what a spreadsheet did to a phone number cell.
type PhoneDamage int

// Kinds of damage to a phone number.
const (
	// PhoneIntact: nothing recognizable; the cell is validated as written.
	PhoneIntact PhoneDamage = iota
	// PhoneLostPlus: digits only, as a spreadsheet leaves "+46701234567" when it reads the
	// cell as a number: 46701234567. The country code is probably still there, but the number
	// cannot be told apart from one typed without it.
	PhoneLostPlus
	// PhoneScientific: the number was read as a number and written in scientific notation,
	// 4.67012E+10 or, in locales with a decimal comma, 4,67012E+10. Its last digits are gone.
	PhoneScientific
)

// SpreadsheetPhone recognizes the two ways a spreadsheet damages an E.164 phone number that it
// reads as a number: the leading "+" removed (2 to 15 digits, the first not 0, as E.164 allows
// after the "+"), or the number written in scientific notation. A number written in a national
// form (0701234567) is not damage: it was typed that way.
func SpreadsheetPhone(cell string) PhoneDamage {
	if n := len(cell); n >= 2 && n <= 15 && cell[0] != '0' && digitsOnly(cell) {
		return PhoneLostPlus
	}
	mantissa, exponent, ok := strings.Cut(strings.ToUpper(cell), "E")
	if !ok {
		return PhoneIntact
	}
	whole, fraction, _ := strings.Cut(strings.Replace(mantissa, ",", ".", 1), ".")
	exponent = strings.TrimPrefix(exponent, "+")
	if len(whole) >= 1 && len(whole) <= 2 && digitsOnly(whole) && (fraction == "" || digitsOnly(fraction)) &&
		len(exponent) >= 1 && len(exponent) <= 2 && digitsOnly(exponent) {
		return PhoneScientific
	}
	return PhoneIntact
}

func digitsOnly(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
