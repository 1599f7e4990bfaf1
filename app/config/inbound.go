package config

import (
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Inbound is how Tugi takes e-mail in (app/inbound).
type Inbound struct {
	SMTPAddr        string       // TUGI_INBOUND_SMTP_ADDR: where the SMTP receiver listens; "" for none
	Relays          []*net.IPNet // TUGI_INBOUND_RELAYS: who may deliver to it; nil: loopback only
	SupportAddress  string       // TUGI_SUPPORT_ADDRESS
	SecurityAddress string       // TUGI_SECURITY_ADDRESS; "" for none
	MaxSize         int64        // TUGI_INBOUND_MAX_SIZE: the largest message taken
	IMAP            *IMAP        // TUGI_INBOUND_IMAP_URL; nil: no mailbox read
}

// IMAP is a mailbox Tugi reads its mail from.
type IMAP struct {
	TLS       bool // imaps:// (TLS from the start); imap:// needs STARTTLS, unless ?tls=none
	NoTLS     bool // ?tls=none: unencrypted, for a server on this machine
	Host      string
	Port      int
	Username  string
	Password  string
	Mailbox   string // the folder read: INBOX by default
	Processed string // the folder processed mail moves to: Processed by default
}

// Addr is host:port.
func (m *IMAP) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// String is the mailbox as logs may show it: without the password.
func (m *IMAP) String() string {
	scheme := "imap"
	if m.TLS {
		scheme = "imaps"
	}
	u := url.URL{Scheme: scheme, Host: m.Addr(), User: url.User(m.Username), Path: "/" + m.Mailbox}
	return u.String()
}

// ParseIMAPURL reads TUGI_INBOUND_IMAP_URL:
//
//	imaps://user:password@imap.example.com:993/INBOX?processed=Processed
//	imap://user:password@imap.example.com/INBOX     STARTTLS, required (port 143)
//	imap://user:password@127.0.0.1:1143/INBOX?tls=none
func ParseIMAPURL(s string) (*IMAP, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL such as imaps://user:password@imap.example.com/INBOX")
	}
	m := &IMAP{Host: u.Hostname(), Mailbox: strings.TrimPrefix(u.Path, "/"), Processed: u.Query().Get("processed")}
	switch u.Scheme {
	case "imaps":
		m.TLS, m.Port = true, 993
	case "imap":
		m.Port = 143
		m.NoTLS = u.Query().Get("tls") == "none"
	default:
		return nil, fmt.Errorf("the scheme must be imaps:// or imap://, not %q", u.Scheme)
	}
	if m.Host == "" || u.User == nil || u.User.Username() == "" {
		return nil, fmt.Errorf("needs a user and a host: imaps://user:password@host/INBOX")
	}
	m.Username = u.User.Username()
	m.Password, _ = u.User.Password()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		m.Port = n
	}
	if m.Mailbox == "" {
		m.Mailbox = "INBOX"
	}
	if m.Processed == "" {
		m.Processed = "Processed"
	}
	return m, nil
}

func (c *Config) readInbound(get func(string) string, bad func(name, format string, args ...any)) {
	in := &c.Inbound
	in.SMTPAddr = get("TUGI_INBOUND_SMTP_ADDR")
	if in.SMTPAddr != "" {
		if _, port, err := net.SplitHostPort(in.SMTPAddr); err != nil || port == "" {
			bad("TUGI_INBOUND_SMTP_ADDR", "%q is not host:port, e.g. 127.0.0.1:2525", in.SMTPAddr)
		}
	}
	for _, p := range strings.Split(get("TUGI_INBOUND_RELAYS"), ",") {
		if p = strings.TrimSpace(p); p == "" {
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
			bad("TUGI_INBOUND_RELAYS", "%q is not an IP address or CIDR", p)
			continue
		}
		in.Relays = append(in.Relays, n)
	}
	for _, v := range []struct {
		name string
		to   *string
	}{{"TUGI_SUPPORT_ADDRESS", &in.SupportAddress}, {"TUGI_SECURITY_ADDRESS", &in.SecurityAddress}} {
		if s := get(v.name); s != "" {
			a, err := netmail.ParseAddress(s)
			if err != nil {
				bad(v.name, "%q is not an e-mail address", s)
				continue
			}
			*v.to = strings.ToLower(a.Address)
		}
	}
	if n, ok := parseSize(get("TUGI_INBOUND_MAX_SIZE")); !ok || n < 1<<10 || n > 1<<30 {
		bad("TUGI_INBOUND_MAX_SIZE", "%q is not a size from 1KiB to 1GiB, such as 50MiB", get("TUGI_INBOUND_MAX_SIZE"))
	} else {
		in.MaxSize = n
	}
	if s := get("TUGI_INBOUND_IMAP_URL"); s != "" {
		m, err := ParseIMAPURL(s)
		if err != nil {
			bad("TUGI_INBOUND_IMAP_URL", "%v", err)
		}
		in.IMAP = m
	}
	if (in.SMTPAddr != "" || in.IMAP != nil) && in.SupportAddress == "" {
		bad("TUGI_SUPPORT_ADDRESS", "needed with TUGI_INBOUND_SMTP_ADDR or TUGI_INBOUND_IMAP_URL: the address customers mail")
	}
}
