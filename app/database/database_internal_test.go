package database

import "testing"

func TestWithBinaryParameters(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@127.0.0.1:5432/tugi?sslmode=disable": "postgres://u@127.0.0.1:5432/tugi?binary_parameters=yes&sslmode=disable",
		"postgres://u@127.0.0.1/tugi?binary_parameters=no": "postgres://u@127.0.0.1/tugi?binary_parameters=no",
		"host=/tmp/tugi dbname=tugi":                       "host=/tmp/tugi dbname=tugi binary_parameters=yes",
		"host=/tmp/tugi dbname=tugi binary_parameters=no":  "host=/tmp/tugi dbname=tugi binary_parameters=no",
		"postgresql://u:p%40ss@db.example.com/tugi":        "postgresql://u:p%40ss@db.example.com/tugi?binary_parameters=yes",
	} {
		got, err := withBinaryParameters(in)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
}
