package formtoken_test

import (
	"context"
	"testing"
	"time"

	"tugi/app/formtoken"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// Pruning forgets the tokens older than Keep and keeps the rest.
func TestPruneForgetsOldTokens(t *testing.T) {
	db := testdb.New(t)
	now := time.Now()
	var user int64
	if err := db.Get(&user, `INSERT INTO users (email, name, roles) VALUES ('a@tugi.example', 'A', '{agent}') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	for token, age := range map[string]time.Duration{"OLD": formtoken.Keep + time.Minute, "RECENT": formtoken.Keep - time.Minute} {
		if _, err := db.Exec(`INSERT INTO form_submissions (token, user_id, made_at) VALUES ($1, $2, $3)`, token, user, now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if err := formtoken.Prune(context.Background(), db, now); err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := db.Select(&left, `SELECT token FROM form_submissions`); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != "RECENT" {
		t.Errorf("after pruning: %v, want only RECENT", left)
	}
}

// Only a token New made is taken from a form: any other value is as if the form had none.
func TestWithIgnoresMalformedTokens(t *testing.T) {
	ctx := context.Background()
	for _, token := range []string{"", "short", formtoken.New() + "X", "abcdefghijklmnopqrstuvwxyz"} {
		if got := formtoken.With(ctx, token, 1, "/"); got != ctx {
			t.Errorf("token %q was taken", token)
		}
	}
	if got := formtoken.With(ctx, formtoken.New(), 1, "/"); got == ctx {
		t.Error("a token New made was not taken")
	}
}
