// Package backup makes, keeps, restores and drills Tugi's backups: the whole database
// (attachments included, as they live in it) dumped by PostgreSQL's own pg_dump from one
// snapshot, encrypted with age to the operator's recipients, with a manifest beside each
// file that says what it holds (time, size, SHA-256, schema version, audit head and the
// row count of every table), so that a restore and a drill can prove they got it all back.
//
// The reference sheet promises a backup every 24 hours and the last seven kept: the
// backup job makes one when the newest is a day old, removes all but the newest seven, and
// warns the admins and the CISO when a backup fails or none is recent. A drill restores
// the newest backup into a scratch database, checks it against its manifest and drops it.
package backup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
)

// Keep is how many backups are kept: the newest seven, one a day.
const Keep = 7

// FormatVersion is the manifest's format; a restore refuses one it does not know.
const FormatVersion = 1

// Manifest says what one backup file holds. It is written beside the file, as
// NAME.manifest.json, after the file is complete.
type Manifest struct {
	Format     int              `json:"format"`
	File       string           `json:"file"` // the backup's base name
	Created    time.Time        `json:"created"`
	Size       int64            `json:"size"`   // of the encrypted file, bytes
	SHA256     string           `json:"sha256"` // of the encrypted file, hex
	Schema     int              `json:"schema"` // the newest migration applied
	PostgreSQL string           `json:"postgresql"`
	AuditHead  Head             `json:"audit_head"`
	Tables     map[string]int64 `json:"tables"` // every table's row count, from the dump's snapshot
}

// Head is the audit chain's head as a manifest records it.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Source is the database a backup is made of.
type Source struct {
	// DB is a pool on the database; the manifest's figures are read through it, in the
	// snapshot pg_dump then dumps.
	DB *sqlx.DB
	// DSN is the connection string pg_dump connects with: a role that may read every
	// table (the schema's owner).
	DSN string
}

