package inbound

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/blob"
	"tugi/app/database"
	"tugi/app/ticket"
	"tugi/app/user"
)

// Mailbox is the address a message was sent to.
type Mailbox string

// The mailboxes Tugi takes mail for.
const (
	Support  Mailbox = "support"  // TUGI_SUPPORT_ADDRESS: tickets
	Security Mailbox = "security" // TUGI_SECURITY_ADDRESS: incident reports from staff; security concerns from others
)

// States of a stored message (db/migrations/0030_inbound_mail.sql says what each means).
const (
	Received      = "received"
	MadeTicket    = "ticket"
	MadeReply     = "reply"
	MadeNote      = "note"
	Automatic     = "automatic"
	Bounced       = "bounce"
	UnknownSender = "unknown_sender"
	Held          = "held"
	RateLimited   = "rate_limited"
	Incident      = "incident"
	Discarded     = "discarded"
)

// Why a message is held (the reason of a Held one).
const (
	HeldDMARC    = "dmarc"    // DMARC failed for a known customer domain: perhaps forged
	HeldStaff    = "staff"    // a staff member's mail to support: no customer to open a ticket for
	HeldInactive = "inactive" // from a deactivated account
)

// IncidentReporter takes an incident report mailed to the security address by a staff
// member, and returns the incident's reference. The report commits on its own, before the
// intake's transaction marks the mail processed, so it must be made once per mail however
// often it is called with the same IncidentMail.Key (a fault between the two commits
// makes the mail processed again). Incidents (incidents.go) is the incident feature's;
// without one, such mail waits for an agent (held, reason "staff").
type IncidentReporter interface {
	ReportByMail(ctx context.Context, reporter *access.Viewer, r IncidentMail) (reference string, err error)
}

// IncidentMail is an incident report that came by mail.
type IncidentMail struct {
	Key      string // the mail's key (Message-ID, or the hash of one without): one report per key
	Subject  string
	Body     string // what the sender wrote, quoted history folded away
	Received time.Time
	Files    []ticket.File
	Raw      []byte // the message as received
}

// PasswordLinker mails a contact that mail made a link to set their password, in tx, the
// transaction that made them (app/auth's PasswordLinks); it may decline (a throttle, no
// public address) and says whether it mailed one.
type PasswordLinker interface {
	Issue(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, u *user.User) (bool, error)
}

// Limits stop what loop detection misses: a sender, or a ticket, that mails too much.
type Limits struct {
	PerSender       int           // messages from one address ...
	PerSenderWindow time.Duration // ... in this long
	PerTicket       int           // messages added to one ticket ...
	PerTicketWindow time.Duration // ... in this long
}

// DefaultLimits are the rate limits when none are given: no person writes 30 mails in 10
// minutes, nor 40 to one ticket in an hour; a loop does.
var DefaultLimits = Limits{PerSender: 30, PerSenderWindow: 10 * time.Minute, PerTicket: 40, PerTicketWindow: time.Hour}

// Options are what the service is built from.
type Options struct {
	DB      *sqlx.DB
	Tickets *ticket.Service
	// Incidents takes staff members' reports to the security address; nil: held.
	Incidents IncidentReporter
	// PasswordLinks mails the contacts mail makes a link to set a password; nil: none.
	PasswordLinks PasswordLinker
	// MailDomain is the domain of Tugi's own Message-IDs (TUGI_MAIL_DOMAIN): a reply
	// naming one of them answers Tugi's mail about a ticket.
	MailDomain string
	Blobs      blob.Store // blob.Postgres when nil
	Limits     Limits     // DefaultLimits when zero
	Log        *slog.Logger
}

// Service stores and processes inbound mail.
type Service struct {
	db         *sqlx.DB
	tickets    *ticket.Service
	incidents  IncidentReporter
	passwords  PasswordLinker
	mailDomain string
	blobs      blob.Store
	limits     Limits
	log        *slog.Logger
}

