// Package csvfile reads and writes the CSV files of Roster: the directory users file of SPEC §2
// (import and export), the per-row task report, and the agent update template of SPEC §3
// (AgentReader, AgentWriter), all on the generic Table and Writer.
//
// It reads files faithfully and reports format-level problems; it does not apply rules. Emails,
// phone numbers, languages and licenses are validated by the application layer
// (internal/provision), which turns the rows of this package into changes.
//
// # Reading
//
// Open sniffs what spreadsheets actually save: UTF-8 with or without a byte order mark, UTF-16
// LE or BE with a byte order mark (Excel's "Unicode text"), and, for files that are not UTF-8,
// Windows-1252 (or Windows-1250 when the bytes are Polish letters, as Polish Excel saves); the
// table then carries a notice saying so. Binary files (workbooks, PDF, images, NUL bytes) are
// refused up front with a message that says what the file is. The delimiter (',', ';' or tab) is
// detected from the header line, and Excel's "sep=;" first line is honoured. Blank lines are
// skipped, however many, before the header and between rows. Rows with too many or too few
// cells, a quote never closed, and cells that could not be decoded, are row problems, not
// failures. Each row says whether the file is known to be Unicode (Record.Unicode): in a file
// saved in a code page, a spreadsheet wrote "?" for the letters the code page lacks.
//
// # Spreadsheet damage
//
// LostCharacters and SpreadsheetPhone recognize what spreadsheet programs do to cells: "?" for
// letters a code page lacks, a phone number's "+" removed, a phone number in scientific
// notation. The importer decides what to do about it (it keeps the stored value and warns with
// the codes csv_lost_characters, csv_phone_lost_plus and csv_phone_scientific of the root
// package).
//
// Everything streams: buffers are bounded (Limits.MaxRecordBytes for one row, 64 KiB of
// sample), so memory does not grow with the file. A file larger than Limits.MaxBytes or with more
// rows than Limits.MaxRows fails with an error that wraps ErrTooLarge or ErrTooManyRows.
//
// # Writing
//
// Writer, UserWriter and ReportWriter write UTF-8 with a byte order mark, comma-separated, with
// CRLF line ends. The byte order mark is there because Excel opens a CSV file by double-click as
// UTF-8 only when it starts with one; without it every accented name shows garbled. Our own
// reader, and most other CSV readers, skip it. The comma (not the ';' of some locales) keeps the
// format of SPEC §2 exact; Excel in a ';' locale opens it correctly through Data > From Text/CSV.
//
// Cells that a spreadsheet would run as a formula (starting with '=', '+', '-', '@', tab or CR)
// are written with a leading apostrophe, except valid E.164 phone numbers, and the reader strips
// that apostrophe again, so an export imports back to the same values (see Escape).
//
// # Problem codes
//
// Row problems and notices carry a code of their own, written in the per-row report:
// csv_too_many_fields, csv_too_few_fields, csv_unclosed_quote, csv_undecodable, csv_invalid_boolean,
// csv_both_licenses, csv_unknown_columns, csv_legacy_encoding. Errors that refuse a whole file
// are *roster.Error with code invalid.
package csvfile
