package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"

	"tugi/app/user"
)

// DeviceCookie is the name of the device cookie over HTTP; over HTTPS it is
// "__Host-tugi_device", which a browser takes only from this host, over HTTPS, for the
// whole site, so no other site or subdomain can plant one.
const DeviceCookie = "tugi_device"

// deviceMaxAge is how long a device cookie is good for after the sign-in that set it.
const deviceMaxAge = 365 * 24 * time.Hour

// deviceKeyLabel separates the device cookies' key from the other uses of the signing key.
const deviceKeyLabel = "tugi device cookie v1"

// A device cookie says that a browser signed in to an account: after each successful
// sign-in with a password, Tugi sets one holding the account's id and a random nonce,
// signed (HMAC-SHA256, gorilla/securecookie, with the time it was made) with a key of its
// own derived from the cookie key every process shares. The throttle counts the failures
// of a browser that shows a valid one for the account apart from everyone else's (see
// Throttle). The cookie is only as good as its signature, its account and its age: one
// that was tampered with, belongs to another account or is older than a year gives no
// trust.
type devices struct {
	codec  *securecookie.SecureCookie
	secure bool
}

// deviceClaim is what a device cookie holds.
type deviceClaim struct {
	UserID int64  `json:"u"`
	Nonce  string `json:"n"`
}

// devices returns the signer of device cookies. It reads the cookie key on each sign-in
// (one indexed read beside an argon2id check), so the Handler keeps no key of its own.
func (h *Handler) devices(ctx context.Context) (*devices, error) {
	var key []byte
	if err := h.db.GetContext(ctx, &key, selectCookieKey); err != nil {
		return nil, fmt.Errorf("device cookie: read the cookie key: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(deviceKeyLabel))
	codec := securecookie.New(mac.Sum(nil), nil)
	codec.SetSerializer(securecookie.JSONEncoder{})
	codec.MaxAge(int(deviceMaxAge.Seconds()))
	return &devices{codec: codec, secure: h.sessions.options.Secure}, nil
}

// name is the device cookie's name: __Host- prefixed under HTTPS.
func (d *devices) name() string {
	if d.secure {
		return "__Host-" + DeviceCookie
	}
	return DeviceCookie
}

// nonce returns the nonce of r's device cookie when it is valid for u, and "" when r has
// none, it is not valid, or there is no u.
func (d *devices) nonce(r *http.Request, u *user.User) string {
	ck, err := r.Cookie(d.name())
	if err != nil || u == nil {
		return ""
	}
	var claim deviceClaim
	if err := d.codec.Decode(DeviceCookie, ck.Value, &claim); err != nil || claim.UserID != u.ID || claim.Nonce == "" {
		return ""
	}
	return claim.Nonce
}

// set gives the browser of c a new device cookie for u.
func (d *devices) set(c echo.Context, u *user.User) error {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce) // crypto/rand.Read does not fail on Linux
	value, err := d.codec.Encode(DeviceCookie, deviceClaim{UserID: u.ID, Nonce: base64.RawURLEncoding.EncodeToString(nonce)})
	if err != nil {
		return fmt.Errorf("device cookie: sign: %w", err)
	}
	c.SetCookie(&http.Cookie{Name: d.name(), Value: value, Path: "/", MaxAge: int(deviceMaxAge.Seconds()),
		HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteStrictMode})
	return nil
}
