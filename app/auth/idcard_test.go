package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"tugi/app/apptest"
	"tugi/app/config"
)

// testCA is a certificate authority of the tests' own, issuing ID-card certificates.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	serial atomic.Int64
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{"Test"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{cert: cert, key: key}
	ca.serial.Store(100)
	return ca
}

// card issues an ID-card authentication certificate for personal code, valid from
// notBefore to notAfter.
func (ca *testCA) card(t *testing.T, code string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(ca.serial.Add(1)),
		Subject:   pkix.Name{CommonName: "TEST,PERSON," + code, SerialNumber: "PNOEE-" + code, Country: []string{"EE"}},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// responder is an OCSP responder of the tests' own: every certificate is good but those
// revoked; down makes it answer 503.
type responder struct {
	ca      *testCA
	mu      sync.Mutex
	revoked map[string]bool // serial numbers
	down    atomic.Bool
}

func (r *responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(req.Body)
	q, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	status := ocsp.Good
	if r.revoked[q.SerialNumber.String()] {
		status = ocsp.Revoked
	}
	r.mu.Unlock()
	now := time.Now()
	tpl := ocsp.Response{Status: status, SerialNumber: q.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour),
		RevokedAt: now.Add(-time.Hour), IssuerHash: crypto.SHA1}
	der, err := ocsp.CreateResponse(r.ca.cert, r.ca.cert, tpl, r.ca.key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(der)
}

// idcardApp starts Tugi trusting ca for ID-cards, asking ocspURL, and taking a
// certificate from a proxy on loopback.
func idcardApp(t *testing.T, ca *testCA, ocspURL string) *apptest.App {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	return apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) {
		c.IDCardRoots, c.IDCardOCSPURL = roots, ocspURL
		_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
		c.TrustedProxies = []*net.IPNet{loopback}
	}})
}

// viaProxy is the header a TLS-terminating proxy sends with the client's certificate.
func viaProxy(cert tls.Certificate) string {
	return url.QueryEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})))
}

