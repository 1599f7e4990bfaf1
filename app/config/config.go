// Package config reads Tugi's settings from environment variables and validates them at
// start, so a mistake is reported once, naming the variable, instead of surfacing later.
package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Config is every setting of `tugi serve`. The README documents each variable.
type Config struct {
	DatabaseURL        string         // DATABASE_URL; empty: the embedded PostgreSQL under DataDir
	DataDir            string         // TUGI_DATA_DIR
	Addr               string         // TUGI_ADDR
	PublicURL          *url.URL       // TUGI_PUBLIC_URL
	TLSCert            string         // TUGI_TLS_CERT
	TLSKey             string         // TUGI_TLS_KEY
	TrustedProxies     []*net.IPNet   // TUGI_TRUSTED_PROXIES
	SessionIdle        time.Duration  // TUGI_SESSION_IDLE
	SessionMax         time.Duration  // TUGI_SESSION_MAX
	ShutdownTimeout    time.Duration  // TUGI_SHUTDOWN_TIMEOUT
	ShutdownDrain      time.Duration  // TUGI_SHUTDOWN_DRAIN: how long /readyz says 503 before the listener closes
	StatementTimeout   time.Duration  // TUGI_DB_STATEMENT_TIMEOUT: each database statement's limit
	LogLevel           slog.Level     // TUGI_LOG_LEVEL
	LogFormat          string         // TUGI_LOG_FORMAT: text or json
	Migrate            bool           // TUGI_MIGRATE: whether commands bring the schema up to date themselves
	AuditSigningKey    string         // TUGI_AUDIT_SIGNING_KEY: PEM file of the Ed25519 key that signs audit checkpoints
	FactorKey          string         // TUGI_FACTOR_KEY: file of the key that seals second factors; "": see cmd/tugi
	Mail               Mail           // TUGI_SMTP_URL, TUGI_MAIL_*: outgoing e-mail (mail.go)
	Inbound            Inbound        // TUGI_INBOUND_*, TUGI_SUPPORT_ADDRESS, TUGI_SECURITY_ADDRESS: incoming e-mail (inbound.go)
	AttachmentMaxSize  int64          // TUGI_ATTACHMENT_MAX_SIZE: bytes per attached file
	AttachmentMaxFiles int            // TUGI_ATTACHMENT_MAX_FILES: files per message
	ActiveRequests     int            // TUGI_ACTIVE_REQUESTS: requests handled at once; the rest wait their turn
	ActiveUploads      int            // TUGI_ACTIVE_UPLOADS: requests with files checked and stored at once
	OrgStorageQuota    int64          // TUGI_ORG_STORAGE_QUOTA: bytes of attachments one customer organisation may keep
	MetricsToken       string         // TUGI_METRICS_TOKEN: the bearer token /metrics asks for; empty: /metrics only on this machine
	IDCardAddr         string         // TUGI_IDCARD_ADDR: the listener that asks for an ID-card's certificate; empty: none
	IDCardCA           string         // TUGI_IDCARD_CA: PEM file of the CAs that issue ID-cards' certificates
	IDCardRoots        *x509.CertPool // read from IDCardCA; nil: no ID-card sign-in
	IDCardOCSPURL      string         // TUGI_IDCARD_OCSP_URL: the OCSP responder; empty: the one each certificate names
	Backup             Backup         // TUGI_BACKUP_*: backups (backup.go)
}

// Variable documents one setting; Variables is the list the README and `tugi serve -h` show.
type Variable struct {
	Name, Default, Help string
}

