package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/blob"
	"tugi/app/config"
	"tugi/app/privacy"
	"tugi/app/retention"
	"tugi/app/user"
	"tugi/app/web"
)

// listFlags is a flag given several times.
type listFlags []string

func (l *listFlags) String() string { return strings.Join(*l, ",") }

func (l *listFlags) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// openPerson opens the database and finds the person with e-mail address email.
func openPerson(ctx context.Context, email string, stderr io.Writer) (*sqlx.DB, *user.User, func(), error) {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	db, _, closeDB, err := openDatabase(ctx, cfg, newLogger(stderr, cfg.LogLevel, cfg.LogFormat), cfg.Migrate, asOwner)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := user.NewStore(db).ByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, user.ErrNotFound) {
		closeDB()
		return nil, nil, nil, fmt.Errorf("no one has the e-mail address %q", email)
	}
	if err != nil {
		closeDB()
		return nil, nil, nil, err
	}
	return db, u, closeDB, nil
}

func runPersonExport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("person export --email E [--out FILE]",
		"Writes everything Tugi holds about a person (GDPR Art. 15 and 20) as a zip archive: export.json and their\nfiles. To standard output unless --out names a new file. The export is audited as done by the command line.", stderr)
	email := fs.String("email", "", "the person's e-mail address (required)")
	out := fs.String("out", "", "the file to write (not over an existing one); standard output when not given")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		fs.Usage()
		return errors.New("--email is required")
	}
	db, u, closeDB, err := openPerson(ctx, *email, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := privacy.NewExporter(db, blob.Postgres{}, nil).Export(ctx, audit.Job("cli"), u.ID, w); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(stderr, "wrote the data of user %d to %s\n", u.ID, *out)
	}
	return nil
}

func runPersonErase(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("person erase --email E [--keep KIND ...] [--yes]",
		"Erases a person: their name and address become a stable pseudonym everywhere, their texts are removed\n"+
			"(or kept with their name replaced, per --keep), their files deleted, sessions ended, second factors\n"+
			"removed, and their values in the audit log made unreadable. Prints what changes and asks; --yes acts at\n"+
			"once. Refused while a legal hold covers the person. Audited as done by the command line.", stderr)
	email := fs.String("email", "", "the person's e-mail address (required)")
	var keep listFlags
	fs.Var(&keep, "keep", "a kind of text to keep, with their name replaced: ticket, chat, incident or mail (repeat for several)")
	yes := fs.Bool("yes", false, "erase without asking")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		fs.Usage()
		return errors.New("--email is required")
	}
	choice := privacy.RemoveAll
	for _, k := range keep {
		switch k {
		case "ticket":
			choice.RemoveTicketText = false
		case "chat":
			choice.RemoveChatText = false
		case "incident":
			choice.RemoveIncidentText = false
		case "mail":
			choice.RemoveRawMail = false
		default:
			return fmt.Errorf("--keep %q: the kinds are ticket, chat, incident and mail", k)
		}
	}
	db, u, closeDB, err := openPerson(ctx, *email, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	svc := privacy.New(db, retention.Holds{}, nil)
	preview, err := svc.Preview(ctx, u.ID, choice, nil)
	if err != nil {
		return err
	}
	printOutcome(stdout, preview, "Erasing")
	if !*yes {
		fmt.Fprintf(stdout, "Erase %s? [y/N] ", u.Email)
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return errors.New("nothing was erased")
		}
	}
	done, err := svc.Erase(ctx, audit.Job("cli"), u.ID, choice, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "erased user %d: now %s <%s>\n", done.UserID, done.Alias, done.AliasEmail)
	fmt.Fprintln(stdout, privacy.BackupsSentence)
	return nil
}

// printOutcome lists what an erasure changes, kind by kind.
func printOutcome(w io.Writer, o *privacy.Outcome, verb string) {
	fmt.Fprintf(w, "%s user %d, %s <%s>: they become %s <%s>.\n", verb, o.UserID, o.Name, o.Email, o.Alias, o.AliasEmail)
	for _, k := range privacy.SortedKinds(o.Counts) {
		fmt.Fprintf(w, "  %-40s %d\n", k, o.Counts[k])
	}
	fmt.Fprintf(w, "  %-40s %d\n", "file_contents.deleted", o.Files.Blobs)
	if o.KeyDestroyed {
		fmt.Fprintf(w, "  %-40s %s\n", "audit_values.shredded", "their key is destroyed")
	}
	fmt.Fprintf(w, "%s Until %s.\n", privacy.BackupsSentence, web.DayIn("en", o.BackupsUntil.In(audit.Zone()))+" ("+audit.TimeZone+")")
}
