package store

// SetStatusListSize makes db create status lists of n entries (a multiple of
// 8), so tests can fill lists.
func SetStatusListSize(db *DB, n int) { db.listSize = n }
