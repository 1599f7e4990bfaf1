package audit

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/lib/pq"

	"tugi/app/database"
)

// Personal is a value of an event's Changes that names a person (their personal code, an
// e-mail address): Record stores it encrypted under that person's own data key (table
// person_keys), never in the clear. Erasing the person destroys the key (ShredPersonKey):
// the event keeps the ciphertext, so the chain, which hashes it, still verifies and no
// event is touched, while the value can no longer be read (crypto-shredding).
//
// In the stored changes a sealed value is {"person": <user id>, "sealed": "<base64>"}; one
// recorded after the person's key was destroyed is {"person": <user id>, "erased": true}.
type Personal struct {
	UserID int64 // whose value it is
	Value  any   // the value, as it would be written to Changes
}

// sealed is a Personal value as the log stores it.
type sealed struct {
	Person int64  `json:"person"`
	Sealed string `json:"sealed,omitempty"` // nonce || AES-256-GCM ciphertext, base64
	Erased bool   `json:"erased,omitempty"` // recorded after the key was destroyed
}

// ErasedValue is what pages show in place of a sealed value whose key was destroyed.
const ErasedValue = "(erased)"

// sealedText is what a sealed value reads as until Unseal opens it.
const sealedText = "(sealed)"

// hasPersonal reports whether ch holds a Personal value. It is all Record adds for events
// without one: a look at each value's type.
func hasPersonal(ch map[string]Change) bool {
	for _, c := range ch {
		if _, ok := c.Old.(Personal); ok {
			return true
		}
		if _, ok := c.New.(Personal); ok {
			return true
		}
	}
	return false
}

// seal returns a copy of ch with its Personal values encrypted under their people's keys,
// each key read (or made, the first time) through q, the event's transaction.
func seal(ctx context.Context, q database.Queryer, ch map[string]Change) (map[string]Change, error) {
	keys := map[int64][]byte{}
	one := func(v any) (any, error) {
		p, ok := v.(Personal)
		if !ok {
			return v, nil
		}
		key, seen := keys[p.UserID]
		if !seen {
			var err error
			if key, err = personKey(ctx, q, p.UserID); err != nil {
				return nil, err
			}
			keys[p.UserID] = key
		}
		if key == nil {
			return sealed{Person: p.UserID, Erased: true}, nil
		}
		plain, err := json.Marshal(p.Value)
		if err != nil {
			return nil, err
		}
		box, err := encrypt(key, p.UserID, plain)
		if err != nil {
			return nil, err
		}
		return sealed{Person: p.UserID, Sealed: base64.StdEncoding.EncodeToString(box)}, nil
	}
	out := make(map[string]Change, len(ch))
	for k, c := range ch {
		var err error
		if c.Old, err = one(c.Old); err != nil {
			return nil, fmt.Errorf("seal %s: %w", k, err)
		}
		if c.New, err = one(c.New); err != nil {
			return nil, fmt.Errorf("seal %s: %w", k, err)
		}
		out[k] = c
	}
	return out, nil
}

// personKey returns userID's data key, making one the first time; nil once it was
// destroyed.
func personKey(ctx context.Context, q database.Queryer, userID int64) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	for range 2 { // a second try sees a key another transaction made meanwhile
		var key []byte
		err := q.QueryRowxContext(ctx, personKeyOrNew, userID, fresh).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("person key of %d: %w", userID, err)
		}
		return key, nil
	}
	return nil, fmt.Errorf("person key of %d: neither made nor found", userID)
}