// Variables lists every environment variable Tugi reads, with its default.
var Variables = []Variable{
	{"DATABASE_URL", "", "PostgreSQL to use, e.g. postgres://tugi@db.internal/tugi?sslmode=verify-full. Unset: Tugi runs its own PostgreSQL under TUGI_DATA_DIR and loads the demo data once."},
	{"TUGI_DATA_DIR", "./var", "where the embedded PostgreSQL keeps its files (only without DATABASE_URL)."},
	{"TUGI_ADDR", "127.0.0.1:8080", "host:port to listen on."},
	{"TUGI_PUBLIC_URL", "http://<TUGI_ADDR>, https://... with TLS", "the address people use, for links; https:// makes cookies Secure and sends HSTS (set it behind a TLS proxy)."},
	{"TUGI_TLS_CERT", "", "PEM certificate chain file; with TUGI_TLS_KEY, Tugi serves HTTPS itself (TLS 1.2+)."},
	{"TUGI_TLS_KEY", "", "PEM private key file for TUGI_TLS_CERT."},
	{"TUGI_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client."},
	{"TUGI_SESSION_IDLE", "2h", "a session ends after this long without a request."},
	{"TUGI_SESSION_MAX", "12h", "a session ends this long after sign-in, however active."},
	{"TUGI_SHUTDOWN_TIMEOUT", "15s", "how long in-flight requests may take to finish on SIGINT/SIGTERM."},
	{"TUGI_SHUTDOWN_DRAIN", "<5s with DATABASE_URL, 0 without>", "on SIGINT/SIGTERM, how long /readyz answers 503 while requests are still served, so a load balancer moves traffic away before the listener closes; 0 closes it at once."},
	{"TUGI_DB_STATEMENT_TIMEOUT", "30s", "the longest a database statement may run (statement_timeout); a database that does not answer for this long and 5 s more fails the request, and /readyz answers 503 within 1.5 s."},
	{"TUGI_LOG_LEVEL", "info", "debug, info, warn or error."},
	{"TUGI_LOG_FORMAT", "text", "text or json."},
	{"TUGI_MIGRATE", "true", "whether tugi serve (and the other commands) apply pending migrations at start; false: they refuse to start while any is pending, so Tugi can run as a role that may not change the schema (run tugi migrate as the owner)."},
	{"TUGI_AUDIT_SIGNING_KEY", "", "PEM file (PKCS #8) of the Ed25519 key that signs audit checkpoints (tugi audit keygen makes one; tugi audit checkpoint needs it)."},
	{"TUGI_FACTOR_KEY", "<TUGI_DATA_DIR/factor-key.txt without DATABASE_URL>", "file of the key that seals the second factors (authenticator secrets, passkeys) kept in the database, so that a dump of it alone does not give them away; tugi factor keygen writes one. Every tugi process on the database needs the same file; back it up apart from the database. Unset with DATABASE_URL: tugi serve refuses to start. Unset without it: made under TUGI_DATA_DIR on the first start."},
	{"TUGI_SMTP_URL", "", "the mail server: smtp://user:password@host:587 (STARTTLS, required), smtps://user:password@host:465 (TLS), or smtp://127.0.0.1:1025?tls=none (a local mail catcher). Unset: mail stays queued, unsent."},
	{"TUGI_MAIL_FROM", "", "the sender of Tugi's mail, e.g. \"Tugi Support <support@example.com>\"; needed with TUGI_SMTP_URL."},
	{"TUGI_MAIL_DOMAIN", "<the domain of TUGI_MAIL_FROM>", "the domain of the Message-IDs of Tugi's mail."},
	{"TUGI_MAIL_MAX_ATTEMPTS", "53", "attempts to send a message before giving up on it (53 is about two days: pauses of 1, 2, 4 ... minutes, then hourly)."},
	{"TUGI_INBOUND_SMTP_ADDR", "", "host:port where Tugi receives e-mail over SMTP from a relaying mail server, e.g. 127.0.0.1:2525. Unset: no SMTP receiver (docs/email.md)."},
	{"TUGI_INBOUND_RELAYS", "", "comma-separated addresses or CIDRs of the mail servers allowed to deliver to TUGI_INBOUND_SMTP_ADDR. Unset: loopback only."},
	{"TUGI_INBOUND_IMAP_URL", "", "a mailbox Tugi reads its e-mail from, with IDLE: imaps://user:password@host/INBOX?processed=Processed (mail moves to the processed folder once stored). Unset: none."},
	{"TUGI_SUPPORT_ADDRESS", "", "the address customers mail for support: mail to it becomes tickets and replies. Needed with TUGI_INBOUND_SMTP_ADDR or TUGI_INBOUND_IMAP_URL."},
	{"TUGI_SECURITY_ADDRESS", "", "the address for security reports: from staff an incident report, from others a ticket flagged as a security concern. Unset: refused."},
	{"TUGI_INBOUND_MAX_SIZE", "50MiB", "the largest e-mail Tugi takes in (bytes, KiB, MiB or GiB); larger ones are refused while they arrive."},
	{"TUGI_ATTACHMENT_MAX_SIZE", "10MiB", "the largest file a message may carry: bytes, or a number with KiB or MiB (at most 100MiB)."},
	{"TUGI_ATTACHMENT_MAX_FILES", "5", "how many files one message may carry (1 to 20)."},
	{"TUGI_ACTIVE_REQUESTS", "<4 per CPU>", "how many requests Tugi handles at once (1 to 10000); those beyond wait their turn, first come first served (uploads and downloads do not count, nor wait). More than the CPUs can work on only makes each slower."},
	{"TUGI_ACTIVE_UPLOADS", "<1 per CPU>", "how many forms carrying files Tugi checks and stores at once (1 to 1000), once their files have arrived; those beyond wait their turn. Each holds about five times the file it stores in memory."},
	{"TUGI_ORG_STORAGE_QUOTA", "1GiB", "how many bytes of attachments one customer organisation may keep, in all its tickets: bytes, or a number with KiB, MiB or GiB. A message whose files would go past it is refused, beside its files."},
	{"TUGI_IDCARD_ADDR", "", "host:port of a second HTTPS listener (with TUGI_TLS_CERT and TUGI_TLS_KEY) that asks for a client certificate, for sign-in with an Estonian ID-card at /login/id-card, e.g. 127.0.0.1:8443. Needs TUGI_IDCARD_CA."},
	{"TUGI_IDCARD_CA", "", "PEM file of the CA certificates that issue ID-cards' authentication certificates (the ESTEID chain in production). Set without TUGI_IDCARD_ADDR: a TLS-terminating proxy in TUGI_TRUSTED_PROXIES passes the certificate in X-Client-Cert."},
	{"TUGI_IDCARD_OCSP_URL", "", "the OCSP responder that says whether an ID-card's certificate is revoked (5 s timeout; no answer: sign-in refused). Unset: the one each certificate names."},
	{"TUGI_METRICS_TOKEN", "", "a secret of 16 characters or more: /metrics (Prometheus) then answers requests with Authorization: Bearer <token>, from anywhere. Unset: /metrics answers only requests made on this machine (from loopback, not relayed by a proxy)."},
}

