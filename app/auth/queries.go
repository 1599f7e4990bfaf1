package auth

import (
	"time"

	"tugi/app/user"
)

// The SQL of sign-in: every statement the auth package runs on sessions and
// signin_failures, the only package that writes them.

// loadSession reads the session whose token hashes to $1, unless it has ended (past its
// expiry, or unused for $2 seconds), with what every signed-in request needs beside it
// in the same round trip: the session's person (user.ViewerColumns) and the reference
// version (package reference). Scanned by hand into a sessionRow: every request runs it.
const loadSession = `
SELECT s.id, s.user_id, s.auth_method, s.data, s.last_seen_at, now(), (SELECT version FROM reference_version),
       ` + user.ViewerColumns + `
FROM sessions s LEFT JOIN users u ON u.id = s.user_id LEFT JOIN organisations o ON o.id = u.org_id
WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)`

// sessionRow receives a row of loadSession.
type sessionRow struct {
	ID         int64
	UserID     *int64
	AuthMethod string
	Data       []byte
	LastSeen   time.Time
	Now        time.Time
	Reference  int64
	User       user.ViewerRow
}

// dest returns the destinations of loadSession's columns, in their order, for Scan.
func (r *sessionRow) dest() []any {
	return append([]any{&r.ID, &r.UserID, &r.AuthMethod, &r.Data, &r.LastSeen, &r.Now, &r.Reference}, r.User.Dest()...)
}

// touchSession writes that session $1 was used now.
const touchSession = `UPDATE sessions SET last_seen_at = now() WHERE id = $1`

// insertSession writes a new session: its token's hash ($1), person ($2, NULL for
// none), sign-in method, other values (gob), client address and user agent (cut to 300
// characters); it ends $7 seconds from now. It returns the session's id.
const insertSession = `
INSERT INTO sessions (token_hash, user_id, auth_method, data, client_ip, user_agent, expires_at)
VALUES ($1, $2, $3, $4, $5, left($6, 300), now() + make_interval(secs => $7))
RETURNING id`

// updateSession writes the values of the session whose token hashes to $1, and that it
// was used now.
const updateSession = `
UPDATE sessions SET data = $2, user_id = $3, auth_method = $4, last_seen_at = now()
WHERE token_hash = $1`

// deleteSessionByToken removes the session whose token hashes to $1 (signing out).
const deleteSessionByToken = `DELETE FROM sessions WHERE token_hash = $1`

// listUserSessions reads the live sessions of user $1 (those used in the last $2
// seconds and not expired), the most recently used first.
const listUserSessions = `
SELECT id, auth_method, client_ip, user_agent, created_at, last_seen_at, expires_at FROM sessions
WHERE user_id = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)
ORDER BY last_seen_at DESC, id DESC`

// deleteUserSession removes session $1 if it belongs to user $2.
const deleteUserSession = `DELETE FROM sessions WHERE id = $1 AND user_id = $2`

// deleteUserSessionsExcept removes every session of user $1 but session $2 (0: all).
const deleteUserSessionsExcept = `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`

// deleteEndedSessions removes the sessions past their expiry or unused for $1 seconds.
const deleteEndedSessions = `DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1)`

// insertSigninAttempt writes a sign-in attempt for the e-mail address $1 from the client
// address $2, counted as failed until taken back, and returns its id and the device it
// is counted for: $3, the nonce of the browser's device cookie for the account, unless it
// is "" or has had $5 failures in the last $4 seconds (then NULL: a new browser).
const insertSigninAttempt = `
INSERT INTO signin_failures (email, client_ip, device)
SELECT $1, $2, CASE WHEN $3 <> '' AND (SELECT count(*) FROM signin_failures
                     WHERE email = $1 AND device = $3 AND at > now() - make_interval(secs => $4)) < $5
                    THEN $3 END
RETURNING id, device`

// signinBlocked reads which limit the attempts other than $8 in the last $4 seconds reach
// for an attempt at the e-mail address $1 from the client address $2 and the device $3
// ("" for a new browser): 'device' when the device has had $6, or for a new browser
// 'account' when the address has had $5 from new browsers, 'address' when the client
// address has had $7; empty for none.
const signinBlocked = `
SELECT CASE
    WHEN $3 <> '' THEN CASE WHEN (SELECT count(*) FROM signin_failures
        WHERE email = $1 AND device = $3 AND at > now() - make_interval(secs => $4) AND id <> $8) >= $6
        THEN 'device' ELSE '' END
    WHEN (SELECT count(*) FROM signin_failures
        WHERE email = $1 AND device IS NULL AND at > now() - make_interval(secs => $4) AND id <> $8) >= $5
        THEN 'account'
    WHEN (SELECT count(*) FROM signin_failures
        WHERE client_ip = $2 AND at > now() - make_interval(secs => $4) AND id <> $8) >= $7
        THEN 'address'
    ELSE '' END`