// Make writes a new backup of src into dir, encrypted to recipients, and its manifest, and
// returns the manifest. A backup is written under a temporary name and renamed when whole,
// so dir never holds a partial backup under a backup's name.
func Make(ctx context.Context, src Source, dir string, recipients []age.Recipient, now time.Time) (Manifest, error) {
	if len(recipients) == 0 {
		return Manifest{}, errors.New("backup: no recipients: backups are encrypted (set TUGI_BACKUP_RECIPIENTS; tugi backup keygen makes a key)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	tools, err := findTools(ctx, src.DB)
	if err != nil {
		return Manifest{}, err
	}

	// One snapshot for everything: the transaction exports it, reads the figures in it,
	// and stays open while pg_dump dumps the same snapshot.
	conn, err := src.DB.Connx(ctx)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, beginSnapshot); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	var snapshot string
	if err := tx.GetContext(ctx, &snapshot, exportSnapshot); err != nil {
		return Manifest{}, fmt.Errorf("backup: export a snapshot: %w", err)
	}
	m := Manifest{Format: FormatVersion, Created: now.UTC().Truncate(time.Second)}
	if m.Tables, err = countRows(ctx, tx); err != nil {
		return Manifest{}, err
	}
	if err := tx.GetContext(ctx, &m.Schema, schemaVersion); err != nil {
		return Manifest{}, fmt.Errorf("backup: read the schema version: %w", err)
	}
	if err := tx.GetContext(ctx, &m.PostgreSQL, serverVersion); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	head, err := audit.CurrentHead(ctx, tx)
	if err != nil {
		return Manifest{}, err
	}
	m.AuditHead = Head{Seq: head.Seq, Hash: head.Hash.String()}

	m.File = "tugi-" + m.Created.Format("20060102T150405Z") + ".dump.age"
	path := filepath.Join(dir, m.File)
	if _, err := os.Stat(path); err == nil {
		return Manifest{}, fmt.Errorf("backup: %s exists already", path)
	}
	tmp, err := os.CreateTemp(dir, ".partial-*")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed; removes a partial file otherwise

	sum := sha256.New()
	counted := &countingWriter{w: io.MultiWriter(tmp, sum)}
	enc, err := age.Encrypt(counted, recipients...)
	if err != nil {
		tmp.Close()
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	buffered := bufio.NewWriterSize(enc, 1<<20)
	if err := tools.dump(ctx, src.DSN, snapshot, buffered); err != nil {
		tmp.Close()
		return Manifest{}, err
	}
	if err := errors.Join(buffered.Flush(), enc.Close(), tmp.Sync(), tmp.Close()); err != nil {
		return Manifest{}, fmt.Errorf("backup: write %s: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	m.Size = counted.n
	m.SHA256 = hex.EncodeToString(sum.Sum(nil))
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := writeManifest(path, m); err != nil {
		os.Remove(path)
		return Manifest{}, err
	}
	return m, syncDir(dir)
}

// countRows counts the rows of every table of the schema, in q's snapshot.
func countRows(ctx context.Context, q sqlx.QueryerContext) (map[string]int64, error) {
	var tables []string
	if err := sqlx.SelectContext(ctx, q, &tables, listTables); err != nil {
		return nil, fmt.Errorf("backup: list the tables: %w", err)
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := sqlx.GetContext(ctx, q, &n, countTable(t)); err != nil {
			return nil, fmt.Errorf("backup: count %s: %w", t, err)
		}
		counts[t] = n
	}
	return counts, nil
}

// ManifestPath is where the manifest of the backup at path is kept.
func ManifestPath(path string) string { return path + ".manifest.json" }

func writeManifest(path string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".partial-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("backup: write the manifest: %w", err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("backup: write the manifest: %w", err)
	}
	return os.Rename(f.Name(), ManifestPath(path))
}

// ReadManifest reads the manifest of the backup at path.
func ReadManifest(path string) (Manifest, error) {
	b, err := os.ReadFile(ManifestPath(path))
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: the manifest beside %s: %w", path, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("backup: the manifest of %s: %w", path, err)
	}
	if m.Format != FormatVersion {
		return Manifest{}, fmt.Errorf("backup: the manifest of %s has format %d; this Tugi reads %d", path, m.Format, FormatVersion)
	}
	if m.File != filepath.Base(path) {
		return Manifest{}, fmt.Errorf("backup: the manifest beside %s describes %s", path, m.File)
	}
	return m, nil
}

// List returns the backups in dir that have a manifest, newest first.
func List(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "tugi-*.dump.age"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range paths {
		if _, err := os.Stat(ManifestPath(p)); err == nil {
			out = append(out, p)
		}
	}
	// The names hold the time in a sortable form.
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out, nil
}

// Rotate removes every backup in dir but the newest keep (and leftovers of backups that
// never completed), returning the names it removed.
func Rotate(dir string, keep int) ([]string, error) {
	paths, err := List(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	if len(paths) > keep {
		for _, p := range paths[keep:] {
			if err := errors.Join(os.Remove(p), os.Remove(ManifestPath(p))); err != nil {
				return removed, fmt.Errorf("backup: remove %s: %w", p, err)
			}
			removed = append(removed, filepath.Base(p))
		}
	}
	partials, _ := filepath.Glob(filepath.Join(dir, ".partial-*"))
	for _, p := range partials {
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			os.Remove(p)
		}
	}
	return removed, syncDir(dir)
}

// Verify checks that the file at path is the one its manifest describes: its size and
// SHA-256. It reads the whole file.
func Verify(path string, m Manifest) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, f)
	if err != nil {
		return fmt.Errorf("backup: read %s: %w", path, err)
	}
	if n != m.Size || hex.EncodeToString(sum.Sum(nil)) != m.SHA256 {
		return fmt.Errorf("backup: %s is not the file its manifest describes (size %d, manifest %d; or its SHA-256 differs): it was changed or damaged", path, n, m.Size)
	}
	return nil
}

// TableNames returns the manifest's tables in order.
func (m Manifest) TableNames() []string {
	names := make([]string, 0, len(m.Tables))
	for t := range m.Tables {
		names = append(names, t)
	}
	slices.Sort(names)
	return names
}

// Rows is the manifest's total row count.
func (m Manifest) Rows() int64 {
	var n int64
	for _, c := range m.Tables {
		n += c
	}
	return n
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !strings.Contains(err.Error(), "invalid argument") {
		return err
	}
	return nil
}
