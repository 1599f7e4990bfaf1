// Command tugi is Tugi's one binary: the web server and the operator's sub-commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// command is one sub-command of tugi.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = []command{
	{"serve", "run the web server (with no DATABASE_URL, on its own embedded PostgreSQL)", runServe},
	{"migrate", "bring the database schema up to date", runMigrate},
	{"user add", "create a user, e.g. the first admin", runUserAdd},
	{"demo", "load the demo organisations and people into the database", runDemo},
	{"audit verify", "check that the audit log is an unbroken hash chain (and extends given checkpoints)", runAuditVerify},
	{"audit checkpoint", "print a signed statement of the audit log's head, to keep elsewhere", runAuditCheckpoint},
	{"audit keygen", "write a new key for signing audit checkpoints", runAuditKeygen},
	{"factor keygen", "write a new key for sealing second factors (TUGI_FACTOR_KEY)", runFactorKeygen},
	// "backup keygen" and "backup drill" before "backup", which would take them otherwise.
	{"backup keygen", "write a new key for backups and print its public key", runBackupKeygen},
	{"backup drill", "restore the newest backup into a scratch database and check it", runBackupDrill},
	{"backup", "write an encrypted backup of the whole database now (tugi serve makes one daily)", runBackup},
	{"restore", "restore a backup into an empty database", runRestore},
	{"person export", "write everything Tugi holds about a person as a zip archive", runPersonExport},
	{"person erase", "erase a person: preview, ask, then pseudonymise and remove their data", runPersonErase},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, the default handling returns: a second Ctrl-C stops at once.
		<-ctx.Done()
		stop()
	}()
	if err := dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tugi:", err)
		}
		os.Exit(2)
	}
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	// Match word by word: joined strings would take one argument "user add" (or "serve x")
	// for the command, and then slice past the end of args.
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && slices.Equal(args[:len(words)], words) {
			return c.run(ctx, args[len(words):], stdin, stdout, stderr)
		}
	}
	joined := strings.Join(args, " ")
	usage(stderr)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		return flag.ErrHelp
	}
	return fmt.Errorf("unknown command %q", joined)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Tugi: customer support and security incidents.\n\nUsage: tugi <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tugi <command> -h' for a command's flags. Settings come from environment variables (tugi serve -h).")
}

// newFlags returns a flag set for a sub-command whose -h prints about and the flags.
func newFlags(name, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tugi "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tugi %s\n\n%s\n", name, about)
		if hasFlags(fs) {
			fmt.Fprintln(stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
