package auth_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/auth"
	"tugi/app/demo"
)

// legacyBox is how TOTP secrets were sealed before the key file (migration 0034): with a
// key derived from the cookie key in the database, the user's id as associated data.
// Whoever has a dump of the database has both, which is the point of moving.
func legacyBox(t *testing.T, app *apptest.App) cipher.AEAD {
	t.Helper()
	key, err := auth.CookieKey(context.Background(), app.DB)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("tugi totp secret v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// A secret sealed the old way is resealed under the key file at start (PrepareFactors):
// the person signs in with the same app as before, and what the database holds no longer
// opens with anything in the database.
func TestFactorsResealedUnderTheKeyFile(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	ctx := context.Background()
	id := userID(t, app, ciso)
	old := legacyBox(t, app)
	nonce := make([]byte, old.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := old.Seal(nonce, nonce, []byte(demo.TOTPSecret), []byte(strconv.FormatInt(id, 10)))
	if _, err := app.DB.Exec(`UPDATE totp_factors SET secret = $2, key_id = NULL WHERE user_id = $1`, id, sealed); err != nil {
		t.Fatal(err)
	}
	if err := auth.PrepareFactors(ctx, app.DB, app.FactorKey, nil); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		UserID int64   `db:"user_id"`
		Secret []byte  `db:"secret"`
		KeyID  *string `db:"key_id"`
	}
	if err := app.DB.Select(&rows, `SELECT user_id, secret, key_id FROM totp_factors`); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no authenticators")
	}
	for _, r := range rows {
		if r.KeyID == nil || *r.KeyID != app.FactorKey.ID() {
			t.Errorf("user %d: sealed with key %v, want %s", r.UserID, r.KeyID, app.FactorKey.ID())
		}
		// A dump: the cookie key and the row. Neither the old way nor plain text opens it.
		n := old.NonceSize()
		if _, err := old.Open(nil, r.Secret[:n], r.Secret[n:], []byte(strconv.FormatInt(r.UserID, 10))); err == nil {
			t.Errorf("user %d: the secret opens with the database's own key", r.UserID)
		}
		if bytes.Contains(r.Secret, []byte(demo.TOTPSecret)) {
			t.Errorf("user %d: the secret is in the clear", r.UserID)
		}
	}
	app.SignIn(t, ciso).Get(t, "/audit", http.StatusOK) // the same app's codes still work
	// Twice is harmless.
	if err := auth.PrepareFactors(ctx, app.DB, app.FactorKey, nil); err != nil {
		t.Fatal(err)
	}

	// Another key file: refused at start, naming both keys, rather than every sign-in
	// failing one by one.
	other, err := auth.NewFactorKey(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	err = auth.PrepareFactors(ctx, app.DB, other, nil)
	if err == nil || !strings.Contains(err.Error(), app.FactorKey.ID()) || !strings.Contains(err.Error(), other.ID()) {
		t.Errorf("another key: %v", err)
	}
}

// The key file: written for its owner only and never over another file; read back as the
// same key; a file that holds no key is refused with a word on what to do.
func TestFactorKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "factor-key.txt")
	if err := auth.WriteFactorKeyFile(file); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi, err)
	}
	k1, err := auth.LoadFactorKeyFile(file)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := auth.LoadFactorKeyFile(file)
	if err != nil || k1.ID() != k2.ID() {
		t.Errorf("read twice: %v, %v", k1.ID(), err)
	}
	if err := auth.WriteFactorKeyFile(file); err == nil {
		t.Error("wrote over the key")
	}
	other := filepath.Join(dir, "other.txt")
	if err := auth.WriteFactorKeyFile(other); err != nil {
		t.Fatal(err)
	}
	if k3, _ := auth.LoadFactorKeyFile(other); k3 == nil || k3.ID() == k1.ID() {
		t.Error("two key files, one key")
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("# comment\nnot a key\n"), 0o600)
	if _, err := auth.LoadFactorKeyFile(bad); err == nil || !strings.Contains(err.Error(), "tugi factor keygen") {
		t.Errorf("a file without a key: %v", err)
	}
}
