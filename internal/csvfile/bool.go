package csvfile

import (
	"fmt"
	"strings"
)

// Choice is a yes/no cell that may also be left empty: an empty cell (or a missing column) is
// no explicit choice, which SPEC §2 distinguishes from "no".
type Choice int8

// Choices.
const (
	Unset Choice = iota // empty cell or no such column
	True
	False
)

// String returns "", "TRUE" or "FALSE", as the cell would be written.
func (c Choice) String() string {
	switch c {
	case True:
		return "TRUE"
	case False:
		return "FALSE"
	}
	return ""
}

// choices are the accepted spellings, lower case. Spreadsheet programs write their boolean
// words when they save a sheet in the administrator's language: Excel and LibreOffice in
// Swedish write SANT/FALSKT, in Dutch WAAR/ONWAAR, in Spanish VERDADERO/FALSO, in Polish
// PRAWDA/FAŁSZ. People typing by hand write yes/no in their language. FALSZ without the ogonek
// is accepted because Polish files read as Windows-1252 (or typed on a US keyboard) lose it.
var choices = map[string]Choice{
	"true": True, "false": False,
	"1": True, "0": False,
	"yes": True, "no": False,
	"sant": True, "falskt": False, // sv
	"ja": True, "nej": False, // sv
	"waar": True, "onwaar": False, // nl
	"nee":       False,                // nl (ja as in sv)
	"verdadero": True, "falso": False, // es
	"sí": True, "si": True, // es (no as in en)
	"prawda": True, "fałsz": False, "falsz": False, // pl
	"tak": True, "nie": False, // pl
}

// acceptedChoices is the list the error message shows.
const acceptedChoices = "TRUE or FALSE (also 1/0, yes/no, SANT/FALSKT, ja/nej, WAAR/ONWAAR, ja/nee, " +
	"VERDADERO/FALSO, sí/no, PRAWDA/FAŁSZ, tak/nie, in any case), or leave the cell empty"

// ParseChoice reads a yes/no cell, trimmed, in any case. An empty cell is Unset. ok is false
// when the cell is none of the accepted words; ChoiceProblem then says what is accepted.
func ParseChoice(cell string) (c Choice, ok bool) {
	// The spellings our own export writes come first, without the allocation of ToLower.
	switch cell {
	case "":
		return Unset, true
	case "TRUE":
		return True, true
	case "FALSE":
		return False, true
	}
	c, ok = choices[strings.ToLower(strings.TrimSpace(cell))]
	return c, ok
}

// ChoiceProblem is the row problem for a cell that ParseChoice does not accept. column is the
// header text as in the file.
func ChoiceProblem(column, cell string) Problem {
	return Problem{
		Severity: SeverityError,
		Code:     CodeInvalidBoolean,
		Column:   column,
		Message:  fmt.Sprintf("%q in column %q is not a yes/no value: write %s.", shorten(cell), column, acceptedChoices),
		Params:   map[string]string{"Value": shorten(cell)},
	}
}

// shorten cuts a cell quoted in a message, so that a runaway cell does not make a runaway report.
func shorten(s string) string {
	const limit = 40
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
