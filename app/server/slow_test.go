package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/demo"
)

// Clients that send a form's body a byte a second hold no admission turn: sixteen of them
// posting to /login, on a server that handles four requests at once, leave a person's
// sign-in (the page, then the form) answered within a second each.
func TestSlowBodiesDoNotLockOthersOut(t *testing.T) {
	t.Parallel()
	app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) { c.ActiveRequests = 4 }})
	addr := strings.TrimPrefix(app.URL, "http://")

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	body := "email=" + url.QueryEscape("nobody@example.com") + "&password=guess"
	for range 16 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		head := fmt.Sprintf("POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%c", addr, len(body), body[0])
		if _, err := conn.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { // the rest of the body, a byte a second, until the test ends
			defer wg.Done()
			defer conn.Close()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for i := 1; i < len(body); i++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				if _, err := conn.Write([]byte{body[i]}); err != nil {
					return
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // for the server to take the sixteen requests in

	c := app.Client(t)
	c.HTTP().Timeout = time.Second
	c.Get(t, "/login", http.StatusOK)
	c.Post(t, "/login", url.Values{"email": {"customer@demo-customer.example"}, "password": {demo.Password}}, http.StatusSeeOther)
	c.Get(t, "/", http.StatusOK)
}