// deleteOldSigninFailures removes the attempts older than a day.
const deleteOldSigninFailures = `DELETE FROM signin_failures WHERE at < now() - interval '1 day'`

// deleteSigninFailure removes attempt $1 (taken back).
const deleteSigninFailure = `DELETE FROM signin_failures WHERE id = $1`

// deleteBucketSigninFailures removes the attempts for the e-mail address $1 from the
// device $2, or from new browsers when $2 is "".
const deleteBucketSigninFailures = `DELETE FROM signin_failures WHERE email = $1 AND device IS NOT DISTINCT FROM NULLIF($2, '')`

// insertCookieKey keeps $1 as the cookie-signing key unless a process made one first.
const insertCookieKey = `INSERT INTO cookie_keys (name, key) VALUES ('signing', $1) ON CONFLICT (name) DO NOTHING`

// selectCookieKey reads the cookie-signing key.
const selectCookieKey = `SELECT key FROM cookie_keys WHERE name = 'signing'`

// upsertTOTP keeps the TOTP secret $2 of user $1, sealed with the factor key $4, with $3
// as the last step used.
const upsertTOTP = `
INSERT INTO totp_factors (user_id, secret, last_step, key_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, last_step = EXCLUDED.last_step, key_id = EXCLUDED.key_id, created_at = now()`

// selectForeignFactorKeys reads the factor keys other than $1 that second factors are
// sealed with.
const selectForeignFactorKeys = `
SELECT DISTINCT key_id FROM (SELECT key_id FROM totp_factors UNION ALL SELECT key_id FROM passkeys) k
WHERE key_id IS NOT NULL AND key_id <> $1 ORDER BY key_id`

// selectLegacyTOTP reads the TOTP secrets still sealed with the key derived from the
// cookie key, to reseal them.
const selectLegacyTOTP = `SELECT user_id, secret FROM totp_factors WHERE key_id IS NULL ORDER BY user_id FOR UPDATE`

// resealTOTP replaces the sealed secret of user $1 with $2, sealed with the factor key $3.
const resealTOTP = `UPDATE totp_factors SET secret = $2, key_id = $3 WHERE user_id = $1`

// selectTOTP reads the sealed secret of user $1 and the last step a code was accepted for.
const selectTOTP = `SELECT secret, last_step FROM totp_factors WHERE user_id = $1`

// useTOTPStep marks step $2 used for user $1, unless it or a later one already is.
const useTOTPStep = `UPDATE totp_factors SET last_step = $2 WHERE user_id = $1 AND last_step < $2`

// deleteTOTP removes the TOTP secret of user $1.
const deleteTOTP = `DELETE FROM totp_factors WHERE user_id = $1`

// insertRecoveryCodes keeps the hashes $2 as recovery codes of user $1.
const insertRecoveryCodes = `INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS h`

// deleteRecoveryCodes removes every recovery code of user $1.
const deleteRecoveryCodes = `DELETE FROM recovery_codes WHERE user_id = $1`

// useRecoveryCodeSQL marks the unused recovery code of user $1 hashing to $2 used.
const useRecoveryCodeSQL = `UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`

// countRecoveryCodes counts the unused recovery codes of user $1.
const countRecoveryCodes = `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`

// selectPolicy reads the roles that must sign in with a second factor.
const selectPolicy = `SELECT roles FROM second_factor_policy`

// updatePolicy sets the roles that must sign in with a second factor.
const updatePolicy = `UPDATE second_factor_policy SET roles = $1`

// selectPasskeys reads the passkeys of user $1, the oldest first.
const selectPasskeys = `SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`

// selectPasskeyRecords reads the passkeys of user $1 with their sealed credential records.
const selectPasskeyRecords = `
SELECT id, name, created_at, last_used_at, credential_id, credential FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`

// insertPasskeySQL keeps the passkey $2 (its credential id) of user $1, named $3, with
// its credential record $4 sealed with the factor key $5, and returns its id.
const insertPasskeySQL = `
INSERT INTO passkeys (user_id, credential_id, name, credential, key_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`

// usePasskeySQL replaces the credential record of passkey $1 of user $2 with $3 (sealed
// with the key $4) and marks it used now.
const usePasskeySQL = `UPDATE passkeys SET credential = $3, key_id = $4, last_used_at = now() WHERE id = $1 AND user_id = $2`

// deletePasskeySQL removes passkey $1 of user $2 and returns its name.
const deletePasskeySQL = `DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name`

// deletePasskeys removes every passkey of user $1.
const deletePasskeys = `DELETE FROM passkeys WHERE user_id = $1`

// countFactors reads whether user $1 has an authenticator app, and how many passkeys.
const countFactors = `
SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1) AS totp,
       (SELECT count(*) FROM passkeys WHERE user_id = $1) AS passkeys`
