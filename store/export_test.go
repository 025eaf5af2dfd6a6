package store

// SetStatusListSize makes db create status lists of n entries (a multiple of
// 8), so tests can fill lists.
func SetStatusListSize(db *DB, n int) { db.listSize = n }

// QueryPlan returns SQLite's EXPLAIN QUERY PLAN of query, one line per step.
func QueryPlan(db *DB, query string, args ...any) ([]string, error) {
	rows, err := db.r.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}