// aead is AES-256-GCM under key (the standard library's: no dependency, and in hardware on
// the servers Tugi runs on).
func aead(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// boundTo is the additional data of a person's values: a value moved to another person's
// place in the log does not open.
func boundTo(userID int64) []byte {
	return []byte("tugi-person-value-v1:" + strconv.FormatInt(userID, 10))
}

func encrypt(key []byte, userID int64, plain []byte) ([]byte, error) {
	g, err := aead(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, plain, boundTo(userID)), nil
}

func decrypt(key []byte, userID int64, box []byte) ([]byte, error) {
	g, err := aead(key)
	if err != nil {
		return nil, err
	}
	if len(box) < g.NonceSize() {
		return nil, errors.New("audit: sealed value too short")
	}
	return g.Open(nil, box[:g.NonceSize()], box[g.NonceSize():], boundTo(userID))
}

// ShredPersonKey destroys userID's data key through q, the erasure's transaction: every
// value sealed for them in the log can no longer be read, and values recorded for them
// later are stored as erased. It reports whether there was a key to destroy.
func ShredPersonKey(ctx context.Context, q database.Queryer, userID int64) (bool, error) {
	var had bool
	if err := q.QueryRowxContext(ctx, shredPersonKey, userID).Scan(&had); err != nil {
		return false, fmt.Errorf("audit: destroy the key of person %d: %w", userID, err)
	}
	return had, nil
}

// asSealed reads raw as a sealed value.
func asSealed(raw json.RawMessage) (sealed, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || !bytes.Contains(raw, []byte(`"person"`)) {
		return sealed{}, false
	}
	var s sealed
	if json.Unmarshal(raw, &s) != nil || s.Person == 0 || (s.Sealed == "" && !s.Erased) {
		return sealed{}, false
	}
	return s, true
}

// Unseal shows the sealed values of described entries (Describe shows them as "(sealed)"):
// the value while the person's key exists, ErasedValue once it was destroyed. It reads the
// keys of the people named, in one query through q.
func Unseal(ctx context.Context, q database.Queryer, es []Entry) error {
	return unseal(ctx, q, es, 0)
}

// UnsealOnly is Unseal for the values of one person, userID: everyone else's stay
// "(sealed)" (an export of the person's data opens theirs only).
func UnsealOnly(ctx context.Context, q database.Queryer, es []Entry, userID int64) error {
	return unseal(ctx, q, es, userID)
}

// unseal opens the sealed values of es: of only, or of everyone when only is 0.
func unseal(ctx context.Context, q database.Queryer, es []Entry, only int64) error {
	var people []int64
	for _, e := range es {
		if !bytes.Contains(e.RawChanges, []byte(`"person"`)) {
			continue
		}
		for _, v := range rawValues(e.RawChanges) {
			for _, raw := range []json.RawMessage{v.Old, v.New} {
				if s, ok := asSealed(raw); ok && (only == 0 || s.Person == only) {
					people = append(people, s.Person)
				}
			}
		}
	}
	if len(people) == 0 {
		return nil
	}
	slices.Sort(people)
	keys, err := PersonKeys(ctx, q, slices.Compact(people))
	if err != nil {
		return err
	}
	open := func(raw json.RawMessage, shown string) string {
		s, ok := asSealed(raw)
		if !ok || (only != 0 && s.Person != only) {
			return shown
		}
		key := keys[s.Person]
		if s.Erased || key == nil {
			return ErasedValue
		}
		box, err := base64.StdEncoding.DecodeString(s.Sealed)
		if err != nil {
			return ErasedValue
		}
		plain, err := decrypt(key, s.Person, box)
		if err != nil {
			return ErasedValue
		}
		return valueText(plain)
	}
	for i := range es {
		e := &es[i]
		if !bytes.Contains(e.RawChanges, []byte(`"person"`)) {
			continue
		}
		raw := rawValues(e.RawChanges)
		for j := range e.Changes {
			c := &e.Changes[j]
			if v, ok := raw[c.Field]; ok {
				c.Old, c.New = open(v.Old, c.Old), open(v.New, c.New)
			}
		}
	}
	return nil
}

// PersonKeys reads the data keys of people (nil for a destroyed key; absent for none).
func PersonKeys(ctx context.Context, q database.Queryer, people []int64) (map[int64][]byte, error) {
	var rows []struct {
		UserID int64  `db:"user_id"`
		Key    []byte `db:"key"`
	}
	if err := q.SelectContext(ctx, &rows, readPersonKeys, pq.Int64Array(people)); err != nil {
		return nil, fmt.Errorf("audit: read person keys: %w", err)
	}
	keys := make(map[int64][]byte, len(rows))
	for _, r := range rows {
		keys[r.UserID] = r.Key
	}
	return keys, nil
}

type rawChange struct {
	Old json.RawMessage `json:"old"`
	New json.RawMessage `json:"new"`
}

// rawValues reads stored changes field by field, the values undecoded.
func rawValues(raw []byte) map[string]rawChange {
	var m map[string]rawChange
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}
