package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// tools are PostgreSQL's pg_dump and pg_restore, of a version that can dump the server:
// pg_dump refuses a server newer than itself.
type tools struct {
	pgDump, pgRestore string
}

// findTools finds pg_dump and pg_restore for the server db is connected to: those of the
// server's own major version where Debian keeps them (/usr/lib/postgresql/N/bin, where the
// embedded cluster finds its server too), else a newer version there, else the first on
// PATH that is new enough.
func findTools(ctx context.Context, db sqlx.QueryerContext) (tools, error) {
	var major int
	if err := sqlx.GetContext(ctx, db, &major, serverMajor); err != nil {
		return tools{}, fmt.Errorf("backup: read the server's version: %w", err)
	}
	var dirs []string
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(found, func(i, j int) bool { return versionOfDir(found[i]) < versionOfDir(found[j]) })
	for _, d := range found {
		if versionOfDir(d) >= major {
			dirs = append(dirs, d)
		}
	}
	if p, err := exec.LookPath("pg_dump"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		t := tools{pgDump: filepath.Join(d, "pg_dump"), pgRestore: filepath.Join(d, "pg_restore")}
		if !executable(t.pgDump) || !executable(t.pgRestore) {
			continue
		}
		if v, err := toolMajor(ctx, t.pgDump); err == nil && v >= major {
			return t, nil
		}
	}
	return tools{}, fmt.Errorf("backup: no pg_dump of PostgreSQL %d or newer found (looked in /usr/lib/postgresql/*/bin and PATH): install the server's client programs (Debian: postgresql-client-%d)", major, major)
}

func versionOfDir(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

var versionRE = regexp.MustCompile(`\) (\d+)`)

// toolMajor is the major version a PostgreSQL program says it is ("pg_dump (PostgreSQL) 15.19").
func toolMajor(ctx context.Context, path string) (int, error) {
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return 0, err
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("backup: %s --version said %q", path, out)
	}
	return strconv.Atoi(string(m[1]))
}

// dump runs pg_dump of dsn's database in snapshot, in its custom format (compressed, and
// what pg_restore reads), writing it to w.
func (t tools) dump(ctx context.Context, dsn, snapshot string, w io.Writer) error {
	cmd := exec.CommandContext(ctx, t.pgDump, "--format=custom", "--no-password",
		"--snapshot="+snapshot, "--dbname="+dsn)
	return run(cmd, nil, w, "pg_dump")
}

// restore runs pg_restore of the dump read from r into dsn's database, in one transaction:
// a restore that fails leaves the database as empty as it was.
func (t tools) restore(ctx context.Context, dsn string, r io.Reader) error {
	cmd := exec.CommandContext(ctx, t.pgRestore, "--exit-on-error", "--single-transaction",
		"--no-owner", "--no-password", "--dbname="+dsn)
	return run(cmd, r, io.Discard, "pg_restore")
}

// run runs cmd, feeding it stdin and writing its output to stdout, and returns an error
// that tells what the program said when it fails.
func run(cmd *exec.Cmd, stdin io.Reader, stdout io.Writer, name string) error {
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, &stderr
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + " ..."
		}
		return fmt.Errorf("backup: %s failed: %w: %s", name, err, msg)
	}
	return nil
}
