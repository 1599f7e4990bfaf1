package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"

	"golang.org/x/term"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/demo"
	"tugi/app/user"
)

func runMigrate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "Applies the database migrations that are not applied yet (tugi serve does this at start too).\nUses DATABASE_URL, or the embedded PostgreSQL under TUGI_DATA_DIR when it is unset.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	_, _, closeDB, err := openDatabase(ctx, cfg, newLogger(stderr, cfg.LogLevel, cfg.LogFormat), true, asOwner)
	if err != nil {
		return err
	}
	closeDB()
	fmt.Fprintln(stdout, "the database schema is up to date")
	return nil
}

// roleFlags collects repeated --role flags.
type roleFlags []string

func (r *roleFlags) String() string { return strings.Join(*r, ",") }

func (r *roleFlags) Set(v string) error {
	if !access.Role(v).Valid() {
		return fmt.Errorf("unknown role %q (customer, employee, agent, ciso or admin)", v)
	}
	*r = append(*r, v)
	return nil
}

func runUserAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("user add --email E --name N --role R [--role R2 ...] [--org ORG] [--password P] [--personal-code C]",
		"Creates a user, e.g. the first admin. Without --password, the password is read from standard input\n(without echo at a terminal). The creation is audited as done by the command line.", stderr)
	email := fs.String("email", "", "the person's e-mail address (required)")
	name := fs.String("name", "", "the person's name (required)")
	var roles roleFlags
	fs.Var(&roles, "role", "a role: customer, employee, agent, ciso or admin (repeat for several)")
	org := fs.String("org", "", "the customer organisation's name (customers only)")
	password := fs.String("password", "", "the password (at least 12 characters); read from standard input when not given")
	personalCode := fs.String("personal-code", "", "the Estonian personal code (isikukood) the person signs in with by ID-card")
	if err := fs.Parse(args); err != nil {
		return err
	}
	*email, *name = strings.TrimSpace(*email), strings.TrimSpace(*name)
	if *email == "" || *name == "" || len(roles) == 0 {
		fs.Usage()
		return errors.New("--email, --name and at least one --role are required")
	}
	if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email || !strings.Contains(a.Address[strings.LastIndex(a.Address, "@"):], ".") {
		return fmt.Errorf("--email %q is not an e-mail address such as name@example.com", *email)
	}
	if len([]rune(*name)) > 200 {
		return errors.New("--name is longer than 200 characters")
	}
	if *personalCode != "" && !user.ValidPersonalCode(*personalCode) {
		return fmt.Errorf("--personal-code %q is not an Estonian personal code (11 digits, the last a check digit)", *personalCode)
	}
	if *password == "" {
		p, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		*password = p
	}
	if len(*password) < user.MinPasswordLength {
		return fmt.Errorf("the password needs at least %d characters", user.MinPasswordLength)
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	db, _, closeDB, err := openDatabase(ctx, cfg, newLogger(stderr, cfg.LogLevel, cfg.LogFormat), cfg.Migrate, asOwner)
	if err != nil {
		return err
	}
	defer closeDB()

	rl, err := user.ParseRoles(roles)
	if err != nil {
		return err
	}
	nu := user.NewUser{Email: *email, Name: *name, Roles: rl}
	if *org != "" {
		o, err := user.NewStore(db).OrganisationByName(ctx, *org)
		if errors.Is(err, user.ErrNotFound) {
			return fmt.Errorf("no organisation called %q (create it on the admin pages first)", *org)
		}
		if err != nil {
			return err
		}
		nu.OrgID = &o.ID
	}
	if nu.PasswordHash, err = user.HashPassword(*password); err != nil {
		return err
	}
	sessions := auth.NewSessionStore(db, cfg.Secure(), cfg.SessionIdle, cfg.SessionMax)
	svc := user.NewService(db, sessions)
	id, err := svc.Create(ctx, audit.Job("cli"), nu)
	if err != nil {
		return err
	}
	if *personalCode != "" {
		if err := svc.SetPersonalCode(ctx, audit.Job("cli"), id, *personalCode); err != nil {
			return fmt.Errorf("created user %d, but the personal code: %w", id, err)
		}
	}
	fmt.Fprintf(stdout, "created user %d: %s <%s>, roles %s\n", id, nu.Name, strings.ToLower(nu.Email), roles.String())
	return nil
}

// readPassword reads one line from stdin, without echo when it is a terminal.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runDemo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "Loads the demo organisations and people (README) into the database: into DATABASE_URL's only when\nasked this way; the embedded database gets them on its first start.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	db, place, closeDB, err := openDatabase(ctx, cfg, log, cfg.Migrate, asOwner)
	if err != nil {
		return err
	}
	defer closeDB()
	factors, err := factorKey(cfg, place, log)
	if err != nil {
		return err
	}
	if err := auth.PrepareFactors(ctx, db, factors, log); err != nil {
		return err
	}
	sessions := auth.NewSessionStore(db, cfg.Secure(), cfg.SessionIdle, cfg.SessionMax)
	err = demo.Load(ctx, db, sessions, factors)
	if errors.Is(err, user.ErrOrgNameTaken) || errors.Is(err, user.ErrEmailTaken) {
		return errors.New("the demo data is already loaded (a demo organisation or person exists)")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data loaded: %d organisations, %d people, password %s\n", len(demo.Organisations), len(demo.People), demo.Password)
	return nil
}
