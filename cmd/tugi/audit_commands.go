package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"tugi/app/audit"
	"tugi/app/config"
)

// fileFlags collects a repeated flag naming files.
type fileFlags []string

func (f *fileFlags) String() string { return strings.Join(*f, ",") }

func (f *fileFlags) Set(v string) error {
	*f = append(*f, v)
	return nil
}

func runAuditVerify(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("audit verify [--checkpoint FILE ...]",
		"Checks that the audit log is one unbroken hash chain: every event in its place, none changed, none\n"+
			"missing, and the chain's head its last event. With --checkpoint, also that the log still extends\n"+
			"each checkpoint written earlier by tugi audit checkpoint. Prints how many events it checked and the\n"+
			"head; exits non-zero naming the first event that does not match.", stderr)
	var files fileFlags
	fs.Var(&files, "checkpoint", "a checkpoint file written by tugi audit checkpoint (repeat for several)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	var trusted ed25519.PublicKey
	if cfg.AuditSigningKey != "" {
		key, err := audit.LoadSigningKey(cfg.AuditSigningKey)
		if err != nil {
			return fmt.Errorf("TUGI_AUDIT_SIGNING_KEY: %w", err)
		}
		trusted = key.Public().(ed25519.PublicKey)
	}
	checkpoints := make([]audit.Checkpoint, len(files))
	for i, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if checkpoints[i], err = audit.ParseCheckpoint(text); err != nil {
			return fmt.Errorf("checkpoint %s: %w", f, err)
		}
		if trusted != nil && !trusted.Equal(checkpoints[i].PublicKey) {
			return fmt.Errorf("checkpoint %s is signed by the key %s, not by the one in TUGI_AUDIT_SIGNING_KEY (%s)",
				f, audit.PublicKeyText(checkpoints[i].PublicKey), audit.PublicKeyText(trusted))
		}
	}
	db, _, closeDB, err := openDatabase(ctx, cfg, newLogger(stderr, cfg.LogLevel, cfg.LogFormat), cfg.Migrate, asOwner)
	if err != nil {
		return err
	}
	defer closeDB()

	// Reading a million rows makes garbage the collector need not chase every few MB.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	start := time.Now()
	rep, err := audit.Verify(ctx, db, checkpoints)
	if errors.Is(err, audit.ErrBroken) {
		fmt.Fprintf(stdout, "the chain holds up to seq %d (%d events checked), then:\n", rep.Head.Seq, rep.Events)
	}
	if err != nil {
		return err
	}
	for i, cp := range checkpoints {
		signer := "the key in TUGI_AUDIT_SIGNING_KEY"
		if trusted == nil {
			signer = "public key " + audit.PublicKeyText(cp.PublicKey) + " (set TUGI_AUDIT_SIGNING_KEY to require yours)"
		}
		fmt.Fprintf(stdout, "checkpoint %s: seq %d of %s, signed by %s: the log still extends it\n",
			files[i], cp.Seq, cp.Time.UTC().Format(time.RFC3339), signer)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "verified %d events; head seq %d hash %s\n", rep.Events, rep.Head.Seq, rep.Head.Hash)
	fmt.Fprintf(stderr, "(%s, %.0f events/s)\n", took.Round(time.Millisecond), float64(rep.Events)/took.Seconds())
	return nil
}

func runAuditCheckpoint(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("audit checkpoint",
		"Prints a statement of the audit log's head (seq, hash and time) signed with the Ed25519 key in\n"+
			"TUGI_AUDIT_SIGNING_KEY. Keep it outside the database (say, daily, in another system): tugi audit\n"+
			"verify --checkpoint FILE then proves the log still extends it, which a rewrite cannot fake.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	if cfg.AuditSigningKey == "" {
		return errors.New("TUGI_AUDIT_SIGNING_KEY is not set: make a key with tugi audit keygen --out FILE and set TUGI_AUDIT_SIGNING_KEY=FILE")
	}
	key, err := audit.LoadSigningKey(cfg.AuditSigningKey)
	if err != nil {
		return fmt.Errorf("TUGI_AUDIT_SIGNING_KEY: %w", err)
	}
	db, _, closeDB, err := openDatabase(ctx, cfg, newLogger(stderr, cfg.LogLevel, cfg.LogFormat), cfg.Migrate, asOwner)
	if err != nil {
		return err
	}
	defer closeDB()
	cp, err := audit.SignCheckpoint(ctx, db, key, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(stdout, cp.Text())
	return err
}

func runAuditKeygen(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("audit keygen --out FILE",
		"Writes a new Ed25519 key for signing audit checkpoints to FILE (PEM, PKCS #8, readable by its owner\n"+
			"only) and prints its public key. Point TUGI_AUDIT_SIGNING_KEY at the file. It never overwrites a file.", stderr)
	out := fs.String("out", "", "the file to write the key to (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("--out is required")
	}
	key, pemText, err := audit.GenerateSigningKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the key: %w", err)
	}
	if _, err := f.Write(pemText); err != nil {
		f.Close()
		return fmt.Errorf("write the key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the key: %w", err)
	}
	fmt.Fprintf(stdout, "wrote the signing key to %s (keep it secret; set TUGI_AUDIT_SIGNING_KEY=%s)\npublic key: %s\n",
		*out, *out, audit.PublicKeyText(key.Public().(ed25519.PublicKey)))
	return nil
}
