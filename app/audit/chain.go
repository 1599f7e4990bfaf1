package audit

import (
	"crypto/sha256"
	"database/sql"
	"strconv"
)

// HashSize is the size of an event's hash: SHA-256.
const HashSize = sha256.Size

// Hash is an event's hash, or the chain's head.
type Hash [HashSize]byte

// Genesis is the prev_hash of the first event: 32 zero bytes.
var Genesis Hash

// String returns the hash in lower-case hexadecimal, as `tugi audit verify` prints it.
func (h Hash) String() string {
	const digits = "0123456789abcdef"
	var b [2 * HashSize]byte
	for i, c := range h {
		b[2*i], b[2*i+1] = digits[c>>4], digits[c&0xf]
	}
	return string(b[:])
}

// Fields are the stored columns of an event that its hash covers, in the text form
// PostgreSQL gives them (client_encoding UTF8). Byte slices, so that verify can fill them
// straight from the rows it reads; a nil slice is NULL (the columns are NOT NULL, but a
// value someone set to NULL must not hash like an empty one).
type Fields struct {
	Seq         int64
	AtMicros    int64 // at, in microseconds since 1970-01-01 00:00 UTC
	ActorUserID sql.NullInt64
	ActorRoles  []byte // the text[]'s text form: {employee,admin}
	ActorJob    []byte
	ClientIP    []byte
	RequestID   []byte
	Action      []byte
	ObjectType  []byte
	ObjectID    []byte
	OrgID       sql.NullInt64
	Changes     []byte // the JSON text as stored: {"roles":{"new":["admin"]}}
}

// canonicalVersion starts every canonical content, so a future change of the format can
// be told apart.
const canonicalVersion = "tugi-audit-v1\n"

// AppendCanonical appends the canonical content of an event to dst and returns the
// extended slice. It is the one definition the chain is verified against, and must stay
// byte for byte the same as the SQL function audit_canonical (db/migrations/0002):
//
//	"tugi-audit-v1\n", then for each of seq, at, actor_user_id, actor_roles, actor_job,
//	client_ip, request_id, action, object_type, object_id, org_id and changes, in this
//	order, "-\n" when it is NULL and otherwise
//	    <byte length of its text in decimal> ":" <its text> "\n"
//
// where numbers are decimal, at is microseconds since the Unix epoch (UTC), actor_roles is
// the text[] as PostgreSQL prints it, and the other values are their text as stored
// (changes is a json column: the JSON text exactly as Record wrote it).
func AppendCanonical(dst []byte, f *Fields) []byte {
	dst = append(dst, canonicalVersion...)
	dst = appendIntField(dst, f.Seq)
	dst = appendIntField(dst, f.AtMicros)
	dst = appendNullIntField(dst, f.ActorUserID)
	dst = appendField(dst, f.ActorRoles)
	dst = appendField(dst, f.ActorJob)
	dst = appendField(dst, f.ClientIP)
	dst = appendField(dst, f.RequestID)
	dst = appendField(dst, f.Action)
	dst = appendField(dst, f.ObjectType)
	dst = appendField(dst, f.ObjectID)
	dst = appendNullIntField(dst, f.OrgID)
	dst = appendField(dst, f.Changes)
	return dst
}

// ChainHash returns SHA-256(prev || canonical), the hash an event with that canonical
// content must carry after prev.
func ChainHash(prev Hash, canonical []byte) Hash {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(canonical)
	var out Hash
	h.Sum(out[:0])
	return out
}

// appendField appends one field; nil is NULL.
func appendField(dst, v []byte) []byte {
	if v == nil {
		return append(dst, '-', '\n')
	}
	switch n := len(v); {
	case n < 10:
		dst = append(dst, byte('0'+n), ':')
	case n < 100:
		dst = append(dst, byte('0'+n/10), byte('0'+n%10), ':')
	default:
		dst = append(strconv.AppendInt(dst, int64(n), 10), ':')
	}
	dst = append(dst, v...)
	return append(dst, '\n')
}

func appendIntField(dst []byte, n int64) []byte {
	var buf [20]byte
	return appendField(dst, strconv.AppendInt(buf[:0], n, 10))
}

func appendNullIntField(dst []byte, n sql.NullInt64) []byte {
	if !n.Valid {
		return appendField(dst, nil)
	}
	return appendIntField(dst, n.Int64)
}
