package inbound_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"tugi/app/config"
	"tugi/app/inbound"
)

// dovecot is an IMAP server of the test's own: Debian's dovecot-imapd run in the
// foreground with a configuration in a temporary folder, on a free loopback port,
// stopped when the test ends (not the system's service).
type dovecot struct {
	addr, dir string
}

// log is what Dovecot logged, for a failure's message.
func (d *dovecot) log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	return string(b)
}

func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	const bin = "/usr/sbin/dovecot"
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the IMAP tests need Dovecot (Debian: apt-get install dovecot-imapd; .ci/run installs it): %v", err)
	}
	dir, err := os.MkdirTemp("/tmp", "tugi-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Mail belongs to a user who is not root (Dovecot refuses uid 0): the package's own
	// "dovecot" user when the test runs as root, else the test's user.
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 {
		u, err := user.Lookup("dovecot")
		if err != nil {
			t.Fatalf("no dovecot user: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	for _, sub := range []string{"mail", "home"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, sub), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
instance_name = tugi-test-%[2]d
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_max_userip_connections = 100
mail_location = maildir:%[1]s/mail/%%u
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=%[3]d gid=%[4]d home=%[1]s/home/%%u
}
`, dir, port, uid, gid)
	path := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("Dovecot did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &dovecot{addr: addr, dir: dir}
}

func (d *dovecot) login(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.Dial(d.addr)
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, d.log())
	}
	if err := c.Login("tugi", "secret"); err != nil {
		t.Fatalf("login: %v\n%s", err, d.log())
	}
	return c
}

func (d *dovecot) appendMail(t *testing.T, raw []byte) {
	t.Helper()
	c := d.login(t)
	defer c.Logout()
	if err := c.Append("INBOX", nil, time.Now(), imapLiteral(raw)); err != nil {
		t.Fatalf("append: %v\n%s", err, d.log())
	}
}

func imapLiteral(raw []byte) imap.Literal { return bytes.NewBuffer(raw) }

func (d *dovecot) count(t *testing.T, mailbox string) uint32 {
	t.Helper()
	c := d.login(t)
	defer c.Logout()
	st, err := c.Status(mailbox, []imap.StatusItem{imap.StatusMessages})
	if err != nil {
		return 0 // not created yet
	}
	return st.Messages
}

func TestIMAPReaderTakesMailAndMovesItOnceStored(t *testing.T) {
	a := newApp(t)
	d := startDovecot(t)
	first := mailFrom(demoCustomer, "Over IMAP", "Hello from a hosted mailbox")
	d.appendMail(t, first)
	d.appendMail(t, first) // the same message twice: one ticket
	d.appendMail(t, mailFrom(secondCustomer, "Security over IMAP", "Phishing!", "Cc: security@tugi.example"))

	box, err := config.ParseIMAPURL("imap://tugi:secret@" + d.addr + "/INBOX?tls=none&processed=Done")
	if err != nil {
		t.Fatal(err)
	}
	reader := inbound.NewIMAPReader(a.Server.Inbound, inbound.IMAPOptions{Mailbox: box, Support: "support@tugi.example",
		Security: "security@tugi.example", Retry: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { reader.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	waitFor(t, "the mailbox to be read", func() bool { return d.count(t, "Done") == 3 })
	if n := d.count(t, "INBOX"); n != 0 {
		t.Errorf("%d messages left in INBOX", n)
	}
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'Over IMAP' AND channel = 'email'`); n != 1 {
		t.Errorf("%d tickets from one message read twice", n)
	}
	var security bool
	if err := a.DB.Get(&security, `SELECT c.security FROM tickets t JOIN categories c ON c.id = t.category_id WHERE t.subject = 'Security over IMAP'`); err != nil || !security {
		t.Errorf("mail copied to the security address: security %v, %v", security, err)
	}
	// New mail while the reader waits in IDLE is taken at once, not at the next poll.
	start := time.Now()
	d.appendMail(t, mailFrom(demoCustomer, "While idle", "Hello again"))
	waitFor(t, "the new mail", func() bool {
		return count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'While idle'`) == 1
	})
	if took := time.Since(start); took > inbound.IMAPRepoll/2 {
		t.Errorf("new mail took %s: IDLE did not wake the reader", took)
	}
	if n := count(t, a, `SELECT count(*) FROM inbound_mail WHERE via = 'imap'`); n != 3 {
		t.Errorf("%d messages stored from IMAP, want 3", n)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
	}
}