func TestIDCardSignIn(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "Test ESTEID CA")
	resp := &responder{ca: ca, revoked: map[string]bool{}}
	ocspServer := httptest.NewServer(resp)
	t.Cleanup(ocspServer.Close)
	app := idcardApp(t, ca, ocspServer.URL)
	now := time.Now()
	valid := ca.card(t, "38001085718", now.Add(-time.Hour), now.Add(time.Hour)) // the demo CISO

	t.Run("a real TLS client with the card's certificate is signed in", func(t *testing.T) {
		ts := httptest.NewUnstartedServer(app.Server.Echo)
		ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
		ts.StartTLS()
		defer ts.Close()
		client := ts.Client()
		client.Transport.(*http.Transport).TLSClientConfig.Certificates = []tls.Certificate{valid}
		client.Jar, _ = cookiejar.New(nil)
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := client.Get(ts.URL + "/login/id-card?next=%2Faudit")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/audit" {
			t.Fatalf("ID-card sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		// An ID-card is as strong as a second factor: the audit log opens.
		res, err = client.Get(ts.URL + "/audit")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "Sirje Security") {
			t.Errorf("/audit after the ID-card: %d", res.StatusCode)
		}
		var method string
		app.DB.Get(&method, `SELECT auth_method FROM sessions WHERE user_id = $1`, userID(t, app, ciso))
		if method != "idcard" {
			t.Errorf("session method %q", method)
		}
	})

	t.Run("curl with the card's certificate is signed in", func(t *testing.T) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Fatal("no curl on PATH: apt-get install curl")
		}
		ts := httptest.NewUnstartedServer(app.Server.Echo)
		ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
		ts.StartTLS()
		defer ts.Close()
		dir := t.TempDir()
		write := func(name, kind string, der []byte) string {
			f := filepath.Join(dir, name)
			if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
				t.Fatal(err)
			}
			return f
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(valid.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		server := write("server.pem", "CERTIFICATE", ts.Certificate().Raw)
		cardPEM, cardKey := write("card.pem", "CERTIFICATE", valid.Certificate[0]), write("card.key", "PRIVATE KEY", keyDER)
		jar := filepath.Join(dir, "jar")
		run := func(args ...string) string {
			out, err := exec.Command(curl, append([]string{"-s", "--cacert", server}, args...)...).Output()
			if err != nil {
				t.Fatalf("curl %v: %v", args, err)
			}
			return string(out)
		}
		// As docs/signin.md shows it.
		if got := run("--cert", cardPEM, "--key", cardKey, "-c", jar, "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
			ts.URL+"/login/id-card?next=/audit"); got != "303 "+ts.URL+"/audit" {
			t.Fatalf("curl with the card: %q", got)
		}
		if page := run("-b", jar, ts.URL+"/audit"); !strings.Contains(page, "Sirje Security") {
			t.Errorf("the audit log with curl's session: %.200q", page)
		}
		if got := run("-o", "/dev/null", "-w", "%{http_code}", ts.URL+"/login/id-card"); got != "401" {
			t.Errorf("curl without a certificate: %q", got)
		}
	})

	t.Run("the sign-in page offers the ID-card", func(t *testing.T) {
		p := app.Client(t).Get(t, "/login?next=%2Fqueue", http.StatusOK)
		if href, _ := p.Doc.Find("#idcard-signin").Attr("href"); href != "/login/id-card?next=%2fqueue" && href != "/login/id-card?next=%2Fqueue" {
			t.Errorf("ID-card link %q", href)
		}
	})

	refusals := []struct {
		name   string
		cert   func() tls.Certificate
		before func()
		status int
		reason string
		says   string
	}{
		{name: "no certificate", status: http.StatusUnauthorized, reason: "no_certificate", says: "sent no ID-card certificate"},
		{name: "expired", cert: func() tls.Certificate { return ca.card(t, "38001085718", now.Add(-48*time.Hour), now.Add(-time.Hour)) },
			status: http.StatusForbidden, reason: "expired", says: "has expired"},
		{name: "revoked", cert: func() tls.Certificate {
			c := ca.card(t, "38001085718", now.Add(-time.Hour), now.Add(time.Hour))
			resp.mu.Lock()
			resp.revoked[c.Leaf.SerialNumber.String()] = true
			resp.mu.Unlock()
			return c
		}, status: http.StatusForbidden, reason: "revoked", says: "has been revoked"},
		{name: "unknown person", cert: func() tls.Certificate { return ca.card(t, "37605030299", now.Add(-time.Hour), now.Add(time.Hour)) },
			status: http.StatusForbidden, reason: "unknown_person", says: "does not belong to anyone"},
		{name: "wrong CA", cert: func() tls.Certificate {
			return newTestCA(t, "Someone Else's CA").card(t, "38001085718", now.Add(-time.Hour), now.Add(time.Hour))
		}, status: http.StatusForbidden, reason: "untrusted", says: "not from an ID-card Tugi accepts"},
		{name: "OCSP responder down", cert: func() tls.Certificate { return valid }, before: func() { resp.down.Store(true) },
			status: http.StatusServiceUnavailable, reason: "ocsp_unavailable", says: "does not answer just now"},
	}
	for _, r := range refusals {
		t.Run("refused: "+r.name, func(t *testing.T) {
			if r.before != nil {
				r.before()
				defer resp.down.Store(false)
			}
			var header []string
			if r.cert != nil {
				header = []string{"X-Client-Cert", viaProxy(r.cert())}
			}
			c := app.Client(t)
			p := c.Get(t, "/login/id-card", r.status, header...)
			if got := p.Text("#form-error"); !strings.Contains(got, r.says) {
				t.Errorf("the page says %q, want %q", got, r.says)
			}
			c.Get(t, "/", http.StatusSeeOther) // not signed in
			var reason string
			app.DB.Get(&reason, `SELECT changes->'reason'->>'new' FROM audit_events WHERE action = 'auth.sign_in_failed' ORDER BY id DESC LIMIT 1`)
			if reason != r.reason {
				t.Errorf("audited reason %q, want %q", reason, r.reason)
			}
		})
	}

	t.Run("through the trusted proxy", func(t *testing.T) {
		c := app.Client(t)
		if p := c.Get(t, "/login/id-card", http.StatusSeeOther, "X-Client-Cert", viaProxy(valid)); p.Location() != "/" {
			t.Errorf("went to %q", p.Location())
		}
		c.Get(t, "/audit", http.StatusOK)
	})
}

// A certificate in the header counts only from a trusted proxy: anyone else could write
// one there.
func TestIDCardHeaderOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "Test ESTEID CA")
	resp := &responder{ca: ca, revoked: map[string]bool{}}
	ocspServer := httptest.NewServer(resp)
	t.Cleanup(ocspServer.Close)
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) {
		c.IDCardRoots, c.IDCardOCSPURL = roots, ocspServer.URL
	}})
	card := ca.card(t, "38001085718", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	app.Client(t).Get(t, "/login/id-card", http.StatusUnauthorized, "X-Client-Cert", viaProxy(card))
}

// Without TUGI_IDCARD_CA Tugi takes no ID-cards.
func TestIDCardOff(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	p := app.Client(t).Get(t, "/login", http.StatusOK)
	if p.Doc.Find("#idcard-signin").Length() != 0 {
		t.Error("the sign-in page offers an ID-card Tugi does not take")
	}
	app.Client(t).Get(t, "/login/id-card", http.StatusNotFound)
}
