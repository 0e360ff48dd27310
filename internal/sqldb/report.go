package sqldb

import (
	"encoding/json"
	"fmt"
	"strconv"

	"roster"
)

// A block of task_reports holds its rows as a JSON array of arrays (row, email, outcome, code,
// message, user id): the names of the fields are not repeated for every row, and any text a
// message or a malformed email holds comes back as it went in.

func encodeReport(rows []*roster.TaskRow) ([]byte, error) {
	recs := make([][6]string, len(rows))
	for i, r := range rows {
		recs[i] = [6]string{strconv.Itoa(r.Row), r.Email, r.Outcome, string(r.Code), r.Message, r.UserID}
	}
	return json.Marshal(recs)
}

// decodeReport calls fn with each row of a block, in order, until fn returns false.
func decodeReport(body []byte, fn func(row int, fields [5]string) bool) error {
	var recs [][6]string
	if err := json.Unmarshal(body, &recs); err != nil {
		return fmt.Errorf("decode report block: %w", err)
	}
	for _, rec := range recs {
		row, err := strconv.Atoi(rec[0])
		if err != nil {
			return fmt.Errorf("decode report block: row number %q", rec[0])
		}
		if !fn(row, [5]string{rec[1], rec[2], rec[3], rec[4], rec[5]}) {
			return nil
		}
	}
	return nil
}
