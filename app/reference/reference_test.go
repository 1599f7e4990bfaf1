package reference

import (
	"context"
	"errors"
	"testing"
)

// counter is a load function that counts its reads and returns the count.
type counter struct {
	reads int
	fail  error
}

func (c *counter) load(context.Context) (int, error) {
	c.reads++
	return c.reads, c.fail
}

func TestCacheReadsAgainWhenTheVersionMoves(t *testing.T) {
	var src counter
	cache := New(src.load)
	at := func(v int64) int {
		t.Helper()
		got, err := cache.Get(NewContext(context.Background(), v))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := at(3); got != 1 {
		t.Fatalf("first read: %d", got)
	}
	if got := at(3); got != 1 || src.reads != 1 {
		t.Errorf("same version: value %d after %d reads, want the copy (1 read)", got, src.reads)
	}
	if got := at(2); got != 1 || src.reads != 1 {
		t.Errorf("a request that began before the change: value %d after %d reads, want the newer copy kept", got, src.reads)
	}
	if got := at(4); got != 2 {
		t.Errorf("after a change: %d, want a new read", got)
	}
	if got := at(4); got != 2 || src.reads != 2 {
		t.Errorf("the new copy: %d after %d reads", got, src.reads)
	}
}

func TestCacheWithoutVersionReadsEveryTime(t *testing.T) {
	var src counter
	cache := New(src.load)
	ctx := NewContext(context.Background(), 1)
	cache.Get(ctx)
	for want := 2; want <= 3; want++ {
		if got, _ := cache.Get(context.Background()); got != want {
			t.Errorf("without a version: %d, want read %d", got, want)
		}
	}
	if got, _ := cache.Get(ctx); got != 1 {
		t.Errorf("reads without a version replaced the copy: %d", got)
	}
}

func TestCacheKeepsNothingOnError(t *testing.T) {
	src := counter{fail: errors.New("database down")}
	cache := New(src.load)
	ctx := NewContext(context.Background(), 1)
	if _, err := cache.Get(ctx); err == nil {
		t.Fatal("no error")
	}
	src.fail = nil
	if got, err := cache.Get(ctx); err != nil || got != 2 {
		t.Errorf("after the error: %d, %v; want a new read", got, err)
	}
}