// NewService returns the inbound mail service.
func NewService(o Options) *Service {
	if o.Blobs == nil {
		o.Blobs = blob.Postgres{}
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{db: o.DB, tickets: o.Tickets, incidents: o.Incidents, passwords: o.PasswordLinks, mailDomain: strings.ToLower(o.MailDomain),
		blobs: o.Blobs, limits: o.Limits, log: o.Log}
}

// actor is who inbound mail's changes are audited as.
var actor = audit.Job("inbound")

// Delivery is a message as it arrived.
type Delivery struct {
	Raw     []byte
	Mailbox Mailbox
	Via     string // "smtp" or "imap"
}

// Receipt is what Receive did with a message.
type Receipt struct {
	ID        int64 // the stored message
	Duplicate bool  // stored before: nothing done now
	State     string
}

// Receive stores a message and processes it, and commits, before the caller
// acknowledges it. Mail to the support address is stored and processed in one
// transaction: the raw message, its row and what it makes (a ticket, a reply, a note),
// so a message is acknowledged once all of it is on disk. When processing fails (a
// fault, a file that cannot be stored), the message is stored alone in a transaction of
// its own, and the job "inbound.process" processes it later, so the sender need not send
// it again. Mail to the security address is stored and committed first, then processed:
// a staff member's report is made by the incident feature in a transaction of its own,
// which keeps the stored message as evidence (and would wait for the row of an
// uncommitted one). A message whose key (Message-ID, or the hash of one without) is
// stored already (delivered twice) is neither stored nor processed again. The error is
// only for storing: the caller must not acknowledge the message.
func (s *Service) Receive(ctx context.Context, d Delivery) (Receipt, error) {
	p, err := Parse(d.Raw)
	if err != nil {
		p = &Parsed{Problems: []string{err.Error()}}
	}
	var r Receipt
	perr := errStoredFirst
	if d.Mailbox != Security {
		perr = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
			m, err := s.store(ctx, tx, d, p, &r)
			if err != nil || m == nil {
				return err
			}
			r.State, err = s.processIn(ctx, tx, m, p, decision{})
			return err
		})
	}
	if perr == nil {
		if r.Duplicate {
			s.log.Info("inbound mail delivered again: already stored", "inbound_id", r.ID, "via", d.Via)
		}
		return r, nil
	}
	r = Receipt{}
	err = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := s.store(ctx, tx, d, p, &r)
		return err
	})
	switch {
	case err != nil:
		return Receipt{}, fmt.Errorf("inbound: store: %w", err)
	case r.Duplicate:
		s.log.Info("inbound mail delivered again: already stored", "inbound_id", r.ID, "via", d.Via)
		return r, nil
	case d.Mailbox == Security:
		r.State, err = s.process(ctx, r.ID, p, decision{})
	default:
		s.countAttempt(ctx, r.ID)
		err = perr
	}
	if err != nil {
		s.log.Error("inbound mail stored but not processed; the job inbound.process retries it", "inbound_id", r.ID, "error", err)
		r.State = Received
	}
	return r, nil
}

// errStoredFirst is why mail to the security address is not processed as it is stored.
var errStoredFirst = errors.New("inbound: stored first, processed after")

