// Package db holds Tugi's schema migrations, embedded into the binary.
package db

import "embed"

// Migrations are the numbered, forward-only SQL files that build the schema.
// app/database runs them in order, each in its own transaction.
//
//go:embed migrations/*.sql
var Migrations embed.FS
