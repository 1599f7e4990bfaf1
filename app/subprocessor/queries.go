package subprocessor

// The SQL of the sub-processors list: every statement on subprocessors, which only this
// package writes.
const (
	// selectAll reads every sub-processor, present, announced and past.
	selectAll = `
SELECT id, name, purpose, location, starts_on, ends_on, announced_at, end_announced_at
FROM subprocessors
ORDER BY starts_on, name, id`

	selectOne = `
SELECT id, name, purpose, location, starts_on, ends_on, announced_at, end_announced_at
FROM subprocessors WHERE id = $1`

	insertOne = `
INSERT INTO subprocessors (name, purpose, location, starts_on)
VALUES ($1, $2, $3, $4)
RETURNING id`

	// setEnd gives a sub-processor its last day, unless it has one already.
	setEnd = `
UPDATE subprocessors SET ends_on = $2, end_announced_at = now()
WHERE id = $1 AND ends_on IS NULL`
)