// key is what a message is stored under: its Message-ID, or the SHA-256 of the raw
// message when it has none.
func key(p *Parsed, raw []byte) string {
	if p.MessageID != "" {
		return p.MessageID
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// store writes the raw message to the blob store and its row, in tx, and returns the
// row; nil (and r.Duplicate) when a message with its key is stored already.
func (s *Service) store(ctx context.Context, tx *sqlx.Tx, d Delivery, p *Parsed, r *Receipt) (*Mail, error) {
	ref, err := s.blobs.Put(ctx, tx, bytes.NewReader(d.Raw))
	if err != nil {
		return nil, err
	}
	var m Mail
	err = tx.GetContext(ctx, &m, insertMail, key(p, d.Raw), ref.SHA256, ref.Size, d.Via, d.Mailbox, truncate(p.From, 320),
		truncate(p.FromName, 200), truncate(p.Subject, 300), truncate(p.Auth.SPF, 20), truncate(p.Auth.DKIM, 20), truncate(p.Auth.DMARC, 20))
	if errors.Is(err, sql.ErrNoRows) {
		r.Duplicate = true
		return nil, tx.GetContext(ctx, &r.ID, selectByKey, key(p, d.Raw))
	}
	if err != nil {
		return nil, err
	}
	r.ID = m.ID
	return &m, nil
}

// Mail is a stored message.
type Mail struct {
	ID          int64      `db:"id"`
	Key         string     `db:"message_key"`
	RawSHA256   string     `db:"raw_sha256"`
	Size        int64      `db:"size"`
	Via         string     `db:"via"`
	Mailbox     Mailbox    `db:"mailbox"`
	From        string     `db:"from_address"`
	FromName    string     `db:"from_name"`
	Subject     string     `db:"subject"`
	ReceivedAt  time.Time  `db:"received_at"`
	State       string     `db:"state"`
	Reason      string     `db:"reason"`
	SPF         string     `db:"auth_spf"`
	DKIM        string     `db:"auth_dkim"`
	DMARC       string     `db:"auth_dmarc"`
	TicketID    *int64     `db:"ticket_id"`
	OrgID       *int64     `db:"org_id"`
	SenderID    *int64     `db:"sender_id"`
	ProcessedAt *time.Time `db:"processed_at"`
	ProcessedBy *int64     `db:"processed_by"`
	Label       string     `db:"-"` // what became of it, as a page says it
}

// MessageID is the message's Message-ID, "" when it had none.
func (m *Mail) MessageID() string {
	if strings.HasPrefix(m.Key, "sha256:") {
		return ""
	}
	return m.Key
}

// decision is what an agent decided about a held message before it is processed again.
type decision struct {
	agent     *audit.Actor // the agent who decided; nil for Tugi itself
	release   bool         // process it despite a DMARC failure or a rate limit
	orgID     int64        // the unknown sender's organisation, as the agent named it
	fromState []string
}

// Process processes stored message id if it still waits ('received'), as the job does
// for what Receive left.
func (s *Service) Process(ctx context.Context, id int64) (string, error) {
	return s.process(ctx, id, nil, decision{})
}

// process decides what message id becomes, in one transaction with what it makes: p is
// the message parsed (nil: read from the blob store).
func (s *Service) process(ctx context.Context, id int64, p *Parsed, d decision) (string, error) {
	if d.fromState == nil {
		d.fromState = []string{Received}
	}
	var state string
	err := database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var m Mail
		err := tx.GetContext(ctx, &m, lockMail, id, pq.Array(d.fromState))
		if errors.Is(err, sql.ErrNoRows) {
			state = "" // another process has it, or it was processed
			return nil
		}
		if err != nil {
			return err
		}
		if p == nil {
			if p, err = s.parseStored(ctx, tx, &m); err != nil {
				return err
			}
		}
		state, err = s.processIn(ctx, tx, &m, p, d)
		return err
	})
	if err != nil {
		s.countAttempt(ctx, id)
		return "", fmt.Errorf("inbound: process %d: %w", id, err)
	}
	return state, nil
}

// countAttempt counts a failed attempt at processing message id.
func (s *Service) countAttempt(ctx context.Context, id int64) {
	if _, err := s.db.ExecContext(context.WithoutCancel(ctx), countAttempt, id); err != nil {
		s.log.Warn("inbound: counting a failed attempt", "inbound_id", id, "error", err)
	}
}

// processIn decides what message m (locked, or stored, by tx) becomes, makes it, marks
// the message with it and records it, all in tx, and returns its new state.
func (s *Service) processIn(ctx context.Context, tx *sqlx.Tx, m *Mail, p *Parsed, d decision) (string, error) {
	in := &intake{s: s, tx: tx, m: m, p: p, d: d}
	o, err := in.decide(ctx)
	if err != nil {
		return "", err
	}
	var by *int64
	if d.agent != nil {
		by = &d.agent.UserID
	}
	if _, err := tx.ExecContext(ctx, setOutcome, m.ID, o.state, truncate(o.reason, 500), o.ticketID, o.orgID, o.senderID, by); err != nil {
		return "", err
	}
	ev := audit.Event{Action: "inbound.process", ObjectType: "inbound_mail", ObjectID: strconv.FormatInt(m.ID, 10),
		Changes: map[string]audit.Change{"state": {Old: m.State, New: o.state}}}
	if o.orgID != nil {
		ev.OrgID = *o.orgID
	}
	if o.ticketID != nil {
		ev.Changes["ticket_id"] = audit.Change{New: *o.ticketID}
	}
	who := actor
	if d.agent != nil {
		who = *d.agent
		ev.Action = "inbound.resolve"
	}
	return o.state, audit.Record(ctx, tx, who, ev)
}

