package provision

import (
	"fmt"
	"strings"

	"roster"
	"roster/internal/csvfile"
)

// What spreadsheets do to a file, and what an import does about it (docs/decisions.md, "What
// spreadsheets do to an import"): a cell damaged by the program that saved the file is never
// stored. The import treats it as an empty cell, which keeps the stored value (a new user gets
// none), applies the rest of the row, and warns on the row, naming the column, with what
// happened and how to avoid it. Only a damaged email address, which says whom the row is
// about, refuses the row.

// lostEmail refuses a row whose email address lost characters to the file's code page: it
// would name somebody else, or nobody.
func (imp *importRun) lostEmail(row *csvfile.UserRow) *roster.TaskRow {
	if row.Unicode || !csvfile.LostCharacters(row.Email, "") {
		return nil
	}
	return errorRow(roster.CodeLostCharacters, fmt.Sprintf("The email address %q in column %q has \"?\": %s, and the "+
		"spreadsheet wrote \"?\" for characters it could not save. The row is skipped; save the file as \"CSV UTF-8\" "+
		"and import it again.", row.Email, imp.column(csvfile.FieldEmail), savedIn(row)))
}

// savedIn says what the file of row was saved as, when it is not known to be Unicode.
func savedIn(row *csvfile.UserRow) string {
	if row.CodePage != "" {
		return "the file is saved in " + row.CodePage
	}
	return "the file is not saved as \"CSV UTF-8\""
}

// undamaged returns the row with the cells a spreadsheet damaged emptied, and adds a warning
// to d for each kind of damage. stored is the user the row changes, nil for a new user.
func (imp *importRun) undamaged(d *importRow, stored *roster.User, groups *importGroups) *csvfile.UserRow {
	row := *d.row
	if !row.Unicode {
		var cur roster.User
		if stored != nil {
			cur = *stored
		}
		var columns, damaged []string // the columns, and each with its cell
		for _, c := range []struct {
			field  csvfile.Field
			cell   *string
			stored string
		}{
			{csvfile.FieldFirstName, &row.FirstName, cur.FirstName},
			{csvfile.FieldLastName, &row.LastName, cur.LastName},
			{csvfile.FieldDisplayName, &row.DisplayName, cur.DisplayName},
			{csvfile.FieldTitle, &row.Title, cur.Title},
			{csvfile.FieldDepartment, &row.Department, cur.Department},
		} {
			if csvfile.LostCharacters(*c.cell, c.stored) {
				columns = append(columns, imp.column(c.field))
				damaged = append(damaged, fmt.Sprintf("%q (%q)", imp.column(c.field), *c.cell))
				*c.cell = ""
			}
		}
		if groups.lostCharacters(row.Groups) {
			columns = append(columns, imp.column(csvfile.FieldGroups))
			damaged = append(damaged, fmt.Sprintf("%q (%q)", imp.column(csvfile.FieldGroups), strings.Join(row.Groups, "|")))
			row.Groups = nil
		}
		if len(damaged) > 0 {
			kept := "The stored values were kept"
			if stored == nil {
				kept = "These cells were left empty"
			}
			d.warnings = append(d.warnings, csvfile.Problem{Severity: csvfile.SeverityWarning, Code: roster.CodeLostCharacters,
				Column: strings.Join(columns, ", "),
				Message: fmt.Sprintf("Letters were lost in %s: %s, and the spreadsheet wrote \"?\" for those it "+
					"could not save. %s and the rest of the row was applied. To change these values, save the file as "+
					"\"CSV UTF-8\" and import it again; to change only licenses, export a fresh file and delete the "+
					"columns you do not change.", strings.Join(damaged, ", "), savedIn(&row), kept)})
		}
	}
	if damage := csvfile.SpreadsheetPhone(row.PhoneNumber); damage != csvfile.PhoneIntact {
		d.warnings = append(d.warnings, phoneWarning(damage, imp.column(csvfile.FieldPhoneNumber), row.PhoneNumber, stored != nil))
		row.PhoneNumber = ""
	}
	return &row
}

// phoneWarning says what a spreadsheet did to a phone number, what the import kept, and how to
// save the file so that it does not happen again.
func phoneWarning(damage csvfile.PhoneDamage, column, cell string, stored bool) csvfile.Problem {
	kept := "The stored phone number was kept"
	if !stored {
		kept = "The user was added without a phone number"
	}
	advice := fmt.Sprintf("To avoid this, format the %q column as text before you save the file, or export a fresh "+
		"file and delete the columns you do not change.", column)
	p := csvfile.Problem{Severity: csvfile.SeverityWarning, Code: roster.CodePhoneLostPlus, Column: column}
	switch damage {
	case csvfile.PhoneScientific:
		p.Code = roster.CodePhoneScientific
		p.Message = fmt.Sprintf("The phone number %q in column %q is in scientific notation: the spreadsheet read it as "+
			"a number and lost its last digits. %s and the rest of the row was applied. %s", cell, column, kept, advice)
	default:
		p.Message = fmt.Sprintf("The phone number %q in column %q has no leading +: the spreadsheet read it as a number "+
			"and removed the +. %s and the rest of the row was applied. %s", cell, column, kept, advice)
	}
	return p
}

// lostCharacters reports whether a Groups cell of a file not known to be Unicode names a group
// that does not exist with a "?" in its name: a group whose name lost letters to the code page. The
// whole cell is then left alone, since in add_remove mode a name dropped from it would remove
// the user from that group.
func (ig *importGroups) lostCharacters(names []string) bool {
	for _, n := range names {
		if ig.byName[strings.ToLower(strings.TrimSpace(n))] == nil && csvfile.LostCharacters(n, "") {
			return true
		}
	}
	return false
}
