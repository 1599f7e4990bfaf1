package config

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestFromEnvDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./var" || c.DatabaseURL != "" {
		t.Errorf("defaults: addr %q data dir %q database %q", c.Addr, c.DataDir, c.DatabaseURL)
	}
	if c.PublicURL.String() != "http://127.0.0.1:8080" || c.Secure() || c.TLS() {
		t.Errorf("public URL %s, secure %v, tls %v", c.PublicURL, c.Secure(), c.TLS())
	}
	if c.SessionIdle != 2*time.Hour || c.SessionMax != 12*time.Hour {
		t.Errorf("session timeouts %s / %s", c.SessionIdle, c.SessionMax)
	}
}

func TestFromEnvProxyAndPublicURL(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"TUGI_PUBLIC_URL":      "https://support.example.com/",
		"TUGI_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16, ::1",
		"TUGI_ADDR":            ":9000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() || c.PublicURL.String() != "https://support.example.com" {
		t.Errorf("public URL %s secure %v", c.PublicURL, c.Secure())
	}
	if len(c.TrustedProxies) != 3 || c.TrustedProxies[0].String() != "10.0.0.1/32" {
		t.Errorf("trusted proxies %v", c.TrustedProxies)
	}
}

func TestFromEnvNamesEveryBadVariable(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		"TUGI_ADDR":            "8080",
		"TUGI_SESSION_IDLE":    "soon",
		"TUGI_LOG_LEVEL":       "loud",
		"TUGI_LOG_FORMAT":      "xml",
		"TUGI_TLS_CERT":        "/nonexistent/cert.pem",
		"TUGI_TRUSTED_PROXIES": "proxy.example",
		"TUGI_PUBLIC_URL":      "ftp://x",
		"DATABASE_URL":         "mysql-ish",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, name := range []string{"TUGI_ADDR", "TUGI_SESSION_IDLE", "TUGI_LOG_LEVEL", "TUGI_LOG_FORMAT", "TUGI_TLS_CERT", "TUGI_TRUSTED_PROXIES", "TUGI_PUBLIC_URL", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestFromEnvIdleLongerThanMax(t *testing.T) {
	_, err := FromEnv(env(map[string]string{"TUGI_SESSION_IDLE": "24h", "TUGI_SESSION_MAX": "1h"}))
	if err == nil || !strings.Contains(err.Error(), "TUGI_SESSION_IDLE") {
		t.Fatalf("err = %v", err)
	}
}

func TestFromEnvMigrateAndAuditKey(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Migrate || c.AuditSigningKey != "" {
		t.Errorf("defaults: migrate %v, audit signing key %q; want true and none", c.Migrate, c.AuditSigningKey)
	}
	c, err = FromEnv(env(map[string]string{"TUGI_MIGRATE": "false"}))
	if err != nil || c.Migrate {
		t.Errorf("TUGI_MIGRATE=false: migrate %v, %v", c != nil && c.Migrate, err)
	}
	_, err = FromEnv(env(map[string]string{"TUGI_MIGRATE": "sometimes", "TUGI_AUDIT_SIGNING_KEY": "/nonexistent/audit.pem"}))
	for _, name := range []string{"TUGI_MIGRATE", "TUGI_AUDIT_SIGNING_KEY"} {
		if err == nil || !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestSMTPURL(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want SMTP
	}{
		{"smtp://tugi:p%40ss@mail.example.com", SMTP{Host: "mail.example.com", Port: 587, Security: STARTTLS, Username: "tugi", Password: "p@ss"}},
		{"smtp://tugi:pw@mail.example.com:2525", SMTP{Host: "mail.example.com", Port: 2525, Security: STARTTLS, Username: "tugi", Password: "pw"}},
		{"smtps://tugi:pw@mail.example.com", SMTP{Host: "mail.example.com", Port: 465, Security: TLS, Username: "tugi", Password: "pw"}},
		{"smtp://127.0.0.1:1025?tls=none", SMTP{Host: "127.0.0.1", Port: 1025, Security: NoTLS}},
	} {
		got, err := ParseSMTPURL(tt.in)
		if err != nil || *got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if strings.Contains(got.String(), "pw") || strings.Contains(got.String(), "ss") {
			t.Errorf("%s: String() shows the password: %s", tt.in, got)
		}
	}
	for _, bad := range []string{
		"mail.example.com:587", "http://mail.example.com", "smtp://", "smtp://host:99999",
		"smtp://user:pw@127.0.0.1:1025?tls=none", // a password in clear
		"smtps://host?tls=none", "smtp://host?tls=maybe", "smtp://host?auth=plain", "smtp://host/path",
	} {
		if s, err := ParseSMTPURL(bad); err == nil {
			t.Errorf("%s accepted as %+v", bad, s)
		}
	}
}

func TestFromEnvMail(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mail.SMTP != nil || c.Mail.MaxAttempts != DefaultMailMaxAttempts {
		t.Errorf("defaults: %+v", c.Mail)
	}
	c, err = FromEnv(env(map[string]string{
		"TUGI_SMTP_URL":  "smtp://127.0.0.1:1025?tls=none",
		"TUGI_MAIL_FROM": "Tugi Klienditugi <Support@Tugi.example>",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mail.From.Name != "Tugi Klienditugi" || c.Mail.Domain != "tugi.example" || c.Mail.SMTP.Port != 1025 {
		t.Errorf("mail: %+v from %+v", c.Mail, c.Mail.From)
	}
	_, err = FromEnv(env(map[string]string{
		"TUGI_SMTP_URL":          "ftp://x",
		"TUGI_MAIL_DOMAIN":       "not a domain",
		"TUGI_MAIL_MAX_ATTEMPTS": "0",
	}))
	for _, name := range []string{"TUGI_SMTP_URL", "TUGI_MAIL_FROM", "TUGI_MAIL_DOMAIN", "TUGI_MAIL_MAX_ATTEMPTS"} {
		if err == nil || !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	_, err = FromEnv(env(map[string]string{"TUGI_SMTP_URL": "smtp://h:1?tls=none", "TUGI_MAIL_FROM": "nobody"}))
	if err == nil || !strings.Contains(err.Error(), "TUGI_MAIL_FROM:") {
		t.Errorf("a From without an address: %v", err)
	}
}

func TestFromEnvAttachmentLimits(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.AttachmentMaxSize != 10<<20 || c.AttachmentMaxFiles != 5 {
		t.Errorf("default limits: %d bytes, %d files; want 10 MiB and 5", c.AttachmentMaxSize, c.AttachmentMaxFiles)
	}
	for in, want := range map[string]int64{"512KiB": 512 << 10, "2MiB": 2 << 20, "1000": 1000} {
		c, err := FromEnv(env(map[string]string{"TUGI_ATTACHMENT_MAX_SIZE": in, "TUGI_ATTACHMENT_MAX_FILES": "3"}))
		if err != nil || c.AttachmentMaxSize != want || c.AttachmentMaxFiles != 3 {
			t.Errorf("%s: %v, %v", in, c, err)
		}
	}
	for _, bad := range [][2]string{{"TUGI_ATTACHMENT_MAX_SIZE", "10MB"}, {"TUGI_ATTACHMENT_MAX_SIZE", "0"}, {"TUGI_ATTACHMENT_MAX_SIZE", "101MiB"},
		{"TUGI_ATTACHMENT_MAX_FILES", "0"}, {"TUGI_ATTACHMENT_MAX_FILES", "many"}} {
		if _, err := FromEnv(env(map[string]string{bad[0]: bad[1]})); err == nil || !strings.Contains(err.Error(), bad[0]+":") {
			t.Errorf("%s=%s: %v", bad[0], bad[1], err)
		}
	}
}

func TestFromEnvUploadsAndQuota(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.OrgStorageQuota != 1<<30 || c.ActiveUploads != runtime.GOMAXPROCS(0) {
		t.Errorf("defaults: quota %d bytes, %d uploads at once; want 1 GiB and one per CPU", c.OrgStorageQuota, c.ActiveUploads)
	}
	c, err = FromEnv(env(map[string]string{"TUGI_ORG_STORAGE_QUOTA": "20GiB", "TUGI_ACTIVE_UPLOADS": "3"}))
	if err != nil || c.OrgStorageQuota != 20<<30 || c.ActiveUploads != 3 {
		t.Errorf("20GiB, 3: %v, %v", c, err)
	}
	for _, bad := range [][2]string{{"TUGI_ORG_STORAGE_QUOTA", "1GB"}, {"TUGI_ORG_STORAGE_QUOTA", "0"}, {"TUGI_ORG_STORAGE_QUOTA", "2000GiB"},
		{"TUGI_ACTIVE_UPLOADS", "0"}, {"TUGI_ACTIVE_UPLOADS", "few"}} {
		if _, err := FromEnv(env(map[string]string{bad[0]: bad[1]})); err == nil || !strings.Contains(err.Error(), bad[0]+":") {
			t.Errorf("%s=%s: %v", bad[0], bad[1], err)
		}
	}
}

func TestFromEnvMetricsToken(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"TUGI_METRICS_TOKEN": "s3cret-scraper-token"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsToken != "s3cret-scraper-token" {
		t.Errorf("token %q", c.MetricsToken)
	}
	for _, weak := range []string{"short", "sixteen chars ok"} {
		if _, err := FromEnv(env(map[string]string{"TUGI_METRICS_TOKEN": weak})); err == nil || !strings.Contains(err.Error(), "TUGI_METRICS_TOKEN:") {
			t.Errorf("token %q: err = %v", weak, err)
		}
	}
}

func TestFromEnvStatementTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 30 * time.Second, "2m": 2 * time.Minute} {
		c, err := FromEnv(env(map[string]string{"TUGI_DB_STATEMENT_TIMEOUT": in}))
		if err != nil || c.StatementTimeout != want {
			t.Errorf("TUGI_DB_STATEMENT_TIMEOUT=%q: %v, %v; want %s", in, c, err, want)
		}
	}
	if _, err := FromEnv(env(map[string]string{"TUGI_DB_STATEMENT_TIMEOUT": "10ms"})); err == nil || !strings.Contains(err.Error(), "TUGI_DB_STATEMENT_TIMEOUT") {
		t.Errorf("a statement timeout of 10ms was accepted: %v", err)
	}
}

// A load balancer stands in front of a Tugi with its own database, not in front of the
// embedded one a developer stops with Ctrl-C: the drain defaults follow.
func TestFromEnvDrainAndStatementTimeout(t *testing.T) {
	for _, tc := range []struct {
		env                  map[string]string
		drain, statementTime time.Duration
	}{
		{nil, 0, 30 * time.Second},
		{map[string]string{"DATABASE_URL": "postgres://db/tugi"}, 5 * time.Second, 30 * time.Second},
		{map[string]string{"DATABASE_URL": "postgres://db/tugi", "TUGI_SHUTDOWN_DRAIN": "0"}, 0, 30 * time.Second},
		{map[string]string{"TUGI_SHUTDOWN_DRAIN": "12s", "TUGI_DB_STATEMENT_TIMEOUT": "2m"}, 12 * time.Second, 2 * time.Minute},
	} {
		c, err := FromEnv(env(tc.env))
		if err != nil {
			t.Errorf("%v: %v", tc.env, err)
			continue
		}
		if c.ShutdownDrain != tc.drain || c.StatementTimeout != tc.statementTime {
			t.Errorf("%v: drain %s, statement timeout %s; want %s, %s", tc.env, c.ShutdownDrain, c.StatementTimeout, tc.drain, tc.statementTime)
		}
	}
	_, err := FromEnv(env(map[string]string{"TUGI_SHUTDOWN_DRAIN": "-1s", "TUGI_DB_STATEMENT_TIMEOUT": "10ms"}))
	for _, name := range []string{"TUGI_SHUTDOWN_DRAIN", "TUGI_DB_STATEMENT_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("a bad %s was accepted: %v", name, err)
		}
	}
}