func (s *Service) parseStored(ctx context.Context, q database.Queryer, m *Mail) (*Parsed, error) {
	raw, err := s.Raw(ctx, q, m)
	if errors.Is(err, ErrRawRemoved) {
		return &Parsed{From: m.From, FromName: m.FromName, Subject: m.Subject, Problems: []string{ErrRawRemoved.Error()}}, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := Parse(raw)
	if err != nil {
		return &Parsed{From: m.From, FromName: m.FromName, Subject: m.Subject, Problems: []string{err.Error()}}, nil
	}
	return p, nil
}

// Raw returns the raw message m as received.
func (s *Service) Raw(ctx context.Context, q database.Queryer, m *Mail) ([]byte, error) {
	if q == nil {
		q = s.db
	}
	if m.RawSHA256 == "" {
		return nil, ErrRawRemoved
	}
	r, err := s.blobs.Open(ctx, q, m.RawSHA256)
	if err != nil {
		return nil, fmt.Errorf("inbound: raw message %d: %w", m.ID, err)
	}
	defer r.Close()
	return io.ReadAll(r)
}

// outcome is what a message became.
type outcome struct {
	state, reason             string
	ticketID, orgID, senderID *int64
}

// intake is one message being processed, in the transaction tx.
type intake struct {
	s      *Service
	tx     *sqlx.Tx
	m      *Mail
	p      *Parsed
	d      decision
	sender *user.User // nil: no user has the address
}

func (in *intake) decide(ctx context.Context) (outcome, error) {
	p := in.p
	// A delivery status notification: mark who bounced; reopen nothing, tell nobody.
	if p.IsReport {
		for _, b := range p.Bounces {
			if _, err := in.tx.ExecContext(ctx, upsertBounce, truncate(b.Address, 320), truncate(b.Status, 20), b.Reason); err != nil {
				return outcome{}, err
			}
		}
		if len(p.Bounces) > 0 {
			return outcome{state: Bounced, reason: bounceReason(p.Bounces)}, nil
		}
		return outcome{state: Automatic, reason: "report"}, nil
	}
	if p.From == "" {
		return outcome{state: Discarded, reason: "no sender"}, nil
	}
	u, err := user.NewStore(in.tx).ByEmail(ctx, p.From)
	switch {
	case errors.Is(err, user.ErrNotFound):
	case err != nil:
		return outcome{}, err
	default:
		in.sender = u
	}
	// An agent named the organisation of an unknown sender: they become its contact.
	if in.sender == nil && in.d.orgID != 0 {
		if err := in.newContact(ctx, in.agentActor(), in.d.orgID); err != nil {
			return outcome{}, err
		}
	}
	o := outcome{}
	if p.Auto == NotAuto {
		if _, err := in.tx.ExecContext(ctx, clearBounce, p.From); err != nil {
			return outcome{}, err
		}
		var n int
		if err := in.tx.GetContext(ctx, &n, countFromSender, p.From, in.s.limits.PerSenderWindow.Seconds(), in.m.ID); err != nil {
			return outcome{}, err
		}
		if n >= in.s.limits.PerSender && !in.d.release {
			o.state, o.reason, o.senderID = RateLimited, "sender", in.senderID()
			return o, nil
		}
		// A DMARC failure is held when the sender claims to be someone Tugi trusts: a
		// customer's domain, or a member of staff (whose mail to the security address
		// would be their incident report, in their name).
		if p.Auth.DMARC == "fail" && !in.d.release {
			known := in.sender != nil && !in.sender.Roles.Has(access.Customer)
			if !known {
				if known, err = in.knownDomain(ctx); err != nil {
					return outcome{}, err
				}
			}
			if known {
				o.state, o.reason, o.senderID = Held, HeldDMARC, in.senderID()
				return o, nil
			}
		}
		// An unknown sender at a domain an admin listed becomes a contact of its
		// organisation, before threading, so their reply reaches their colleagues' ticket.
		if in.sender == nil {
			orgID, err := in.domainOrg(ctx)
			if err != nil {
				return outcome{}, err
			}
			if orgID != 0 {
				if err := in.newContact(ctx, actor, orgID); err != nil {
					return outcome{}, err
				}
			}
		}
	}
	target, err := in.thread(ctx)
	if err != nil {
		return outcome{}, err
	}
	o.senderID = in.senderID()
	if target != nil {
		o.ticketID, o.orgID = &target.ID, &target.OrgID
	}

	// Automatic mail is never answered (RFC 3834): an out-of-office on a ticket becomes
	// a note and changes nothing; anything else automatic makes nothing.
	if p.Auto != NotAuto {
		o.reason = string(p.Auto)
		if target == nil || p.Auto != AutoReply {
			o.state = Automatic
			return o, nil
		}
		if held, err := in.overTicketLimit(ctx, target.ID); err != nil || held {
			o.state = RateLimited
			return o, err
		}
		note := fmt.Sprintf("Automatic reply from %s (nothing was changed):", p.From) + "\n\n" + truncate(Fold(p.Text).Latest, 2000)
		if err := in.s.tickets.NoteFromMail(ctx, in.tx, actor, target.ID, note); err != nil {
			return outcome{}, err
		}
		o.state = MadeNote
		return o, nil
	}

	switch {
	case in.sender != nil && !in.sender.Active:
		o.state, o.reason = Held, HeldInactive
		return o, nil
	case in.sender != nil && !in.sender.Roles.Has(access.Customer):
		return in.fromStaff(ctx, o)
	}
	if in.sender == nil {
		o.state = UnknownSender
		return o, nil
	}
	// A contact who has no password yet (made by this mail, or an earlier one) is mailed
	// a link to set one, unless a link they have can still be used; not when their mail
	// asked for no automatic answer.
	if in.sender.PasswordHash == "" && in.s.passwords != nil && !p.SuppressAuto {
		if _, err := in.s.passwords.Issue(ctx, in.tx, in.agentActor(), in.sender); err != nil {
			return outcome{}, err
		}
	}
	v := in.sender.Viewer()
	req := in.request()
	if target != nil {
		if held, err := in.overTicketLimit(ctx, target.ID); err != nil || held {
			o.state, o.reason = RateLimited, "ticket"
			return o, err
		}
		refused, err := in.s.tickets.ReplyFromMail(ctx, in.tx, actor, v, target.ID, req)
		switch {
		case errors.Is(err, ticket.ErrClosed), errors.Is(err, ticket.ErrReopenExpired):
			// A closed ticket takes no more: the mail opens a new one.
		case err != nil:
			return outcome{}, err
		default:
			o.state, o.reason = MadeReply, refusedReason(refused)
			return o, nil
		}
	}
	t, refused, err := in.s.tickets.CreateFromMail(ctx, in.tx, actor, v, req)
	if err != nil {
		return outcome{}, err
	}
	o.state, o.reason, o.ticketID, o.orgID = MadeTicket, refusedReason(refused), &t.ID, &t.OrgID
	return o, nil
}

// fromStaff handles mail from a staff member: an incident report to the security
// address (when the incident feature takes it); otherwise it waits for an agent.
func (in *intake) fromStaff(ctx context.Context, o outcome) (outcome, error) {
	if in.m.Mailbox == Security && in.s.incidents != nil {
		raw, err := in.s.Raw(ctx, in.tx, in.m)
		if err != nil {
			return outcome{}, err
		}
		ref, err := in.s.incidents.ReportByMail(ctx, in.sender.Viewer(), IncidentMail{Key: in.m.Key, Subject: in.subject(),
			Body: in.body(nil), Received: in.m.ReceivedAt, Files: in.files(), Raw: raw})
		if err != nil {
			return outcome{}, err
		}
		o.state, o.reason, o.ticketID, o.orgID = Incident, ref, nil, nil
		return o, nil
	}
	o.state, o.reason, o.ticketID, o.orgID = Held, HeldStaff, nil, nil
	return o, nil
}

// newContact makes the unknown sender a contact of organisation orgID: a customer
// account without a password (decide mails them a link to set one).
func (in *intake) newContact(ctx context.Context, who audit.Actor, orgID int64) error {
	u, err := user.CreateContact(ctx, in.tx, who, in.p.From, in.p.FromName, orgID)
	if err != nil {
		return err
	}
	in.sender = u
	return nil
}

func (in *intake) agentActor() audit.Actor {
	if in.d.agent != nil {
		return *in.d.agent
	}
	return actor
}

func (in *intake) senderID() *int64 {
	if in.sender == nil {
		return nil
	}
	return &in.sender.ID
}

// overTicketLimit reports whether ticket id has taken as much mail as the limit allows
// lately; the first message held back by it leaves a note saying so, for the agents.
func (in *intake) overTicketLimit(ctx context.Context, id int64) (bool, error) {
	if in.d.release { // an agent released it: the limit held it back for them to decide
		return false, nil
	}
	var c struct {
		Added int `db:"added"`
		Held  int `db:"held"`
	}
	if err := in.tx.GetContext(ctx, &c, countOnTicket, id, in.s.limits.PerTicketWindow.Seconds()); err != nil {
		return false, err
	}
	if c.Added < in.s.limits.PerTicket {
		return false, nil
	}
	if c.Held == 0 {
		note := fmt.Sprintf("More than %d e-mails reached this ticket within %s: further mail is held back, not added (see E-mail in the queue).",
			in.s.limits.PerTicket, in.s.limits.PerTicketWindow)
		if err := in.s.tickets.NoteFromMail(ctx, in.tx, actor, id, note); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (in *intake) domainOrg(ctx context.Context) (int64, error) {
	var id int64
	err := in.tx.GetContext(ctx, &id, selectDomainOrg, domainOf(in.p.From))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (in *intake) knownDomain(ctx context.Context) (bool, error) {
	var known bool
	err := in.tx.GetContext(ctx, &known, knownCustomerDomain, domainOf(in.p.From))
	return known, err
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(d)
}

// subject is the ticket's subject from the mail's: one line, 1 to 200 characters.
func (in *intake) subject() string {
	s := strings.TrimSpace(in.p.Subject)
	if s == "" {
		s = "(no subject)"
	}
	return truncateRunes(s, 200)
}

// body is the text the sender wrote now (quoted history and signature folded away; the
// whole message is kept raw), with what was left out said below it.
func (in *intake) body(refused []ticket.MailFileRefusal) string {
	text := Fold(in.p.Text).Latest
	if strings.TrimSpace(text) == "" {
		text = "(The e-mail has no text.)"
	}
	var notes []string
	for _, f := range in.p.Files {
		if strings.EqualFold(f.Name, "winmail.dat") {
			notes = append(notes, "winmail.dat is Outlook's own format (TNEF): ask the sender to send the mail again in HTML or plain text.")
		}
	}
	if len(in.p.Problems) > 0 {
		notes = append(notes, "Parts of the e-mail could not be read; the whole message is kept for download.")
	}
	if len(notes) > 0 {
		text += "\n\n[" + strings.Join(notes, " ") + "]"
	}
	return truncateRunes(text, 19000)
}

// files are the mail's files, as the ticket checks them.
func (in *intake) files() []ticket.File {
	var fs []ticket.File
	for _, a := range in.p.Files {
		fs = append(fs, ticket.FileOf(a.Name, a.Data))
	}
	return fs
}

func (in *intake) request() ticket.MailRequest {
	return ticket.MailRequest{Subject: in.subject(), Body: in.body(nil), Security: in.m.Mailbox == Security,
		MailID: in.p.MessageID, Files: in.files(), Quiet: in.p.SuppressAuto}
}

// refusedReason says which files of a mail were not attached, and why.
func refusedReason(refused []ticket.MailFileRefusal) string {
	var parts []string
	for _, r := range refused {
		parts = append(parts, r.Name+" ("+r.Reason+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return "not attached: " + strings.Join(parts, ", ")
}

func bounceReason(bs []Bounce) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.Address+" "+b.Status)
	}
	return strings.Join(parts, ", ")
}

// truncateRunes is s cut to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// ProcessLeft processes the messages left unprocessed for longer than after (a crash
// between storing and processing, a failed attempt), and returns how many it processed.
// Several processes may run it at once: each message is locked, skipping those another
// holds.
func (s *Service) ProcessLeft(ctx context.Context, after time.Duration) (int, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, selectUnprocessed, after.Seconds(), 100); err != nil {
		return 0, fmt.Errorf("inbound: unprocessed: %w", err)
	}
	n := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		state, err := s.Process(ctx, id)
		if err != nil {
			s.log.Error("inbound mail not processed", "inbound_id", id, "error", err)
			continue
		}
		if state != "" {
			n++
		}
	}
	return n, nil
}
