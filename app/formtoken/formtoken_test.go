package formtoken_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
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

// Within one request the token is claimed by its first transaction: one nested in it does
// not wait for it (it would wait forever), one after its commit is not refused as sent,
// and one after its rollback claims it anew. Another request with the token is refused.
func TestClaimOncePerRequest(t *testing.T) {
	db := testdb.New(t)
	var user int64
	if err := db.Get(&user, `INSERT INTO users (email, name, roles) VALUES ('a@tugi.example', 'A', '{agent}') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	bg, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	token := formtoken.New()
	stored := func() int {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM form_submissions WHERE token = $1`, token); err != nil {
			t.Fatal(err)
		}
		return n
	}

	ctx := formtoken.With(bg, token, user, "/there")
	errRolledBack := errors.New("rolled back")
	if err := database.WithTx(ctx, db, func(*sqlx.Tx) error { return errRolledBack }); !errors.Is(err, errRolledBack) {
		t.Fatalf("rolled back: %v", err)
	}
	if n := stored(); n != 0 {
		t.Fatalf("a rolled-back transaction left %d tokens", n)
	}
	err := database.WithTx(ctx, db, func(*sqlx.Tx) error {
		return database.WithTx(ctx, db, func(*sqlx.Tx) error { return nil })
	})
	if err != nil {
		t.Fatalf("nested transactions: %v", err)
	}
	if err := database.WithTx(ctx, db, func(*sqlx.Tx) error { return nil }); err != nil {
		t.Errorf("a later transaction of the same request: %v", err)
	}
	if n := stored(); n != 1 {
		t.Errorf("%d tokens stored, want 1", n)
	}

	var sent *formtoken.AlreadySentError
	err = database.WithTx(formtoken.With(bg, token, user, "/elsewhere"), db, func(*sqlx.Tx) error { return nil })
	if !errors.As(err, &sent) || sent.Location != "/there" {
		t.Errorf("the same form sent again: %v, want already sent to /there", err)
	}
}
