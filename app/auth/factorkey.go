package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
)

// FactorKey seals what proves a second factor (TOTP secrets, passkeys' credential
// records) with AES-256-GCM. Its 32 bytes live in a file outside the database
// (TUGI_FACTOR_KEY), so a dump of the database, or a backup of it, does not give the
// secrets away, and someone who can write the database but not read the file cannot
// plant a factor of their own. Every process on a database needs the same file.
type FactorKey struct {
	aead cipher.AEAD
	id   string // names the key beside what it sealed: a short hash of it, not the key
}

// factorKeyBytes is the size of the key.
const factorKeyBytes = 32

// NewFactorKey returns the FactorKey of the 32 bytes key.
func NewFactorKey(key []byte) (*FactorKey, error) {
	if len(key) != factorKeyBytes {
		return nil, fmt.Errorf("factor key: %d bytes, want %d", len(key), factorKeyBytes)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("factor key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("factor key: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("tugi factor key id"))
	return &FactorKey{aead: aead, id: hex.EncodeToString(mac.Sum(nil)[:6])}, nil
}

// ID names the key: what the rows it sealed carry in key_id.
func (k *FactorKey) ID() string { return k.id }

// seal encrypts plain, bound to label (whose it is: a sealed value copied elsewhere does
// not open), with a fresh random nonce in front.
func (k *FactorKey) seal(label string, plain []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read does not fail on Linux
	return k.aead.Seal(nonce, nonce, plain, []byte(label))
}

// open decrypts what seal sealed with the same label.
func (k *FactorKey) open(label string, sealed []byte) ([]byte, error) {
	return openAEAD(k.aead, label, sealed)
}

func openAEAD(aead cipher.AEAD, label string, sealed []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("factor key: sealed value too short")
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(label))
	if err != nil {
		return nil, fmt.Errorf("factor key: open %s: %w", label, err)
	}
	return plain, nil
}

// factorKeyHeader is the first line of a key file, for whoever finds it.
const factorKeyHeader = "# Tugi's factor key (TUGI_FACTOR_KEY): it seals the second factors' secrets. Keep it secret, and back it up apart from the database: without it, every authenticator app and passkey must be set up again.\n"

// WriteFactorKeyFile writes a new random key to path, readable by its owner only; it
// refuses to overwrite a file.
func WriteFactorKeyFile(path string) error {
	key := make([]byte, factorKeyBytes)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("factor key: %w", err)
	}
	_, err = f.WriteString(factorKeyHeader + base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("factor key: write %s: %w", path, err)
	}
	return nil
}

// LoadFactorKeyFile reads the key WriteFactorKeyFile wrote: the base64 line after any
// comment lines.
func LoadFactorKeyFile(path string) (*FactorKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("factor key: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(key) != factorKeyBytes {
			return nil, fmt.Errorf("factor key: %s does not hold a key (%d base64-encoded bytes; tugi factor keygen writes one)", path, factorKeyBytes)
		}
		return NewFactorKey(key)
	}
	return nil, fmt.Errorf("factor key: %s is empty (tugi factor keygen writes a key)", path)
}

// PrepareFactors makes the database's second factors ready for key: it refuses to go on
// when any was sealed with another key (every authenticator app and passkey would fail
// at sign-in, silently, otherwise), and reseals under key the TOTP secrets still sealed
// with the key derived from the cookie key, which lives in the database (before
// migration 0034). Run it once at start, before serving.
func PrepareFactors(ctx context.Context, db *sqlx.DB, key *FactorKey, log *slog.Logger) error {
	var foreign []string
	if err := db.SelectContext(ctx, &foreign, selectForeignFactorKeys, key.ID()); err != nil {
		return fmt.Errorf("factor key: read the keys in use: %w", err)
	}
	if len(foreign) > 0 {
		return fmt.Errorf("factor key: the second factors in the database were sealed with another key (%s), not the one in TUGI_FACTOR_KEY (%s): point TUGI_FACTOR_KEY at the file they were made with",
			strings.Join(foreign, ", "), key.ID())
	}
	var n int
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var rows []struct {
			UserID int64  `db:"user_id"`
			Secret []byte `db:"secret"`
		}
		if err := tx.SelectContext(ctx, &rows, selectLegacyTOTP); err != nil {
			return fmt.Errorf("factor key: read the secrets to reseal: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		old, err := legacyTOTPBox(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			secret, err := openAEAD(old, fmt.Sprint(r.UserID), r.Secret)
			if err != nil {
				return fmt.Errorf("factor key: the TOTP secret of user %d: %w", r.UserID, err)
			}
			if _, err := tx.ExecContext(ctx, resealTOTP, r.UserID, key.seal(totpLabel(r.UserID), secret), key.ID()); err != nil {
				return fmt.Errorf("factor key: reseal the TOTP secret of user %d: %w", r.UserID, err)
			}
		}
		n = len(rows)
		return nil
	})
	if err != nil {
		return err
	}
	if n > 0 && log != nil {
		log.Info("factor key: resealed TOTP secrets under the key file", "secrets", n, "key", key.ID())
	}
	return nil
}

// legacyTOTPBox is the key TOTP secrets were sealed with before the key file: derived
// from the cookie key (cookie_keys) with the label "tugi totp secret v1", the user's id
// as associated data. Only PrepareFactors opens with it, to reseal.
func legacyTOTPBox(ctx context.Context, q database.Queryer) (cipher.AEAD, error) {
	key, err := CookieKey(ctx, q)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("tugi totp secret v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("totp: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
