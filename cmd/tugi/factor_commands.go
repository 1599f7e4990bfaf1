package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"tugi/app/auth"
	"tugi/app/config"
)

// demoFactorKey is the factor key of an embedded database when TUGI_FACTOR_KEY is unset,
// made on the first start, so that trying Tugi needs no set-up; production names its own.
const demoFactorKey = "factor-key.txt"

// factorKey loads the key that seals second factors: TUGI_FACTOR_KEY, or on the embedded
// database without it, a key of its own under TUGI_DATA_DIR (made when missing). With
// DATABASE_URL it must be set: a key made up on the spot would not open what another
// process sealed, and one kept in the database would be no better than none.
func factorKey(cfg *config.Config, place dbPlace, log *slog.Logger) (*auth.FactorKey, error) {
	file := cfg.FactorKey
	if file == "" {
		if !place.Embedded {
			return nil, errors.New("TUGI_FACTOR_KEY: set it to the file of the key that seals second factors (tugi factor keygen --out FILE writes one; every tugi process on the database needs the same file)")
		}
		file = filepath.Join(cfg.DataDir, demoFactorKey)
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			if err := auth.WriteFactorKeyFile(file); err != nil {
				return nil, fmt.Errorf("make the embedded database's factor key: %w", err)
			}
			log.Info("factor key: made a key for the embedded database's second factors", "file", file)
		}
	}
	return auth.LoadFactorKeyFile(file)
}

func runFactorKeygen(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("factor keygen --out FILE",
		"Writes a new factor key (it seals the authenticator secrets and passkeys in the database) to FILE,\n"+
			"readable by its owner only, never over an existing file. Set TUGI_FACTOR_KEY to it wherever tugi\n"+
			"serve runs on the database, and back it up apart from the database. A database that already holds\n"+
			"second factors keeps needing the key they were sealed with: tugi serve refuses another.", stderr)
	out := fs.String("out", "", "the file to write the key to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give the file to write with --out")
	}
	if err := auth.WriteFactorKeyFile(*out); err != nil {
		return err
	}
	k, err := auth.LoadFactorKeyFile(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "factor key %s written to %s\n", k.ID(), *out)
	return nil
}
