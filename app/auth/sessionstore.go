package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/user"
)

// Session values the store keeps in columns of their own (user_id, auth_method), so
// sessions can be listed and revoked per person, and values it sets on load and never
// stores. Any other value is kept gob-encoded in the column data, which is empty while
// there is none (the usual case: nothing is decoded on a request).
const (
	keyUserID     = "user_id"
	keyAuthMethod = "auth_method"
	keyRowID      = "_row_id" // set on load; never stored in the data
	keyClientIP   = "_client_ip"
	keyUser       = "_user"              // the session's person, read with it (LoadSession); never stored
	keyReference  = "_reference_version" // read with it (package reference); never stored
)

// touchEvery is how stale last_seen_at may get before a request refreshes it: one write
// a minute per session instead of one per request.
const touchEvery = time.Minute

// SessionStore is a gorilla/sessions store kept in PostgreSQL. The cookie holds only a
// random 256-bit token; the table keeps its SHA-256, who the session belongs to, and the
// session's values. A session ends after Idle without requests or Max after it began.
type SessionStore struct {
	db      *sqlx.DB
	reads   *database.Prepared // the lookup every request makes, prepared once per connection
	options sessions.Options
	Idle    time.Duration
	Max     time.Duration
}

// NewSessionStore returns a store whose cookies are Secure when secure is true.
func NewSessionStore(db *sqlx.DB, secure bool, idle, max time.Duration) *SessionStore {
	return &SessionStore{
		db:    db,
		reads: database.NewPrepared(db),
		options: sessions.Options{
			Path:     "/",
			HttpOnly: true,
			Secure:   secure,
			SameSite: http.SameSiteLaxMode,
		},
		Idle: idle,
		Max:  max,
	}
}

// Get implements sessions.Store, returning the request's session (cached per request).
func (s *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New implements sessions.Store: it loads the session the request's cookie names, or
// returns a new, empty one when there is none or it has ended.
func (s *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := s.options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return sess, nil
	}
	// The session's person comes in the same query: every signed-in request needs them,
	// and a second round trip was a tenth of a light page's cost.
	// So does the reference version (package reference), for the same reason.
	var row sessionRow
	err = s.reads.QueryRowxContext(r.Context(), loadSession, hashToken(c.Value), s.Idle.Seconds()).Scan(row.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("session store: load: %w", err)
	}
	if len(row.Data) > 0 {
		if err := gob.NewDecoder(bytes.NewReader(row.Data)).Decode(&sess.Values); err != nil {
			return sess, fmt.Errorf("session store: decode session %d: %w", row.ID, err)
		}
	}
	if row.UserID != nil {
		sess.Values[keyUserID] = *row.UserID
	}
	if row.AuthMethod != "" {
		sess.Values[keyAuthMethod] = row.AuthMethod
	}
	if row.Now.Sub(row.LastSeen) > touchEvery {
		if _, err := s.db.ExecContext(r.Context(), touchSession, row.ID); err != nil {
			return sess, fmt.Errorf("session store: touch session %d: %w", row.ID, err)
		}
	}
	sess.ID = c.Value
	sess.IsNew = false
	sess.Values[keyRowID] = row.ID
	sess.Values[keyReference] = row.Reference
	if u := row.User.User(); u != nil {
		sess.Values[keyUser] = u
	}
	return sess, nil
}

// sessionUser returns the person the session was loaded with, if it is userID.
func sessionUser(sess *sessions.Session, userID int64) *user.User {
	u, _ := sess.Values[keyUser].(*user.User)
	if u == nil || u.ID != userID {
		return nil
	}
	return u
}

