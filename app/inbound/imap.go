package inbound

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"tugi/app/config"
)

// The IMAP reader: for a vendor whose mail is hosted, Tugi reads a mailbox. It takes
// every message in the folder, stores it (Receive: committed), and only then moves it to
// the processed folder; a message stored but not moved (a crash in between) is read
// again and found stored already, so nothing is made twice. Between passes it waits
// with IDLE (RFC 2177), so new mail is taken within a second or two, and passes again
// every IMAPRepoll whatever IDLE says. One process reads at a time: the reader holds a
// PostgreSQL advisory lock while connected, and the others wait for it.
//
// go-imap v1.2.1 is the client: its IDLE and MOVE (with the COPY, STORE, EXPUNGE
// fallback for servers without MOVE) are built in, and it is a release; v2 is served as
// betas only.

// IMAPRepoll is how often the reader looks at the mailbox even when IDLE says nothing
// (servers end IDLE after 30 minutes; some say nothing at all).
var IMAPRepoll = 5 * time.Minute

// imapLock is the advisory lock the reading process holds.
const imapLock = `SELECT pg_try_advisory_lock(hashtext('tugi.inbound.imap'))`

// IMAPOptions configure the reader.
type IMAPOptions struct {
	Mailbox  *config.IMAP
	Support  string // TUGI_SUPPORT_ADDRESS
	Security string // TUGI_SECURITY_ADDRESS: mail addressed to it is a security report
	// TLS is the client's TLS configuration (tests trust their own certificate); nil:
	// the system's roots, and the mailbox's host name.
	TLS *tls.Config
	// Retry is the pause after a failure; 30 s when zero.
	Retry time.Duration
}

// IMAPReader reads a mailbox into Tugi.
type IMAPReader struct {
	in  *Service
	o   IMAPOptions
	log *slog.Logger
}

// NewIMAPReader returns a reader of o.Mailbox for in.
func NewIMAPReader(in *Service, o IMAPOptions) *IMAPReader {
	if o.Retry == 0 {
		o.Retry = 30 * time.Second
	}
	return &IMAPReader{in: in, o: o, log: in.log.With("mailbox", o.Mailbox.String())}
}

// Run reads the mailbox until ctx ends, reconnecting after a failure.
func (r *IMAPReader) Run(ctx context.Context) {
	for ctx.Err() == nil {
		err := r.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.log.Warn("inbound imap: reading the mailbox failed; retrying", "retry_in", r.o.Retry, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.o.Retry):
		}
	}
}

// session holds the lock, connects, and reads until ctx ends or something fails.
func (r *IMAPReader) session(ctx context.Context) error {
	conn, err := r.in.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close() // a session-level lock ends with its connection
	var locked bool
	if err := conn.QueryRowContext(ctx, imapLock).Scan(&locked); err != nil {
		return err
	}
	if !locked {
		return nil // another process reads the mailbox; try again later
	}
	c, err := r.dial()
	if err != nil {
		return err
	}
	defer c.Logout()
	m := r.o.Mailbox
	if err := c.Login(m.Username, m.Password); err != nil {
		return fmt.Errorf("login as %s: %w", m.Username, err)
	}
	_ = c.Create(m.Processed) // there already, most times
	if _, err := c.Select(m.Mailbox, false); err != nil {
		return fmt.Errorf("select %s: %w", m.Mailbox, err)
	}
	updates := make(chan client.Update, 16)
	c.Updates = updates
	for {
		if _, err := r.Pass(ctx, c); err != nil {
			return err
		}
		if err := r.idle(ctx, c, updates); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

func (r *IMAPReader) dial() (*client.Client, error) {
	m := r.o.Mailbox
	tlsCfg := r.o.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	if m.TLS {
		return client.DialWithDialerTLS(dialer, m.Addr(), tlsCfg)
	}
	c, err := client.DialWithDialer(dialer, m.Addr())
	if err != nil {
		return nil, err
	}
	if m.NoTLS {
		return c, nil
	}
	if err := c.StartTLS(tlsCfg); err != nil {
		c.Logout()
		return nil, fmt.Errorf("starttls: %w", err)
	}
	return c, nil
}

// idle waits for news of the mailbox, IMAPRepoll at most, or ctx.
func (r *IMAPReader) idle(ctx context.Context, c *client.Client, updates <-chan client.Update) error {
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- c.Idle(stop, &client.IdleOptions{LogoutTimeout: 0, PollInterval: time.Minute}) }()
	timer := time.NewTimer(IMAPRepoll)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			close(stop)
			return <-done
		case <-timer.C:
			close(stop)
			return <-done
		case u := <-updates:
			if _, ok := u.(*client.MailboxUpdate); ok {
				close(stop)
				return <-done
			}
		case err := <-done:
			return err
		}
	}
}

// Pass stores every message in the selected mailbox and moves each, once stored, to
// the processed folder. It returns how many it moved.
func (r *IMAPReader) Pass(ctx context.Context, c *client.Client) (int, error) {
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.DeletedFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	moved := 0
	for _, uid := range uids {
		if ctx.Err() != nil {
			break
		}
		raw, err := fetch(c, uid)
		if err != nil {
			return moved, err
		}
		if raw == nil {
			continue // gone meanwhile
		}
		rec, err := r.in.Receive(ctx, Delivery{Raw: raw, Mailbox: r.mailboxOf(raw), Via: "imap"})
		if err != nil {
			return moved, err // not stored: left in the folder, read again next pass
		}
		set := new(imap.SeqSet)
		set.AddNum(uid)
		if err := c.UidMove(set, r.o.Mailbox.Processed); err != nil {
			return moved, fmt.Errorf("move %d to %s: %w", uid, r.o.Mailbox.Processed, err)
		}
		moved++
		r.log.Debug("inbound imap: message stored and moved", "inbound_id", rec.ID, "state", rec.State, "duplicate", rec.Duplicate)
	}
	return moved, nil
}

func fetch(c *client.Client, uid uint32) ([]byte, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, 1)
	errc := make(chan error, 1)
	go func() { errc <- c.UidFetch(set, []imap.FetchItem{section.FetchItem()}, ch) }()
	var raw []byte
	for msg := range ch {
		if body := msg.GetBody(section); body != nil {
			b, err := io.ReadAll(body)
			if err != nil {
				return nil, err
			}
			raw = b
		}
	}
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("fetch %d: %w", uid, err)
	}
	return raw, nil
}

// mailboxOf tells from its headers which address a message read from the mailbox was
// sent to: a security report when the security address is among its recipients.
func (r *IMAPReader) mailboxOf(raw []byte) Mailbox {
	if r.o.Security == "" {
		return Support
	}
	head := raw
	if i := strings.Index(string(raw), "\r\n\r\n"); i >= 0 {
		head = raw[:i]
	} else if i := strings.Index(string(raw), "\n\n"); i >= 0 {
		head = raw[:i]
	}
	for _, line := range strings.Split(strings.ToLower(string(head)), "\n") {
		for _, h := range []string{"to:", "cc:", "delivered-to:", "x-original-to:", " ", "\t"} {
			if strings.HasPrefix(line, h) && strings.Contains(line, strings.ToLower(r.o.Security)) {
				return Security
			}
		}
	}
	return Support
}
