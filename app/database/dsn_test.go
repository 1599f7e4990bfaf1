package database

import "testing"

func TestWithDBName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/t_1?sslmode=disable"},
		{"postgresql://u:p%40ss@db.example:5433?sslmode=require", "postgresql://u:p%40ss@db.example:5433/t_1?sslmode=require"},
		{"postgres://u@h/postgres?dbname=other&sslmode=disable", "postgres://u@h/t_1?sslmode=disable"},
		{"host=/var/run/x port=5432 user=tugi dbname=postgres sslmode=disable", "host=/var/run/x port=5432 user=tugi dbname=t_1 sslmode=disable"},
		{"host = '/my dir/run'  dbname = 'postgres' password='it\\'s'", `host='/my dir/run' dbname=t_1 password='it\'s'`},
		{"host=localhost user=postgres", "host=localhost user=postgres dbname=t_1"},
	} {
		got, err := WithDBName(tc.in, "t_1")
		if err != nil || got != tc.want {
			t.Errorf("WithDBName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"host", "host='unterminated", "=x"} {
		if _, err := WithDBName(bad, "t_1"); err == nil {
			t.Errorf("WithDBName(%q) accepted a broken connection string", bad)
		}
	}
}