// Save implements sessions.Store. A session with a negative MaxAge is deleted; a new
// session gets a fresh token. An anonymous session with nothing in it is not stored.
func (s *SessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if _, err := s.db.ExecContext(ctx, deleteSessionByToken, hashToken(sess.ID)); err != nil {
				return fmt.Errorf("session store: delete: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	userID, _ := sess.Values[keyUserID].(int64)
	method, _ := sess.Values[keyAuthMethod].(string)
	values := make(map[any]any, len(sess.Values))
	for k, v := range sess.Values {
		switch k {
		case keyUserID, keyAuthMethod, keyRowID, keyClientIP, keyUser, keyReference:
		default:
			values[k] = v
		}
	}
	if sess.ID == "" && userID == 0 && method == "" && len(values) == 0 {
		return nil
	}
	data := bytes.NewBuffer([]byte{}) // empty, not NULL, while there is nothing else
	if len(values) > 0 {
		if err := gob.NewEncoder(data).Encode(values); err != nil {
			return fmt.Errorf("session store: encode: %w", err)
		}
	}
	var uid *int64
	if userID != 0 {
		uid = &userID
	}
	if sess.ID == "" {
		token, err := newToken()
		if err != nil {
			return err
		}
		clientIP, _ := sess.Values[keyClientIP].(string)
		var id int64
		err = s.db.GetContext(ctx, &id, insertSession,
			hashToken(token), uid, method, data.Bytes(), clientIP, r.UserAgent(), s.Max.Seconds())
		if err != nil {
			return fmt.Errorf("session store: insert: %w", err)
		}
		sess.ID = token
		sess.Values[keyRowID] = id
	} else if _, err := s.db.ExecContext(ctx, updateSession, hashToken(sess.ID), data.Bytes(), uid, method); err != nil {
		return fmt.Errorf("session store: update: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), sess.ID, sess.Options))
	return nil
}

// SessionInfo describes one of a person's sessions, for the account page.
type SessionInfo struct {
	ID         int64     `db:"id"`
	AuthMethod string    `db:"auth_method"`
	ClientIP   string    `db:"client_ip"`
	UserAgent  string    `db:"user_agent"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
	ExpiresAt  time.Time `db:"expires_at"`
}

// List returns a person's live sessions, the most recently used first.
func (s *SessionStore) List(ctx context.Context, userID int64) ([]SessionInfo, error) {
	var out []SessionInfo
	err := s.db.SelectContext(ctx, &out, listUserSessions, userID, s.Idle.Seconds())
	if err != nil {
		return nil, fmt.Errorf("session store: list for user %d: %w", userID, err)
	}
	return out, nil
}

// Revoke ends session id if it belongs to userID, and reports whether it did.
func (s *SessionStore) Revoke(ctx context.Context, q database.Queryer, userID, id int64) (bool, error) {
	res, err := q.ExecContext(ctx, deleteUserSession, id, userID)
	if err != nil {
		return false, fmt.Errorf("session store: revoke %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RevokeUser ends every session of userID and returns how many it ended.
func (s *SessionStore) RevokeUser(ctx context.Context, q database.Queryer, userID int64) (int64, error) {
	return s.revokeExcept(ctx, q, userID, 0)
}

func (s *SessionStore) revokeExcept(ctx context.Context, q database.Queryer, userID, keep int64) (int64, error) {
	res, err := q.ExecContext(ctx, deleteUserSessionsExcept, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("session store: revoke sessions of user %d: %w", userID, err)
	}
	return res.RowsAffected()
}

// DeleteExpired removes ended sessions and returns how many.
func (s *SessionStore) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, deleteEndedSessions, s.Idle.Seconds())
	if err != nil {
		return 0, fmt.Errorf("session store: delete expired: %w", err)
	}
	return res.RowsAffected()
}

// Cleanup removes ended sessions: a pass of the job "sessions.cleanup", run every ten
// minutes.
func (s *SessionStore) Cleanup(ctx context.Context, log *slog.Logger) error {
	n, err := s.DeleteExpired(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("ended sessions removed", "count", n)
	}
	return nil
}

// RowID returns the database id of a loaded or saved session, or 0.
func RowID(sess *sessions.Session) int64 {
	id, _ := sess.Values[keyRowID].(int64)
	return id
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session store: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
