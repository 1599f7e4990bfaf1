package database

import (
	"fmt"
	"net/url"
	"strings"
)

// WithDBName returns dsn, a postgres:// URL or a key=value connection string, with its
// database replaced by dbname.
func WithDBName(dsn, dbname string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse database URL: %w", err)
		}
		u.Path, u.RawPath = "/"+dbname, ""
		if q := u.Query(); q.Has("dbname") {
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	kvs, err := parseKeyValues(dsn)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	set := false
	for _, kv := range kvs {
		if kv[0] == "dbname" {
			kv[1], set = dbname, true
		}
		fmt.Fprintf(&b, "%s=%s ", kv[0], quoteValue(kv[1]))
	}
	if !set {
		fmt.Fprintf(&b, "dbname=%s", quoteValue(dbname))
	}
	return strings.TrimSpace(b.String()), nil
}

// WithUser returns dsn, a postgres:// URL or a key=value connection string, with its user
// and password replaced.
func WithUser(dsn, user, password string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse database URL: %w", err)
		}
		u.User = url.UserPassword(user, password)
		q := u.Query()
		q.Del("user")
		q.Del("password")
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	kvs, err := parseKeyValues(dsn)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, kv := range kvs {
		if kv[0] != "user" && kv[0] != "password" {
			fmt.Fprintf(&b, "%s=%s ", kv[0], quoteValue(kv[1]))
		}
	}
	fmt.Fprintf(&b, "user=%s password=%s", quoteValue(user), quoteValue(password))
	return b.String(), nil
}

// parseKeyValues splits a libpq key=value connection string: pairs separated by
// whitespace, optional spaces around "=", values bare or in single quotes, with \ escaping
// the next character.
func parseKeyValues(s string) ([][2]string, error) {
	var kvs [][2]string
	r := []rune(s)
	i := 0
	skipSpace := func() {
		for i < len(r) && (r[i] == ' ' || r[i] == '\t' || r[i] == '\n' || r[i] == '\r') {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(r) {
			return kvs, nil
		}
		start := i
		for i < len(r) && r[i] != '=' && r[i] != ' ' && r[i] != '\t' && r[i] != '\n' && r[i] != '\r' {
			i++
		}
		key := string(r[start:i])
		skipSpace()
		if i >= len(r) || r[i] != '=' || key == "" {
			return nil, fmt.Errorf("connection string: %q is not key=value", key)
		}
		i++
		skipSpace()
		var val strings.Builder
		if i < len(r) && r[i] == '\'' {
			i++
			for {
				if i >= len(r) {
					return nil, fmt.Errorf("connection string: unterminated quote in %s", key)
				}
				if r[i] == '\\' && i+1 < len(r) {
					i++
				} else if r[i] == '\'' {
					i++
					break
				}
				val.WriteRune(r[i])
				i++
			}
		} else {
			for i < len(r) && r[i] != ' ' && r[i] != '\t' && r[i] != '\n' && r[i] != '\r' {
				if r[i] == '\\' && i+1 < len(r) {
					i++
				}
				val.WriteRune(r[i])
				i++
			}
		}
		kvs = append(kvs, [2]string{key, val.String()})
	}
}

// quoteValue quotes a key=value connection string value when it needs it.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`+"\t\n\r") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
