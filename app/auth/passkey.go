package auth

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/lib/pq"

	"tugi/app/database"
	"tugi/app/user"
)

// Passkeys (WebAuthn) are the better second factor: the browser proves, with a key that
// never leaves the person's device and only for this site's name, that the device is at
// hand; nothing can be read over a shoulder or typed into a phishing page. A person may
// have several (a laptop's, a phone's, a security key), each named.

// Session values of the ceremonies: the challenge Tugi sent, until the browser's answer.
const (
	keyPasskeyLogin    = "passkey_login"
	keyPasskeyRegister = "passkey_register"
)

// passkeyNameMax is the longest name a passkey may have.
const passkeyNameMax = 100

// newRelyingParty returns the WebAuthn relying party of the site at public (its origin,
// and its host name as the relying party id), or nil when public's host is an IP address:
// browsers take passkeys only for a domain name (localhost included).
func newRelyingParty(public *url.URL) (*webauthn.WebAuthn, error) {
	if public == nil || net.ParseIP(public.Hostname()) != nil {
		return nil, nil
	}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:          public.Hostname(),
		RPDisplayName: "Tugi",
		RPOrigins:     []string{public.Scheme + "://" + public.Host},
		// No attestation: Tugi does not restrict makes of authenticator, and asking would
		// only show the person a privacy prompt.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("passkeys: relying party %s: %w", public.Host, err)
	}
	return rp, nil
}

