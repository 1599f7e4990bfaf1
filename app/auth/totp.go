package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"tugi/app/database"
)

// TOTP as authenticator apps know it (RFC 6238): SHA-1, six digits, a 30-second step.
// A code is accepted for the step before and after the current one too (a phone's clock
// a little off), and once only: each person's last accepted step is kept, and a code of
// that step or an earlier one is refused, so a code seen over a shoulder or replayed from
// a log is worth nothing.
const (
	totpPeriod = 30
	totpSkew   = 1
	totpIssuer = "Tugi"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// recoveryCodeCount is how many recovery codes a person gets at once.
const recoveryCodeCount = 10

// TOTPStep returns the time-step t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// TOTPCode returns the code of secret (base32) for time-step step.
func TOTPCode(secret string, step int64) (string, error) {
	return totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
}

// newTOTPSecret returns a fresh secret: 160 random bits, base32 without padding, as
// RFC 4226 recommends and authenticator apps expect.
func newTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on Linux
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// totpURL is the otpauth:// URL an authenticator app reads from the QR code.
func totpURL(email, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {totpIssuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + url.PathEscape(totpIssuer+":"+email) + "?" + q.Encode()
}

// totpQR draws the QR code of the enrolment URL on the server, as a PNG in a data: URI
// (which the Content-Security-Policy's img-src allows): no third party sees the secret.
func totpQR(email, secret string) (template.URL, error) {
	key, err := otp.NewKeyFromURL(totpURL(email, secret))
	if err != nil {
		return "", fmt.Errorf("totp: key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", fmt.Errorf("totp: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("totp: QR code: %w", err)
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// matchTOTP returns the step within the skew of now, later than after, whose code is
// code, or 0 when there is none.
func matchTOTP(secret, code string, now time.Time, after int64) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0
	}
	cur := TOTPStep(now)
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		if step <= after {
			continue
		}
		want, err := TOTPCode(secret, step)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return 0
}

// totpLabel binds a sealed TOTP secret to its person: copied to another's row, it does
// not open.
func totpLabel(userID int64) string { return fmt.Sprintf("totp:%d", userID) }

// storeTOTP keeps secret as userID's TOTP secret (replacing any), with step as the last
// step accepted: the code that confirmed it is not accepted again.
func storeTOTP(ctx context.Context, q database.Queryer, key *FactorKey, userID int64, secret string, step int64) error {
	if _, err := q.ExecContext(ctx, upsertTOTP, userID, key.seal(totpLabel(userID), []byte(secret)), step, key.ID()); err != nil {
		return fmt.Errorf("totp: store for user %d: %w", userID, err)
	}
	return nil
}

// checkTOTP reports whether code is a code of userID's secret not used before, and if so
// marks its step used. Two requests with the same code: one wins the update, the other
// finds the step taken.
func checkTOTP(ctx context.Context, q database.Queryer, key *FactorKey, userID int64, code string, now time.Time) (bool, error) {
	var row struct {
		Secret   []byte `db:"secret"`
		LastStep int64  `db:"last_step"`
	}
	err := q.GetContext(ctx, &row, selectTOTP, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("totp: read for user %d: %w", userID, err)
	}
	secret, err := key.open(totpLabel(userID), row.Secret)
	if err != nil {
		return false, err
	}
	step := matchTOTP(string(secret), code, now, row.LastStep)
	if step == 0 {
		return false, nil
	}
	res, err := q.ExecContext(ctx, useTOTPStep, userID, step)
	if err != nil {
		return false, fmt.Errorf("totp: mark step used: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// newRecoveryCodes replaces userID's recovery codes with ten fresh ones and returns them,
// to be shown once. Each is 80 random bits (16 base32 letters, in groups of four), so a
// plain SHA-256 is enough to keep them: there is nothing to guess at.
func newRecoveryCodes(ctx context.Context, q database.Queryer, userID int64) ([]string, error) {
	if _, err := q.ExecContext(ctx, deleteRecoveryCodes, userID); err != nil {
		return nil, fmt.Errorf("recovery codes: delete for user %d: %w", userID, err)
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10)
		_, _ = rand.Read(b)
		s := strings.ToLower(base32.StdEncoding.EncodeToString(b))
		codes[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
		hashes[i] = hashRecoveryCode(codes[i])
	}
	if _, err := q.ExecContext(ctx, insertRecoveryCodes, userID, pq.Array(hashes)); err != nil {
		return nil, fmt.Errorf("recovery codes: store for user %d: %w", userID, err)
	}
	return codes, nil
}

// hashRecoveryCode hashes a recovery code as typed: without spaces or dashes, in lower case.
func hashRecoveryCode(code string) []byte {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// useRecoveryCode reports whether code is one of userID's unused recovery codes, and if
// so marks it used.
func useRecoveryCode(ctx context.Context, q database.Queryer, userID int64, code string) (bool, error) {
	res, err := q.ExecContext(ctx, useRecoveryCodeSQL, userID, hashRecoveryCode(code))
	if err != nil {
		return false, fmt.Errorf("recovery codes: use: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// recoveryCodesLeft counts userID's unused recovery codes.
func recoveryCodesLeft(ctx context.Context, q database.Queryer, userID int64) (int, error) {
	var n int
	if err := q.GetContext(ctx, &n, countRecoveryCodes, userID); err != nil {
		return 0, fmt.Errorf("recovery codes: count: %w", err)
	}
	return n, nil
}

// removeFactors deletes every second factor of userID (authenticator app, passkeys,
// recovery codes) and reports what there was.
func removeFactors(ctx context.Context, q database.Queryer, userID int64) (totp bool, passkeys int64, err error) {
	if _, err := q.ExecContext(ctx, deleteRecoveryCodes, userID); err != nil {
		return false, 0, fmt.Errorf("recovery codes: delete for user %d: %w", userID, err)
	}
	res, err := q.ExecContext(ctx, deletePasskeys, userID)
	if err != nil {
		return false, 0, fmt.Errorf("passkeys: delete for user %d: %w", userID, err)
	}
	passkeys, _ = res.RowsAffected()
	if res, err = q.ExecContext(ctx, deleteTOTP, userID); err != nil {
		return false, 0, fmt.Errorf("totp: delete for user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, passkeys, nil
}

// policyRoles returns the roles whose people must sign in with a second factor.
func policyRoles(ctx context.Context, q database.Queryer) ([]string, error) {
	var roles pq.StringArray
	if err := q.GetContext(ctx, &roles, selectPolicy); err != nil {
		return nil, fmt.Errorf("second-factor policy: read: %w", err)
	}
	return roles, nil
}

// requiresSecondFactor reports whether any of roles is in the policy's.
func requiresSecondFactor(policy, roles []string) bool {
	for _, r := range roles {
		if slices.Contains(policy, r) {
			return true
		}
	}
	return false
}
