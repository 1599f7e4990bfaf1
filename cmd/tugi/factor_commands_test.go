package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tugi/app/auth"
)

// tugi factor keygen writes a key only its owner reads, never over a file; tugi serve
// on DATABASE_URL without TUGI_FACTOR_KEY refuses to start, saying what to set.
func TestFactorKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "factor.key")
	out, stderr, err := run(t, "", "factor", "keygen", "--out", file)
	if err != nil {
		t.Fatalf("keygen: %v\n%s", err, stderr)
	}
	key, err := auth.LoadFactorKeyFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, key.ID()) {
		t.Errorf("keygen printed %q, not the key's id %s", out, key.ID())
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v, %v", fi, err)
	}
	before, _ := os.ReadFile(file)
	if _, _, err := run(t, "", "factor", "keygen", "--out", file); err == nil {
		t.Error("keygen wrote over an existing file")
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("the key file changed")
	}

	freshDatabase(t)
	t.Setenv("TUGI_FACTOR_KEY", "")
	_, _, err = run(t, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "TUGI_FACTOR_KEY") {
		t.Errorf("serve without a factor key: %v", err)
	}
}