// FromEnv reads the configuration through getenv (os.Getenv in production) and returns
// every problem found, each naming its variable.
func FromEnv(getenv func(string) string) (*Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range Variables {
			if v.Name == name && !strings.Contains(v.Default, "<") {
				return v.Default
			}
		}
		return ""
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	duration := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d <= 0 {
			bad(name, "%q is not a positive duration such as 30m or 2h", get(name))
		}
		return d
	}

	c := &Config{
		DatabaseURL:     get("DATABASE_URL"),
		DataDir:         get("TUGI_DATA_DIR"),
		Addr:            get("TUGI_ADDR"),
		TLSCert:         get("TUGI_TLS_CERT"),
		TLSKey:          get("TUGI_TLS_KEY"),
		SessionIdle:     duration("TUGI_SESSION_IDLE"),
		SessionMax:      duration("TUGI_SESSION_MAX"),
		ShutdownTimeout: duration("TUGI_SHUTDOWN_TIMEOUT"),
		LogFormat:       strings.ToLower(get("TUGI_LOG_FORMAT")),
		AuditSigningKey: get("TUGI_AUDIT_SIGNING_KEY"),
		FactorKey:       get("TUGI_FACTOR_KEY"),
	}
	c.StatementTimeout = duration("TUGI_DB_STATEMENT_TIMEOUT")
	if c.StatementTimeout > 0 && c.StatementTimeout < time.Second {
		bad("TUGI_DB_STATEMENT_TIMEOUT", "%s is shorter than a second", c.StatementTimeout)
	}
	// No load balancer waits on the embedded database's Tugi: there, Ctrl-C stops at once.
	if c.DatabaseURL != "" {
		c.ShutdownDrain = 5 * time.Second
	}
	if v := get("TUGI_SHUTDOWN_DRAIN"); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d < 0 || d > time.Minute {
			bad("TUGI_SHUTDOWN_DRAIN", "%q is not a duration from 0 to 1m, such as 5s", v)
		} else {
			c.ShutdownDrain = d
		}
	}
	if m, err := strconv.ParseBool(get("TUGI_MIGRATE")); err != nil {
		bad("TUGI_MIGRATE", "%q is not true or false", get("TUGI_MIGRATE"))
	} else {
		c.Migrate = m
	}

	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.Contains(c.DatabaseURL, "=") {
		bad("DATABASE_URL", "expected postgres://user@host/dbname or key=value pairs such as host=/run/postgresql dbname=tugi")
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("TUGI_ADDR", "%q is not host:port, e.g. 127.0.0.1:8080 or :8080", c.Addr)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("TUGI_TLS_CERT", "set TUGI_TLS_CERT and TUGI_TLS_KEY together")
	}
	for _, name := range []string{"TUGI_TLS_CERT", "TUGI_TLS_KEY", "TUGI_AUDIT_SIGNING_KEY", "TUGI_FACTOR_KEY"} {
		if f := get(name); f != "" {
			if _, err := os.Stat(f); err != nil {
				bad(name, "cannot read %s: %v", f, errors.Unwrap(err))
			}
		}
	}

	c.IDCardAddr, c.IDCardCA, c.IDCardOCSPURL = get("TUGI_IDCARD_ADDR"), get("TUGI_IDCARD_CA"), get("TUGI_IDCARD_OCSP_URL")
	if c.IDCardAddr != "" {
		if _, port, err := net.SplitHostPort(c.IDCardAddr); err != nil || port == "" {
			bad("TUGI_IDCARD_ADDR", "%q is not host:port, e.g. 127.0.0.1:8443", c.IDCardAddr)
		}
		if c.TLSCert == "" {
			bad("TUGI_IDCARD_ADDR", "the ID-card listener serves HTTPS: set TUGI_TLS_CERT and TUGI_TLS_KEY too")
		}
		if c.IDCardCA == "" {
			bad("TUGI_IDCARD_ADDR", "set TUGI_IDCARD_CA to the CAs whose cards to accept")
		}
	}
	if c.IDCardCA != "" {
		pem, err := os.ReadFile(c.IDCardCA)
		c.IDCardRoots = x509.NewCertPool()
		if err != nil {
			bad("TUGI_IDCARD_CA", "cannot read %s: %v", c.IDCardCA, errors.Unwrap(err))
		} else if !c.IDCardRoots.AppendCertsFromPEM(pem) {
			bad("TUGI_IDCARD_CA", "%s holds no PEM certificate", c.IDCardCA)
		}
	}
	if u, err := url.Parse(c.IDCardOCSPURL); c.IDCardOCSPURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		bad("TUGI_IDCARD_OCSP_URL", "%q is not an http:// or https:// address", c.IDCardOCSPURL)
	}

	public := get("TUGI_PUBLIC_URL")
	if public == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		public = scheme + "://" + host
	}
	if u, err := url.Parse(public); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("TUGI_PUBLIC_URL", "%q is not an http:// or https:// address", public)
	} else {
		u.Path = strings.TrimRight(u.Path, "/")
		c.PublicURL = u
	}

	for _, p := range strings.Split(get("TUGI_TRUSTED_PROXIES"), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			bad("TUGI_TRUSTED_PROXIES", "%q is not an IP address or CIDR", p)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}

	if n, ok := parseSize(get("TUGI_ATTACHMENT_MAX_SIZE")); !ok || n < 1 || n > 100<<20 {
		bad("TUGI_ATTACHMENT_MAX_SIZE", "%q is not a size from 1 byte to 100MiB, such as 10MiB or 512KiB", get("TUGI_ATTACHMENT_MAX_SIZE"))
	} else {
		c.AttachmentMaxSize = n
	}
	if n, err := strconv.Atoi(get("TUGI_ATTACHMENT_MAX_FILES")); err != nil || n < 1 || n > 20 {
		bad("TUGI_ATTACHMENT_MAX_FILES", "%q is not a number from 1 to 20", get("TUGI_ATTACHMENT_MAX_FILES"))
	} else {
		c.AttachmentMaxFiles = n
	}

	c.ActiveRequests = 4 * runtime.GOMAXPROCS(0)
	if v := get("TUGI_ACTIVE_REQUESTS"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 10000 {
			bad("TUGI_ACTIVE_REQUESTS", "%q is not a number from 1 to 10000", v)
		} else {
			c.ActiveRequests = n
		}
	}

	c.ActiveUploads = runtime.GOMAXPROCS(0)
	if v := get("TUGI_ACTIVE_UPLOADS"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 1000 {
			bad("TUGI_ACTIVE_UPLOADS", "%q is not a number from 1 to 1000", v)
		} else {
			c.ActiveUploads = n
		}
	}
	if n, ok := parseSize(get("TUGI_ORG_STORAGE_QUOTA")); !ok || n < 1 {
		bad("TUGI_ORG_STORAGE_QUOTA", "%q is not a size such as 1GiB or 500MiB", get("TUGI_ORG_STORAGE_QUOTA"))
	} else {
		c.OrgStorageQuota = n
	}

	c.MetricsToken = get("TUGI_METRICS_TOKEN")
	if t := c.MetricsToken; t != "" && (len(t) < 16 || strings.ContainsFunc(t, unicode.IsSpace)) {
		bad("TUGI_METRICS_TOKEN", "is not a secret of 16 characters or more without spaces")
	}

	if c.SessionIdle > 0 && c.SessionMax > 0 && c.SessionIdle > c.SessionMax {
		bad("TUGI_SESSION_IDLE", "%s is longer than TUGI_SESSION_MAX (%s)", c.SessionIdle, c.SessionMax)
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("TUGI_LOG_LEVEL"))); err != nil {
		bad("TUGI_LOG_LEVEL", "%q is not debug, info, warn or error", get("TUGI_LOG_LEVEL"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("TUGI_LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	c.readMail(get, bad)
	c.readInbound(get, bad)
	c.readBackup(get, bad)
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// parseSize reads a size in bytes: "1048576", "512KiB", "10MiB".
func parseSize(s string) (int64, bool) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, suffix)), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > 1<<40/mult { // 1 TiB at most, which no product overflows
		return 0, false
	}
	return n * mult, true
}

// TLS reports whether Tugi serves HTTPS itself.
func (c *Config) TLS() bool { return c.TLSCert != "" }

// Secure reports whether people reach Tugi over HTTPS (itself or through a TLS proxy):
// then cookies are marked Secure and HSTS is sent.
func (c *Config) Secure() bool { return c.PublicURL.Scheme == "https" }

// IDCardURL is where the sign-in page sends a person choosing the ID-card: the ID-card
// listener, on the public host name (so the session cookie it sets is the public site's),
// or, behind a proxy that asks for the certificate, the path on the public site; "" when
// Tugi takes no ID-cards.
func (c *Config) IDCardURL() string {
	switch {
	case c.IDCardRoots == nil:
		return ""
	case c.IDCardAddr != "":
		_, port, _ := net.SplitHostPort(c.IDCardAddr)
		return "https://" + net.JoinHostPort(c.PublicURL.Hostname(), port) + "/login/id-card"
	default:
		return "/login/id-card"
	}
}
