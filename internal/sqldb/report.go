package sqldb

import (
	"encoding/json"
	"fmt"
	"strconv"

	"roster"
)

// A block of task_reports holds its rows as a JSON array of arrays (row, email, outcome, code,
// message, user id, and, when the row has them, column and parameters as a JSON object): the
// names of the fields are not repeated for every row, and any text a message or a malformed
// email holds comes back as it went in. Blocks written before rows had a column and parameters
// hold six fields, and read as rows without them.

func encodeReport(rows []*roster.TaskRow) ([]byte, error) {
	recs := make([][]string, len(rows))
	for i, r := range rows {
		rec := []string{strconv.Itoa(r.Row), r.Email, r.Outcome, string(r.Code), r.Message, r.UserID}
		if r.Column != "" || len(r.Params) > 0 {
			params := ""
			if len(r.Params) > 0 {
				b, err := json.Marshal(r.Params)
				if err != nil {
					return nil, fmt.Errorf("encode report row %d: %w", r.Row, err)
				}
				params = string(b)
			}
			rec = append(rec, r.Column, params)
		}
		recs[i] = rec
	}
	return json.Marshal(recs)
}

// decodeReport calls fn with each row of a block, in order, until fn returns false. The row's
// TaskID is not set.
func decodeReport(body []byte, fn func(row *roster.TaskRow) bool) error {
	var recs [][]string
	if err := json.Unmarshal(body, &recs); err != nil {
		return fmt.Errorf("decode report block: %w", err)
	}
	for _, rec := range recs {
		if len(rec) != 6 && len(rec) != 8 {
			return fmt.Errorf("decode report block: a row of %d fields", len(rec))
		}
		n, err := strconv.Atoi(rec[0])
		if err != nil {
			return fmt.Errorf("decode report block: row number %q", rec[0])
		}
		row := &roster.TaskRow{Row: n, Email: rec[1], Outcome: rec[2], Code: roster.Code(rec[3]), Message: rec[4], UserID: rec[5]}
		if len(rec) == 8 {
			row.Column = rec[6]
			if rec[7] != "" {
				if err := json.Unmarshal([]byte(rec[7]), &row.Params); err != nil {
					return fmt.Errorf("decode report block: parameters of row %d: %w", n, err)
				}
			}
		}
		if !fn(row) {
			return nil
		}
	}
	return nil
}
