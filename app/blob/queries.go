package blob

// The SQL of the Postgres store: every statement the blob package runs on blobs, the
// only package that writes it.

// blobStored reads whether the content with SHA-256 $1 is stored.
const blobStored = `SELECT EXISTS (SELECT FROM blobs WHERE sha256 = $1)`

// insertBlob writes the content $3 of $2 bytes under its SHA-256 $1, unless it is stored
// already.
const insertBlob = `INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`

// selectBlob reads the content with SHA-256 $1.
const selectBlob = `SELECT content FROM blobs WHERE sha256 = $1`

// blobReferences lists the columns that name contents: those of a single-column foreign key
// to blobs.
const blobReferences = `
SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.confrelid = 'blobs'::regclass AND cardinality(c.conkey) = 1
ORDER BY 1, 2`

// deleteUnnamed deletes up to $2 contents older than $1 seconds that no row names (%s: a
// NOT EXISTS per naming column), skipping those a transaction holds, and returns their
// sizes.
const deleteUnnamed = `
DELETE FROM blobs WHERE sha256 IN (
    SELECT b.sha256 FROM blobs b
    WHERE b.created_at < now() - make_interval(secs => $1)
      AND %s
    ORDER BY b.created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING size`

// deleteNamedUnnamed deletes the contents $1 that no row names (%s: a NOT EXISTS per
// naming column), whatever their age, and returns their sizes.
const deleteNamedUnnamed = `
DELETE FROM blobs b WHERE b.sha256 = ANY($1)
  AND %s
RETURNING size`
