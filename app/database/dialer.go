package database

import (
	"context"
	"net"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Limits bound every wait on the database, so that a server that stops answering (hung,
// stopped, or cut off by the network) costs a request a known time instead of hanging it.
type Limits struct {
	// Statement is each session's statement_timeout: PostgreSQL cancels a statement that
	// runs longer. A round trip to the server may take this long and RoundTripMargin
	// more; then the connection is given up, as a server that has not answered by then
	// is not going to.
	Statement time.Duration
}

const (
	// DefaultStatementTimeout is Limits.Statement unless TUGI_DB_STATEMENT_TIMEOUT says
	// otherwise.
	DefaultStatementTimeout = 30 * time.Second
	// ConnectTimeout bounds opening a connection, the server's handshake included.
	ConnectTimeout = 5 * time.Second
	// RoundTripMargin is how much longer than the statement timeout a round trip may take
	// before the connection is given up: time for the server to notice its timeout and
	// for the error to arrive.
	RoundTripMargin = 5 * time.Second
	// IdleInTransactionTimeout is each session's idle_in_transaction_session_timeout:
	// PostgreSQL ends a session whose transaction has waited this long for its next
	// statement, so a stuck process does not hold its locks for ever. It is long, as the
	// mail worker holds its claim on a batch while it talks to the mail server (each SMTP
	// command bounded by 30 s).
	IdleInTransactionTimeout = 10 * time.Minute

	keepAliveIdle  = 15 * time.Second // TCP keepalive: first probe after this long idle,
	keepAliveEvery = 5 * time.Second  // then one every 5 s,
	keepAliveCount = 3                // giving up after 3 unanswered
)

// roundTrip is how long one round trip to the server may take under limits.
func (l Limits) roundTrip() time.Duration { return l.Statement + RoundTripMargin }

// dialer opens the pool's connections for lib/pq: with TCP keepalive and TCP_USER_TIMEOUT
// (a peer that stops acknowledging is given up), and each connection wrapped so that a
// round trip to the server has a deadline. Keepalives alone do not notice a server that
// is stopped but whose kernel still acknowledges, and lib/pq's cancellation of a query
// asks the server over another connection, which such a server never answers either: a
// deadline on the connection itself is the one bound that holds.
type dialer struct {
	net     net.Dialer
	perTrip time.Duration
}

func newDialer(l Limits) *dialer {
	userTimeout := int((keepAliveIdle + keepAliveEvery*keepAliveCount) / time.Millisecond)
	return &dialer{perTrip: l.roundTrip(), net: net.Dialer{
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: keepAliveIdle, Interval: keepAliveEvery, Count: keepAliveCount},
		Control: func(network, _ string, c syscall.RawConn) error {
			if network != "tcp" && network != "tcp4" && network != "tcp6" {
				return nil // a Unix socket has no retransmissions to give up on
			}
			var sockErr error
			err := c.Control(func(fd uintptr) {
				sockErr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, userTimeout)
			})
			if err != nil {
				return err
			}
			return sockErr
		},
	}}
}

func (d *dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d *dialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.net.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &boundedConn{Conn: c, perTrip: d.perTrip}, nil
}

// boundedConn gives every exchange with the server a deadline: each Write (a request,
// which the server answers) moves the connection's deadline to perTrip from now, so a
// server that stops answering makes the read of its answer fail, lib/pq marks the
// connection bad and database/sql discards it. A deadline lib/pq sets itself (the
// handshake's connect_timeout) is kept when it is the sooner.
type boundedConn struct {
	net.Conn
	perTrip time.Duration

	mu    sync.Mutex
	fixed time.Time // the deadline lib/pq set, zero when none
}

func (c *boundedConn) Write(b []byte) (int, error) {
	deadline := time.Now().Add(c.perTrip)
	c.mu.Lock()
	if !c.fixed.IsZero() && c.fixed.Before(deadline) {
		deadline = c.fixed
	}
	c.mu.Unlock()
	if err := c.Conn.SetDeadline(deadline); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

func (c *boundedConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.fixed = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *boundedConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.fixed = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

// ListenDialer opens connections for a PostgreSQL listener (LISTEN, app/live): with the
// pool's TCP keepalive and TCP_USER_TIMEOUT, so a dead peer or a cut network is noticed
// within about half a minute, but without the pool's deadline on each round trip: a
// listening connection waits, idle, for notifications as long as nothing happens, and
// the deadline would end it after Limits.Statement plus RoundTripMargin of quiet.
func ListenDialer() interface {
	Dial(network, address string) (net.Conn, error)
	DialTimeout(network, address string, timeout time.Duration) (net.Conn, error)
} {
	return listenDialer{newDialer(Limits{Statement: DefaultStatementTimeout}).net}
}

type listenDialer struct{ net net.Dialer }

func (d listenDialer) Dial(network, address string) (net.Conn, error) {
	return d.net.Dial(network, address)
}

func (d listenDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.net.DialContext(ctx, network, address)
}

func (d listenDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return d.net.DialContext(ctx, network, address)
}
