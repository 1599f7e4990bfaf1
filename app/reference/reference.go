// Package reference keeps, in each process, a copy of the data that nearly every page
// and every new ticket reads and that people seldom change: the categories, agents and
// teams of the selects, the SLA policies, the canned replies, the routing rules. It knows
// when a copy is stale without asking the database again.
//
// A change to any of the tables those are read from moves one number, the reference
// version, in the change's own transaction (triggers of migration 0013). Every signed-in
// request reads the version with its session, in the same query (package auth), and
// carries it in its context; a copy made under an older version is read again. So no
// request sees reference data older than the request itself, whichever process serves
// it, at the cost of one more column in the session's query. Without a version in the
// context (a background job, a command) a Cache reads the database every time.
package reference

import (
	"context"
	"sync"
)

type versionKey struct{}

// NewContext returns ctx carrying the reference version v, as read at the start of the
// request.
func NewContext(ctx context.Context, v int64) context.Context {
	return context.WithValue(ctx, versionKey{}, v)
}

// VersionOf returns the reference version ctx carries, if it carries one.
func VersionOf(ctx context.Context) (int64, bool) {
	v, ok := ctx.Value(versionKey{}).(int64)
	return v, ok
}

// Cache is this process's copy of one piece of reference data, read by its load function.
// The value it returns is shared by every request: callers must not change it.
type Cache[T any] struct {
	load func(ctx context.Context) (T, error)

	mu      sync.Mutex
	value   T
	version int64 // the reference version the value was read under; 0: none yet
}

// New returns a cache that reads its value with load.
func New[T any](load func(ctx context.Context) (T, error)) *Cache[T] {
	return &Cache[T]{load: load}
}

// Get returns the value as of the reference version ctx carries or a later one, reading
// it (through load, with ctx) when the copy is older or there is none. Without a version
// in ctx it reads it every time and keeps nothing.
func (c *Cache[T]) Get(ctx context.Context) (T, error) {
	v, ok := VersionOf(ctx)
	if !ok {
		return c.load(ctx)
	}
	c.mu.Lock()
	if c.version != 0 && c.version >= v {
		value := c.value
		c.mu.Unlock()
		return value, nil
	}
	c.mu.Unlock()
	// Read outside the lock: requests that find the copy stale at once each read it, rather
	// than wait for one another. The read starts after the request read v, so it sees at
	// least version v's data.
	value, err := c.load(ctx)
	if err != nil {
		return value, err
	}
	c.mu.Lock()
	if v >= c.version {
		c.value, c.version = value, v
	}
	c.mu.Unlock()
	return value, nil
}
