package database_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tugi/app/database"
	"tugi/app/testdb"
)

// Prepared answers as the pool does, keeps one statement per query text under
// concurrent use, and reports a query that cannot be prepared.
func TestPrepared(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	db.SetMaxOpenConns(1) // one connection, whose prepared statements the test can see
	p := database.NewPrepared(db)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			var n int
			if err := p.GetContext(ctx, &n, `SELECT $1::int + 1`, i); err != nil || n != i+1 {
				t.Errorf("GetContext %d: %d, %v", i, n, err)
			}
		})
	}
	wg.Wait()
	var prepared int
	if err := db.Get(&prepared, `SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1'`); err != nil {
		t.Fatal(err)
	}
	// Sixteen runs, one statement: prepared once and kept.
	if prepared != 1 {
		t.Errorf("%d statements prepared for the query, want 1", prepared)
	}
	var names []string
	if err := p.SelectContext(ctx, &names, `SELECT name FROM organisations WHERE name LIKE $1 ORDER BY name`, "%"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ExecContext(ctx, `INSERT INTO organisations (name) VALUES ($1)`, "Prepared OÜ"); err != nil {
		t.Fatal(err)
	}
	var after []string
	if err := p.SelectContext(ctx, &after, `SELECT name FROM organisations WHERE name LIKE $1 ORDER BY name`, "%"); err != nil || len(after) != len(names)+1 {
		t.Errorf("after an insert: %v, %v (before: %v)", after, err, names)
	}
	if err := p.GetContext(ctx, &names, `SELECT FROM no_such_table`); err == nil {
		t.Error("a query on a missing table was prepared")
	}
	var n int
	if err := p.QueryRowxContext(ctx, `SELECT FROM no_such_table`).Scan(&n); err == nil {
		t.Error("QueryRowxContext on a missing table gave no error")
	}

	// Past MaxPrepared texts, a new one still answers, unprepared.
	for i := range database.MaxPrepared + 8 {
		var got int
		if err := p.GetContext(ctx, &got, fmt.Sprintf(`SELECT %d`, i)); err != nil || got != i {
			t.Fatalf("SELECT %d: %d, %v", i, got, err)
		}
	}
	if err := db.Get(&prepared, `SELECT count(*) FROM pg_prepared_statements`); err != nil {
		t.Fatal(err)
	}
	if prepared != database.MaxPrepared {
		t.Errorf("%d statements prepared, want the cap, %d", prepared, database.MaxPrepared)
	}
}

// Prepared.Tx runs statements inside the transaction (they see its writes and roll
// back with it), as prepared statements once prepared, and never waits for a second
// connection: with one connection, held by the transaction, a new text still runs.
func TestPreparedTx(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	db := testdb.New(t)
	db.SetMaxOpenConns(1)
	p := database.NewPrepared(db)
	const insert, count = `INSERT INTO organisations (name) VALUES ($1)`, `SELECT count(*) FROM organisations WHERE name LIKE 'Tx %'`
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Tx(tx)
	if _, err := q.ExecContext(ctx, insert, "Tx 1"); err != nil { // new text, the one connection taken
		t.Fatalf("first run: %v", err)
	}
	var n int
	if err := q.GetContext(ctx, &n, count); err != nil || n != 1 {
		t.Fatalf("the transaction sees %d of its rows, %v", n, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// The texts are prepared in the background once the connection is free.
	var prepared int
	for deadline := time.Now().Add(10 * time.Second); prepared < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := db.GetContext(ctx, &prepared, `SELECT count(*) FROM pg_prepared_statements WHERE statement IN ($1, $2)`, insert, count); err != nil {
			t.Fatal(err)
		}
	}
	if prepared != 2 {
		t.Fatalf("%d of the transaction's 2 texts prepared", prepared)
	}
	tx, err = db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	q = p.Tx(tx)
	for _, name := range []string{"Tx 2", "Tx 3"} {
		if _, err := q.ExecContext(ctx, insert, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.GetContext(ctx, &n, count); err != nil || n != 2 {
		t.Fatalf("the second transaction sees %d of its rows, %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &n, count); err != nil || n != 2 {
		t.Errorf("after the rollback and the commit: %d rows, %v; want 2", n, err)
	}
	if err := db.GetContext(ctx, &prepared, `SELECT count(*) FROM pg_prepared_statements WHERE statement IN ($1, $2)`, insert, count); err != nil || prepared != 2 {
		t.Errorf("%d prepared statements for the 2 texts after reuse, %v; want 2", prepared, err)
	}
}
