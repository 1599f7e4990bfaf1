package server_test

import (
	"net/http"
	"testing"

	"tugi/app/apptest"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestHealth(t *testing.T) {
	app := apptest.New(t)
	c := app.Client(t)
	c.Get(t, "/healthz", http.StatusOK)
	c.Get(t, "/readyz", http.StatusOK)
	app.DB.Close()
	c.Get(t, "/readyz", http.StatusServiceUnavailable)
}

func TestSignInAndHome(t *testing.T) {
	app := apptest.New(t)
	c := app.SignIn(t, "customer@demo-customer.example")
	p := c.Get(t, "/", http.StatusOK)
	if p.Text("h1") != "Welcome, Mari Maasikas" {
		t.Fatalf("home: %q", p.Text("h1"))
	}
}
