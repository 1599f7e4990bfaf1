package inbound

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTPOptions configure the SMTP receiver.
type SMTPOptions struct {
	Addr     string       // TUGI_INBOUND_SMTP_ADDR: host:port to listen on
	Relays   []*net.IPNet // TUGI_INBOUND_RELAYS: who may deliver; loopback when empty
	Support  string       // TUGI_SUPPORT_ADDRESS: mail to it becomes tickets
	Security string       // TUGI_SECURITY_ADDRESS: incident reports and security concerns; "" for none
	MaxBytes int64        // TUGI_INBOUND_MAX_SIZE: the largest message taken
	TLS      *tls.Config  // STARTTLS with the HTTPS certificate; nil: none offered
	Domain   string       // the name the receiver greets with
}

// Loopback is the relays allowed when none are configured.
var Loopback = []*net.IPNet{
	{IP: net.IPv4(127, 0, 0, 0), Mask: net.CIDRMask(8, 32)},
	{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
}

// SMTPServer is the SMTP receiver: a mail server that relays mail for Tugi's addresses
// hands it over here. Only the configured relays may connect and deliver, only to the
// support and security addresses (anything else is refused at RCPT), and a message is
// answered 250 only once it is stored and committed: a relay that gets no 250 keeps the
// message and tries again, and a second delivery of a stored message makes nothing new.
type SMTPServer struct {
	srv *smtp.Server
	in  *Service
	o   SMTPOptions
	log *slog.Logger
}

// NewSMTPServer returns the receiver for s.
func NewSMTPServer(s *Service, o SMTPOptions) *SMTPServer {
	if len(o.Relays) == 0 {
		o.Relays = Loopback
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 20
	}
	if o.Domain == "" {
		o.Domain = "localhost"
	}
	r := &SMTPServer{in: s, o: o, log: s.log}
	srv := smtp.NewServer(r)
	srv.Addr = o.Addr
	srv.Domain = o.Domain
	srv.MaxMessageBytes = o.MaxBytes
	srv.MaxRecipients = 10
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.TLSConfig = o.TLS
	srv.ErrorLog = slogAdapter{s.log}
	r.srv = srv
	return r
}

// Serve accepts connections on l until Close or Shutdown.
func (r *SMTPServer) Serve(l net.Listener) error {
	err := r.srv.Serve(l)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, and waits for the sessions under way until ctx ends.
func (r *SMTPServer) Shutdown(ctx context.Context) error { return r.srv.Shutdown(ctx) }

// NewSession implements smtp.Backend: a connection from anywhere but a relay is refused.
func (r *SMTPServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ip := remoteIP(c.Conn())
	for _, n := range r.o.Relays {
		if ip != nil && n.Contains(ip) {
			return &session{r: r, remote: ip.String()}, nil
		}
	}
	r.log.Warn("inbound smtp: connection refused: not a relay (TUGI_INBOUND_RELAYS)", "remote", fmt.Sprint(ip))
	return nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Not a relay of this server"}
}

func remoteIP(c net.Conn) net.IP {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP
	}
	return nil
}

// session is one SMTP conversation.
type session struct {
	r       *SMTPServer
	remote  string
	mailbox Mailbox
}

func (s *session) Reset()        { s.mailbox = "" }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error { return nil }

// Rcpt takes the support and security addresses only. A message to both is a
// security one.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	addr := strings.ToLower(strings.Trim(strings.TrimSpace(to), "<>"))
	switch {
	case s.r.o.Security != "" && addr == strings.ToLower(s.r.o.Security):
		s.mailbox = Security
	case addr == strings.ToLower(s.r.o.Support):
		if s.mailbox == "" {
			s.mailbox = Support
		}
	default:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	return nil
}

// Data stores the message, and answers 250 only once it is committed.
func (s *session) Data(r io.Reader) error {
	if s.mailbox == "" {
		return &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipient"}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			return smtp.ErrDataTooLarge
		}
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rec, err := s.r.in.Receive(ctx, Delivery{Raw: buf.Bytes(), Mailbox: s.mailbox, Via: "smtp"})
	if err != nil {
		s.r.log.Error("inbound smtp: message not stored; the relay will retry", "remote", s.remote, "error", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Not stored: try again later"}
	}
	s.r.log.Debug("inbound smtp: message stored", "inbound_id", rec.ID, "state", rec.State, "duplicate", rec.Duplicate)
	return nil
}

// slogAdapter gives go-smtp's errors to Tugi's log.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) {
	a.log.Warn("inbound smtp: " + fmt.Sprintf(format, v...))
}
func (a slogAdapter) Println(v ...any) { a.log.Warn("inbound smtp: " + fmt.Sprint(v...)) }
