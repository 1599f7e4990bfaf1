package auth

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/ocsp"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/user"
	"tugi/app/web"
)

// IDCardPath is where a person signs in with an Estonian ID-card: over the listener that
// asks for a client certificate (TUGI_IDCARD_ADDR), or through a TLS-terminating proxy
// that passes it on (ClientCertHeader).
const IDCardPath = "/login/id-card"

// ClientCertHeader is the header in which a TLS-terminating proxy in TrustedProxies
// passes the client's certificate chain on: URL-escaped PEM, as nginx's
// $ssl_client_escaped_cert. From anyone else it is ignored.
const ClientCertHeader = "X-Client-Cert"

// IDCard configures sign-in with an ID-card: which CAs issue the cards' certificates
// (Roots nil: no ID-card sign-in), which OCSP responder says whether one is revoked, and
// which proxies may pass a certificate on.
type IDCard struct {
	Roots          *x509.CertPool
	OCSPURL        string // "" for the one the certificate names
	OCSPTimeout    time.Duration
	TrustedProxies []*net.IPNet
	HTTP           *http.Client // for OCSP; http.DefaultClient when nil
}

// idcardPrefix starts the subject serialNumber of an Estonian ID-card's certificate,
// followed by the personal code (ETSI EN 319 412-1 semantics identifier).
const idcardPrefix = "PNOEE-"

// errOCSPUnavailable is a validity check that got no answer it could trust.
var errOCSPUnavailable = errors.New("ocsp: no usable answer")

// IDCardLogin signs in the person whose personal code the client certificate names, once
// the certificate is one of the trusted CAs', in force and not revoked (OCSP). Each
// refusal says why, in words a person can act on, and is audited.
func (h *Handler) IDCardLogin(c echo.Context) error {
	if h.idcard.Roots == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	actor := web.Actor(c)
	actor.Job = "sign-in"
	refuse := func(status int, reason, msg string, u *user.User) error {
		ev := audit.Event{Action: "auth.sign_in_failed", ObjectType: "user",
			Changes: map[string]audit.Change{"reason": {New: reason}, "method": {New: "idcard"}}}
		if u != nil {
			ev.ObjectID = strconv.FormatInt(u.ID, 10)
			ev.OrgID = orgOf(u)
		}
		if err := audit.Record(ctx, h.db, actor, ev); err != nil {
			return err
		}
		p := h.render.NewPage(c, "Sign in")
		p.Form.Fail("form", msg)
		p.Data = LoginPage{IDCardURL: h.idcardURL}
		return c.Render(status, tplLogin, p)
	}
	cert, extra := h.clientCertificate(c)
	if cert == nil {
		return refuse(http.StatusUnauthorized, "no_certificate",
			"Your browser sent no ID-card certificate. Put the card in the reader, open this page again and choose the card's authentication certificate.", nil)
	}
	intermediates := x509.NewCertPool()
	for _, x := range extra {
		intermediates.AddCert(x)
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: h.idcard.Roots, Intermediates: intermediates,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return refuse(http.StatusForbidden, "expired", "This ID-card's certificate has expired or is not yet valid. Renew the certificates at a Police and Border Guard Board office, or sign in with your password.", nil)
	case err != nil || len(chains[0]) < 2:
		return refuse(http.StatusForbidden, "untrusted", "This certificate is not from an ID-card Tugi accepts. Choose the ID-card's authentication certificate, or sign in with your password.", nil)
	}
	switch status, err := h.checkOCSP(ctx, cert, chains[0][1]); {
	case err != nil:
		h.log.Warn("ID-card: OCSP check failed", "error", err)
		return refuse(http.StatusServiceUnavailable, "ocsp_unavailable", "The ID-card validity check does not answer just now. Try again in a few minutes, or sign in with your password.", nil)
	case status == ocsp.Revoked:
		return refuse(http.StatusForbidden, "revoked", "This ID-card's certificate has been revoked. Sign in with your password.", nil)
	case status != ocsp.Good:
		return refuse(http.StatusForbidden, "ocsp_unknown", "The ID-card validity check does not know this certificate. Sign in with your password.", nil)
	}
	code, ok := strings.CutPrefix(cert.Subject.SerialNumber, idcardPrefix)
	if !ok || !user.ValidPersonalCode(code) {
		return refuse(http.StatusForbidden, "not_estonian", "This certificate names no Estonian personal code. Choose the ID-card's authentication certificate, or sign in with your password.", nil)
	}
	u, err := user.NewStore(h.db).ByPersonalCode(ctx, code)
	if err != nil && !errors.Is(err, user.ErrNotFound) {
		return err
	}
	if u == nil || !u.Active {
		return refuse(http.StatusForbidden, "unknown_person", "This ID-card does not belong to anyone who may sign in to Tugi. Ask an admin to add your personal code to your account.", u)
	}

	if err := h.startSession(c, u, "idcard"); err != nil {
		return err
	}
	actor.Job, actor.UserID, actor.Roles = "", u.ID, u.Roles.Strings()
	err = database.WithTx(ctx, h.db, func(tx *sqlx.Tx) error {
		if err := user.NewStore(tx).RecordSignIn(ctx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "auth.sign_in", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10),
			OrgID: orgOf(u), Changes: map[string]audit.Change{"method": {New: "idcard"}}})
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
}

// clientCertificate returns the certificate the client showed, and the rest of the chain
// it sent: from the TLS handshake, or from ClientCertHeader when the request comes
// straight from a trusted proxy.
func (h *Handler) clientCertificate(c echo.Context) (*x509.Certificate, []*x509.Certificate) {
	r := c.Request()
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		return r.TLS.PeerCertificates[0], r.TLS.PeerCertificates[1:]
	}
	v := r.Header.Get(ClientCertHeader)
	if v == "" || !h.fromTrustedProxy(r) {
		return nil, nil
	}
	raw, err := url.QueryUnescape(v)
	if err != nil {
		return nil, nil
	}
	var certs []*x509.Certificate
	rest := []byte(raw)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if x, err := x509.ParseCertificate(b.Bytes); err == nil && b.Type == "CERTIFICATE" {
			certs = append(certs, x)
		}
	}
	if len(certs) == 0 {
		return nil, nil
	}
	return certs[0], certs[1:]
}

// fromTrustedProxy reports whether r's connection comes from one of the trusted proxies.
func (h *Handler) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, n := range h.idcard.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// checkOCSP asks the OCSP responder whether cert, issued by issuer, is good, within the
// configured timeout. An answer that does not arrive, is not signed by the issuer (or a
// responder it delegated to), or is out of date is errOCSPUnavailable.
func (h *Handler) checkOCSP(ctx context.Context, cert, issuer *x509.Certificate) (int, error) {
	responder := h.idcard.OCSPURL
	if responder == "" && len(cert.OCSPServer) > 0 {
		responder = cert.OCSPServer[0]
	}
	if responder == "" {
		return 0, fmt.Errorf("%w: no responder configured or named", errOCSPUnavailable)
	}
	body, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return 0, fmt.Errorf("ocsp: request: %w", err)
	}
	timeout := h.idcard.OCSPTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responder, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("ocsp: %w", err)
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	client := h.idcard.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errOCSPUnavailable, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%w: responder answered %d", errOCSPUnavailable, res.StatusCode)
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errOCSPUnavailable, err)
	}
	resp, err := ocsp.ParseResponseForCert(raw, cert, issuer)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errOCSPUnavailable, err)
	}
	if !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(time.Now()) {
		return 0, fmt.Errorf("%w: the answer is out of date (next update %s)", errOCSPUnavailable, resp.NextUpdate)
	}
	return resp.Status, nil
}
