package main

import (
	"io"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// catcher is the run's mail server: an SMTP server in this process (emersion/go-smtp)
// that counts the deliveries of each Message-ID.
type catcher struct {
	addr string
	srv  *smtp.Server

	mu        sync.Mutex
	delivered map[string]int // Message-ID without <> → times received
}

func startCatcher() (*catcher, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &catcher{addr: ln.Addr().String(), delivered: map[string]int{}}
	c.srv = smtp.NewServer(c)
	c.srv.Domain = "localhost"
	c.srv.ReadTimeout, c.srv.WriteTimeout = 30*time.Second, 30*time.Second
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *catcher) close() { _ = c.srv.Close() }

// counts returns a copy of the deliveries by Message-ID.
func (c *catcher) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.delivered))
	for k, v := range c.delivered {
		m[k] = v
	}
	return m
}

func (c *catcher) NewSession(*smtp.Conn) (smtp.Session, error) { return &catchSession{c: c}, nil }

type catchSession struct{ c *catcher }

func (s *catchSession) Reset()                               {}
func (s *catchSession) Logout() error                        { return nil }
func (s *catchSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *catchSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *catchSession) Data(r io.Reader) error {
	msg, err := netmail.ReadMessage(r)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, msg.Body); err != nil {
		return err
	}
	id := strings.Trim(msg.Header.Get("Message-ID"), "<> ")
	s.c.mu.Lock()
	s.c.delivered[id]++
	s.c.mu.Unlock()
	return nil
}
