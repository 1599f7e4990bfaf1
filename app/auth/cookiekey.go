package auth

import (
	"context"
	"crypto/rand"
	"fmt"

	"tugi/app/database"
)

// CookieKey returns the key Tugi signs its cookies with (the flash messages'): 32 random
// bytes, made by the first process to start on the database and kept there, so that every
// process on it shares the key and a cookie one signs, another accepts.
func CookieKey(ctx context.Context, q database.Queryer) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh) // crypto/rand.Read does not fail on Linux
	if _, err := q.ExecContext(ctx, insertCookieKey, fresh); err != nil {
		return nil, fmt.Errorf("auth: store the cookie key: %w", err)
	}
	var key []byte
	if err := q.GetContext(ctx, &key, selectCookieKey); err != nil {
		return nil, fmt.Errorf("auth: read the cookie key: %w", err)
	}
	return key, nil
}
