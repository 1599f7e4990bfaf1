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
