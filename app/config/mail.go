package config

import (
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Mail is how Tugi sends e-mail (app/mail).
type Mail struct {
	SMTP        *SMTP            // TUGI_SMTP_URL; nil: mail stays queued in the outbox, unsent
	From        *netmail.Address // TUGI_MAIL_FROM
	Domain      string           // TUGI_MAIL_DOMAIN: the right-hand side of Message-IDs
	MaxAttempts int              // TUGI_MAIL_MAX_ATTEMPTS: a message is given up after this many failed attempts
}

// SMTPSecurity is how the connection to the mail server is protected.
type SMTPSecurity string

// The connection securities of TUGI_SMTP_URL.
const (
	STARTTLS SMTPSecurity = "starttls" // smtp://: plain connection upgraded with STARTTLS, which the server must offer
	TLS      SMTPSecurity = "tls"      // smtps://: TLS from the first byte
	NoTLS    SMTPSecurity = "none"     // smtp://...?tls=none: unencrypted, for a mail catcher on this machine
)

// SMTP is the mail server Tugi hands its mail to.
type SMTP struct {
	Host     string
	Port     int
	Security SMTPSecurity
	Username string // "" for none
	Password string
}

// String is the server as logs may show it: without the password.
func (s *SMTP) String() string {
	scheme := "smtp"
	if s.Security == TLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port))}
	if s.Username != "" {
		u.User = url.User(s.Username)
	}
	if s.Security == NoTLS {
		u.RawQuery = "tls=none"
	}
	return u.String()
}

// DefaultMailMaxAttempts is about two days of retries: pauses of 1, 2, 4 ... 32 minutes,
// then hourly.
const DefaultMailMaxAttempts = 53

// ParseSMTPURL reads TUGI_SMTP_URL:
//
//	smtp://user:password@host:587          STARTTLS, required (port 587 by default)
//	smtps://user:password@host:465         TLS from the start (port 465 by default)
//	smtp://127.0.0.1:1025?tls=none         no encryption, and so no password either
//
// A user name or password with special characters is percent-encoded (@ is %40).
func ParseSMTPURL(s string) (*SMTP, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL such as smtp://user:password@mail.example.com:587")
	}
	out := &SMTP{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		out.Security, out.Port = STARTTLS, 587
	case "smtps":
		out.Security, out.Port = TLS, 465
	default:
		return nil, fmt.Errorf("the scheme must be smtp:// (STARTTLS) or smtps:// (TLS), not %q", u.Scheme)
	}
	if out.Host == "" {
		return nil, fmt.Errorf("no host, e.g. smtp://user:password@mail.example.com:587")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("a path (%q) means nothing here", u.Path)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		out.Port = n
	}
	if u.User != nil {
		out.Username = u.User.Username()
		out.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return nil, fmt.Errorf("unknown parameter %q (only tls=none is known)", k)
		}
	}
	if t := q.Get("tls"); t != "" {
		if t != "none" || out.Security != STARTTLS {
			return nil, fmt.Errorf("tls=%s: the only choice is tls=none, with smtp://", t)
		}
		if out.Username != "" || out.Password != "" {
			return nil, fmt.Errorf("tls=none would send the password unencrypted; use smtp:// with STARTTLS or smtps://")
		}
		out.Security = NoTLS
	}
	return out, nil
}

// readMail reads the mail settings into c.Mail, reporting problems through bad.
func (c *Config) readMail(get func(string) string, bad func(name, format string, args ...any)) {
	smtpURL := get("TUGI_SMTP_URL")
	if s := smtpURL; s != "" {
		smtp, err := ParseSMTPURL(s)
		if err != nil {
			bad("TUGI_SMTP_URL", "%v", err)
		}
		c.Mail.SMTP = smtp
	}
	if from := get("TUGI_MAIL_FROM"); from != "" {
		a, err := netmail.ParseAddress(from)
		if err != nil || !strings.Contains(a.Address, "@") {
			bad("TUGI_MAIL_FROM", "%q is not an address such as \"Tugi Support <support@example.com>\"", from)
		} else {
			c.Mail.From = a
		}
	} else if smtpURL != "" {
		bad("TUGI_MAIL_FROM", "needed with TUGI_SMTP_URL: the sender, such as \"Tugi Support <support@example.com>\"")
	}
	c.Mail.Domain = strings.ToLower(get("TUGI_MAIL_DOMAIN"))
	if c.Mail.Domain == "" && c.Mail.From != nil {
		c.Mail.Domain = strings.ToLower(c.Mail.From.Address[strings.LastIndex(c.Mail.From.Address, "@")+1:])
	}
	if c.Mail.Domain == "" {
		c.Mail.Domain = "tugi.invalid" // mail stays queued: no Message-ID is sent with it
	}
	if !validDomain(c.Mail.Domain) {
		bad("TUGI_MAIL_DOMAIN", "%q is not a domain name such as support.example.com", c.Mail.Domain)
	}
	if n, err := strconv.Atoi(get("TUGI_MAIL_MAX_ATTEMPTS")); err != nil || n < 1 {
		bad("TUGI_MAIL_MAX_ATTEMPTS", "%q is not a whole number of at least 1", get("TUGI_MAIL_MAX_ATTEMPTS"))
	} else {
		c.Mail.MaxAttempts = n
	}
}

// validDomain reports whether d is a domain name of letters, digits, hyphens and dots.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
