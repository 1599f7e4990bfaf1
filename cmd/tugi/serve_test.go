package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns their paths and
// a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tugi test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	t.Setenv("TUGI_TLS_CERT", certFile)
	t.Setenv("TUGI_TLS_KEY", keyFile)
	addr, _, _ := startServe(t)

	client := func(maxVersion uint16) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: maxVersion}}}
	}
	res, err := client(tls.VersionTLS12).Get("https://" + addr + "/login")
	if err != nil {
		t.Fatalf("TLS 1.2: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Fatalf("TLS 1.2: status %d", res.StatusCode)
	}
	if hsts := res.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("no HSTS over HTTPS: %q", hsts)
	}
	for _, c := range res.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure over HTTPS", c.Name)
		}
	}
	if _, err := client(tls.VersionTLS11).Get("https://" + addr + "/login"); err == nil {
		t.Error("a TLS 1.1 client was served")
	}
	// TLS 1.2 offers only AEAD suites: a client offering only CBC (LUCKY13) is refused,
	// one offering only AES-GCM or ChaCha20-Poly1305 is served.
	suite := func(id uint16) error {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
			MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{id}}}}
		res, err := c.Get("https://" + addr + "/login")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	for _, id := range []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256} {
		if err := suite(id); err == nil {
			t.Errorf("a TLS 1.2 client offering only %s was served", tls.CipherSuiteName(id))
		}
	}
	for _, id := range []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256} {
		if err := suite(id); err != nil {
			t.Errorf("a TLS 1.2 client offering only %s: %v", tls.CipherSuiteName(id), err)
		}
	}
	if res, err := http.Get("http://" + addr + "/login"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the TLS port answered %d, want 400", res.StatusCode)
		}
	}
}

// TestServeLetsRequestsInFlightFinish sends half a request, stops Tugi as Ctrl-C does,
// sends the rest, and expects a whole answer: a request that had begun is not cut off.
func TestServeLetsRequestsInFlightFinish(t *testing.T) {
	addr, stop, _ := startServe(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "email=nobody%40example.com&password=whatever-it-is"
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])
	time.Sleep(100 * time.Millisecond) // the server is now reading the body

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("serve stopped while a request was still arriving: %v", err)
	default:
	}
	fmt.Fprint(conn, body[10:])
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden { // no CSRF token: refused, but answered in full
		t.Errorf("status %d", res.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// tugi serve runs its background jobs through the job runner, which records each pass;
// without a mail server the sending job is not among them, and the log says why.
func TestServeRunsTheBackgroundJobs(t *testing.T) {
	db := freshDatabase(t)
	_, stop, stdout := serveHere(t)
	want := []string{"audit.head_log", "blob.collect", "forms.prune_tokens", "inbound.process", "incident.deadlines", "live.prune", "mail.clear_bodies", "report.rollup", "retention.apply", "sessions.cleanup", "sla.clocks"}
	var ok []string
	for deadline := time.Now().Add(10 * time.Second); len(ok) < len(want) && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ok = nil
		if err := db.Select(&ok, `SELECT name FROM job_runs WHERE outcome = 'ok' ORDER BY name`); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(ok, want) {
		t.Errorf("jobs run successfully within 10 s: %v, want %v\n%s", ok, want, stdout.String())
	}
	if n := countRows(t, db, `SELECT count(*) FROM job_runs WHERE name = 'mail.send'`); n != 0 {
		t.Error("mail.send ran without TUGI_SMTP_URL")
	}
	if !strings.Contains(stdout.String(), "TUGI_SMTP_URL is unset") {
		t.Errorf("serve did not say that mail stays queued:\n%s", stdout.String())
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestServeDrainsBeforeStopping stops Tugi as SIGTERM does with a drain: /readyz turns 503
// at once, so a load balancer moves traffic away, while pages are still served over new
// connections until the drain is over; then Tugi stops.
func TestServeDrainsBeforeStopping(t *testing.T) {
	const drain = 2 * time.Second
	t.Setenv("TUGI_SHUTDOWN_DRAIN", drain.String())
	addr, stop, _ := startServe(t)
	get := func(path string) (int, error) {
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := client.Get("http://" + addr + path)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	if status, err := get("/readyz"); err != nil || status != http.StatusOK {
		t.Fatalf("/readyz before the signal: %d, %v", status, err)
	}

	signalled := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(200 * time.Millisecond) // the signal has been seen
	if status, err := get("/readyz"); err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %d, %v; want 503", status, err)
	}
	if status, err := get("/login"); err != nil || status != http.StatusOK {
		t.Errorf("/login while draining: %d, %v; want 200", status, err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("serve: %v", err)
	}
	if took := time.Since(signalled); took < drain || took > drain+5*time.Second {
		t.Errorf("serve stopped %s after the signal, want just after the %s drain", took.Round(time.Millisecond), drain)
	}
	if _, err := get("/login"); err == nil {
		t.Error("a page was served after serve stopped")
	}
}