// Passkey is one of a person's passkeys, as their account page lists it.
type Passkey struct {
	ID         int64      `db:"id"`
	Name       string     `db:"name"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
}

// storedPasskey is a passkey with its credential record, opened.
type storedPasskey struct {
	Passkey
	cred webauthn.Credential
}

// passkeyUser is a person as go-webauthn sees them: their user handle is their id (eight
// bytes, nothing personal), and their passkeys.
type passkeyUser struct {
	u     *user.User
	creds []webauthn.Credential
}

func (p passkeyUser) WebAuthnID() []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(p.u.ID))
}
func (p passkeyUser) WebAuthnName() string                       { return p.u.Email }
func (p passkeyUser) WebAuthnDisplayName() string                { return p.u.Name }
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

// passkeyLabel binds a sealed credential record to its person and credential id.
func passkeyLabel(userID int64, credID []byte) string {
	return fmt.Sprintf("passkey:%d:%x", userID, credID)
}

// listPasskeys reads userID's passkeys, the oldest first.
func listPasskeys(ctx context.Context, q database.Queryer, userID int64) ([]Passkey, error) {
	var list []Passkey
	if err := q.SelectContext(ctx, &list, selectPasskeys, userID); err != nil {
		return nil, fmt.Errorf("passkeys: list for user %d: %w", userID, err)
	}
	return list, nil
}

// loadPasskeys reads userID's passkeys with their credential records.
func loadPasskeys(ctx context.Context, q database.Queryer, key *FactorKey, userID int64) ([]storedPasskey, error) {
	var rows []struct {
		Passkey
		CredentialID []byte `db:"credential_id"`
		Credential   []byte `db:"credential"`
	}
	if err := q.SelectContext(ctx, &rows, selectPasskeyRecords, userID); err != nil {
		return nil, fmt.Errorf("passkeys: read for user %d: %w", userID, err)
	}
	out := make([]storedPasskey, len(rows))
	for i, r := range rows {
		plain, err := key.open(passkeyLabel(userID, r.CredentialID), r.Credential)
		if err != nil {
			return nil, err
		}
		out[i].Passkey = r.Passkey
		if err := json.Unmarshal(plain, &out[i].cred); err != nil {
			return nil, fmt.Errorf("passkeys: credential %d: %w", r.ID, err)
		}
	}
	return out, nil
}

func credentials(list []storedPasskey) []webauthn.Credential {
	out := make([]webauthn.Credential, len(list))
	for i, p := range list {
		out[i] = p.cred
	}
	return out
}

// errPasskeyName: the person has a passkey of that name already.
var errPasskeyName = errors.New("passkeys: name taken")

// insertPasskey keeps cred as userID's passkey called name and returns its id.
func insertPasskey(ctx context.Context, q database.Queryer, key *FactorKey, userID int64, name string, cred *webauthn.Credential) (int64, error) {
	plain, err := json.Marshal(cred)
	if err != nil {
		return 0, fmt.Errorf("passkeys: encode: %w", err)
	}
	var id int64
	err = q.GetContext(ctx, &id, insertPasskeySQL, userID, cred.ID, name, key.seal(passkeyLabel(userID, cred.ID), plain), key.ID())
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code.Name() == "unique_violation" {
		if pqErr.Constraint == "passkeys_user_id_name_key" {
			return 0, errPasskeyName
		}
		return 0, errPasskeyRefused // this passkey is registered already
	}
	if err != nil {
		return 0, fmt.Errorf("passkeys: store for user %d: %w", userID, err)
	}
	return id, nil
}

// updatePasskey keeps cred, as a sign-in just updated it (its counter, its flags), for
// passkey id of userID, and that it was used now.
func updatePasskey(ctx context.Context, q database.Queryer, key *FactorKey, userID, id int64, cred *webauthn.Credential) error {
	plain, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("passkeys: encode: %w", err)
	}
	if _, err := q.ExecContext(ctx, usePasskeySQL, id, userID, key.seal(passkeyLabel(userID, cred.ID), plain), key.ID()); err != nil {
		return fmt.Errorf("passkeys: update %d: %w", id, err)
	}
	return nil
}

// factorsOf counts userID's second factors: whether they have an authenticator app, and
// how many passkeys.
func factorsOf(ctx context.Context, q database.Queryer, userID int64) (totp bool, passkeys int, err error) {
	var row struct {
		TOTP     bool `db:"totp"`
		Passkeys int  `db:"passkeys"`
	}
	if err := q.GetContext(ctx, &row, countFactors, userID); err != nil {
		return false, 0, fmt.Errorf("second factors: count for user %d: %w", userID, err)
	}
	return row.TOTP, row.Passkeys, nil
}

// hasFactor reports whether userID has any second factor.
func hasFactor(ctx context.Context, q database.Queryer, userID int64) (bool, error) {
	totp, passkeys, err := factorsOf(ctx, q, userID)
	return totp || passkeys > 0, err
}

// beginPasskeyLogin returns the options of a passkey sign-in for u (JSON, for the page's
// script) and keeps its challenge in the session values vals; "" when u has no passkeys.
func beginPasskeyLogin(rp *webauthn.WebAuthn, u *user.User, list []storedPasskey, vals map[any]any) (string, error) {
	if len(list) == 0 {
		delete(vals, keyPasskeyLogin)
		return "", nil
	}
	assertion, data, err := rp.BeginLogin(passkeyUser{u: u, creds: credentials(list)})
	if err != nil {
		return "", fmt.Errorf("passkeys: begin sign-in: %w", err)
	}
	return keepCeremony(vals, keyPasskeyLogin, assertion, data)
}

// beginPasskeyRegistration returns the options of registering a new passkey for u (JSON),
// keeping its challenge in vals. The person's passkeys are excluded: an authenticator
// that holds one already says so instead of making a second.
func beginPasskeyRegistration(rp *webauthn.WebAuthn, u *user.User, list []storedPasskey, vals map[any]any) (string, error) {
	creds := credentials(list)
	creation, data, err := rp.BeginRegistration(passkeyUser{u: u, creds: creds},
		webauthn.WithExclusions(webauthn.Credentials(creds).CredentialDescriptors()),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()))
	if err != nil {
		return "", fmt.Errorf("passkeys: begin registration: %w", err)
	}
	return keepCeremony(vals, keyPasskeyRegister, creation, data)
}

func keepCeremony(vals map[any]any, key string, options any, data *webauthn.SessionData) (string, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return "", fmt.Errorf("passkeys: encode options: %w", err)
	}
	kept, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("passkeys: encode the challenge: %w", err)
	}
	vals[key] = string(kept)
	return string(opts), nil
}

// takeCeremony returns the challenge kept under key, and forgets it: each is answered
// once. ok is false when there is none.
func takeCeremony(vals map[any]any, key string) (data webauthn.SessionData, ok bool) {
	kept, _ := vals[key].(string)
	delete(vals, key)
	if kept == "" || json.Unmarshal([]byte(kept), &data) != nil {
		return data, false
	}
	return data, true
}

// Used reports whether the passkey has signed its person in yet.
func (p Passkey) Used() bool { return p.LastUsedAt != nil }

// LastUsed is when the passkey last signed its person in (zero: never).
func (p Passkey) LastUsed() time.Time {
	if p.LastUsedAt == nil {
		return time.Time{}
	}
	return *p.LastUsedAt
}
