package inbound_test

import (
	"fmt"
	"net/smtp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tugi/app/inbound"
)

// BenchmarkSMTPIngest measures messages ingested end to end over SMTP: a relay's
// client delivers each (eight connections at once, as a relay's queue runners do:
// Postfix allows 20 to one destination by default), and each 250 comes once the
// message is stored and its ticket committed, visible in the queue. Distinct senders of
// a domain an admin listed, each new to Tugi at first (their mail makes them a contact),
// so no rate limit holds any back.
func BenchmarkSMTPIngest(b *testing.B) {
	a := newAppB(b)
	addr := startReceiver(b, a, inbound.SMTPOptions{})
	if _, err := a.DB.Exec(`INSERT INTO org_mail_domains (domain, org_id) SELECT 'demo-customer.example', org_id FROM users WHERE email = $1`, demoCustomer); err != nil {
		b.Fatal(err)
	}
	const conns = 8
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := smtp.Dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Quit()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				raw := mailFrom(fmt.Sprintf("sender%d@demo-customer.example", i%500), fmt.Sprintf("Bench %d", i), "A message to support.")
				if err := deliver(c, raw); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	var n int
	if err := a.DB.Get(&n, `SELECT count(*) FROM tickets WHERE subject LIKE 'Bench %' AND channel = 'email'`); err != nil {
		b.Fatal(err)
	}
	if n < b.N-b.N/10 { // replies by subject may join a few to earlier tickets
		b.Fatalf("%d tickets from %d messages", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

func deliver(c *smtp.Client, raw []byte) error {
	if err := c.Mail("relay@mx.example"); err != nil {
		return err
	}
	if err := c.Rcpt("support@tugi.example"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}
