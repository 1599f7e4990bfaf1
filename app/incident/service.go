package incident

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/blob"
	"tugi/app/database"
	"tugi/app/formtoken"
	"tugi/app/ticket"
)

// Errors of the service that handlers turn into messages or statuses.
var (
	// ErrNotAllowed: the person may see the incident but not make this change (a
	// reporter moving it, a handler closing it), or may not report at all (a customer).
	ErrNotAllowed = errors.New("incident: not allowed")
	// ErrNotAgent: a handler must be an active agent of User Support.
	ErrNotAgent = errors.New("incident: not an active agent")
	// ErrNotCISO: an owner must be an active CISO.
	ErrNotCISO = errors.New("incident: not an active CISO")
	// ErrBadMove: the incident cannot move to that state from where it is.
	ErrBadMove = errors.New("incident: no such move")
)

// CloseRefusedError is a refusal to close: the reasons of CloseRefusals.
type CloseRefusedError struct{ Reasons []string }

func (e *CloseRefusedError) Error() string {
	return "incident: closing refused: " + strings.Join(e.Reasons, " ")
}

// Options are what the service is built from.
type Options struct {
	DB *sqlx.DB
	// PublicURL is the address people use, for links in e-mail notices; "" queues no
	// notices (the demo loader).
	PublicURL string
	// Now tells the time; time.Now when nil.
	Now func() time.Time
	// Blobs keeps evidence files' bytes; blob.Postgres when nil.
	Blobs blob.Store
	// Files limits the evidence files of one upload, as a ticket message's are limited
	// (the organisation quota does not apply: evidence is the vendor's own);
	// ticket.DefaultAttachmentLimits when zero.
	Files ticket.AttachmentLimits
}

// Service changes incidents. Each operation is one transaction: it locks the incident
// (if the person may see it at all), checks that they may make the change, makes it,
// writes a timeline entry and the e-mail notices, and records its audit event, so all of
// it commits together or not at all.
type Service struct {
	db        *sqlx.DB
	publicURL string
	now       func() time.Time
	blobs     blob.Store
	limits    ticket.AttachmentLimits
}

// NewService returns the incident service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Blobs == nil {
		o.Blobs = blob.Postgres{}
	}
	if o.Files == (ticket.AttachmentLimits{}) {
		o.Files = ticket.DefaultAttachmentLimits
	}
	o.Files.OrgQuota = 0
	return &Service{db: o.DB, publicURL: strings.TrimSuffix(o.PublicURL, "/"), now: o.Now, blobs: o.Blobs, limits: o.Files}
}

// Now is the service's time.
func (s *Service) Now() time.Time { return s.now() }

// Limits are the limits of evidence files.
func (s *Service) Limits() ticket.AttachmentLimits { return s.limits }

// Path is where incident id's page is.
func Path(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

// RoleOf is what v is to inc, as read with v's scope.
func RoleOf(v *access.Viewer, inc *Incident) Role {
	switch {
	case inc == nil || inc.Access == NoAccess:
		return NoRole
	case ScopeOf(v).CISO:
		return AsCISO
	case inc.Access == Full:
		return AsHandler
	}
	return AsReporter
}

// ReportRequest is a report of a security incident: what happened is the only part
// required.
type ReportRequest struct {
	Summary      string
	NoticedAt    *time.Time
	SystemOrData string
	PersonalData PersonalData // PersonalUnknown when empty
	OrgIDs       []int64      // customer organisations that may be affected
	OrgsUnknown  bool         // the reporter does not know which
	Files        []ticket.File
	Channel      Channel // ChannelWeb when empty
	TicketID     int64   // the customer ticket it was made from (ChannelTicket)
}

// Report records a security incident reported by v (any member of staff; a customer
// may not): it gets its reference at once, the CISOs are told by e-mail, and the
// reporter is sent a confirmation. The e-mail intake calls it for mail to the security
// address, with the sender as v and ChannelEmail.
func (s *Service) Report(ctx context.Context, actor audit.Actor, v *access.Viewer, r ReportRequest) (*Incident, error) {
	if !v.IsStaff() || v.UserID == 0 {
		return nil, ErrNotAllowed
	}
	r.Summary = strings.TrimSpace(r.Summary)
	if r.Summary == "" {
		return nil, fmt.Errorf("incident: report without a summary: %w", ErrNotAllowed)
	}
	if r.PersonalData == "" {
		r.PersonalData = PersonalUnknown
	}
	if !r.PersonalData.Valid() {
		return nil, fmt.Errorf("incident: personal data %q: %w", r.PersonalData, ErrNotAllowed)
	}
	if r.Channel == "" {
		r.Channel = ChannelWeb
	}
	files, err := s.limits.Check(r.Files)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var inc *Incident
	err = database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		year := ReferenceYear(now)
		if err := st.exec(ctx, "number", referenceLock, year); err != nil {
			return err
		}
		var id struct {
			ID        int64  `db:"id"`
			Reference string `db:"reference"`
		}
		if err := tx.GetContext(ctx, &id, insertIncident, year, r.Summary, r.NoticedAt, strings.TrimSpace(r.SystemOrData),
			r.PersonalData, r.OrgsUnknown, v.UserID, r.Channel, now); err != nil {
			return fmt.Errorf("incident store: insert: %w", err)
		}
		for _, org := range r.OrgIDs {
			if err := st.exec(ctx, "organisation", insertOrganisation, id.ID, org, v.UserID, now); err != nil {
				return err
			}
		}
		if r.TicketID != 0 {
			if err := st.exec(ctx, "link ticket", insertTicketLink, id.ID, r.TicketID, v.UserID, now); err != nil {
				return err
			}
		}
		if err := st.timelineAction(ctx, id.ID, now, v.UserID, true, "Reported", ""); err != nil {
			return err
		}
		var evidence []int64
		for _, f := range files {
			eid, err := s.storeEvidence(ctx, tx, id.ID, v.UserID, f, now)
			if err != nil {
				return err
			}
			evidence = append(evidence, eid)
		}
		if err := formtoken.Locate(ctx, tx, Path(id.ID)); err != nil {
			return err
		}
		inc = &Incident{ID: id.ID, Reference: id.Reference, Summary: r.Summary, ReporterID: v.UserID, State: Reported,
			Channel: r.Channel, ReportedAt: now, AwareAt: now, CreatedAt: now, UpdatedAt: now}
		if err := s.notifyReported(ctx, tx, inc, v.UserID); err != nil {
			return err
		}
		changes := map[string]audit.Change{"reference": {New: id.Reference}, "channel": {New: r.Channel},
			"personal_data": {New: r.PersonalData}}
		if len(r.OrgIDs) > 0 {
			changes["organisations"] = audit.Change{New: r.OrgIDs}
		}
		if r.TicketID != 0 {
			changes["ticket_id"] = audit.Change{New: r.TicketID}
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "incident.report", ObjectType: "incident",
			ObjectID: strconv.FormatInt(id.ID, 10), Changes: changes}); err != nil {
			return err
		}
		// Each evidence file's upload is an event of the chain of custody of its own.
		for _, eid := range evidence {
			if err := recordCustody(ctx, tx, actor, id.ID, eid, "incident.evidence_upload"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// uploaded is a file checked by ticket.AttachmentLimits.Check.
type uploaded interface {
	Name() string
	ContentType() string
	Size() int64
	Open() (io.ReadCloser, error)
}

// storeEvidence keeps file f as evidence of incident id, uploaded by by.
func (s *Service) storeEvidence(ctx context.Context, tx *sqlx.Tx, id, by int64, f uploaded, now time.Time) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("incident: open %q: %w", f.Name(), err)
	}
	ref, err := s.blobs.Put(ctx, tx, rc)
	rc.Close()
	if err != nil {
		return 0, err
	}
	var eid int64
	if err := tx.GetContext(ctx, &eid, insertEvidence, id, f.Name(), f.ContentType(), ref.Size, ref.SHA256, by, now); err != nil {
		return 0, fmt.Errorf("incident store: evidence of %d: %w", id, err)
	}
	return eid, nil
}

// recordCustody records an evidence file's upload or download.
func recordCustody(ctx context.Context, q database.Queryer, actor audit.Actor, id, eid int64, action string) error {
	return audit.Record(ctx, q, actor, audit.Event{Action: action, ObjectType: "incident",
		ObjectID: strconv.FormatInt(id, 10), Changes: map[string]audit.Change{"evidence_id": {New: eid}}})
}

// timelineAction adds what was done to incident id's timeline: what, a fixed phrase
// (translated where it is shown), and its detail, if any (a name, a reference, states).
func (st *Store) timelineAction(ctx context.Context, id int64, at time.Time, author int64, forReporter bool, what, detail string) error {
	body := what
	if detail != "" {
		body += ": " + detail
	}
	return st.addEntry(ctx, id, at, author, Action, forReporter, body)
}

// addEntry adds an entry to incident id's timeline.
func (st *Store) addEntry(ctx context.Context, id int64, at time.Time, author int64, kind EntryKind, forReporter bool, body string) error {
	var by *int64
	if author != 0 {
		by = &author
	}
	return st.exec(ctx, "timeline", insertEntry, id, at, by, kind, forReporter, body)
}

// change runs one change of incident id by v: it locks the incident within v's scope
// (ErrNotFound if v may not see it), refuses with ErrNotAllowed unless v's role on it
// is at least least, runs fn, and records the audit event fn returns.
func (s *Service) change(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, least Role,
	fn func(tx *sqlx.Tx, st *Store, inc *Incident, role Role, now time.Time) (audit.Event, error)) error {
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		inc, err := st.Lock(ctx, ScopeOf(v), id)
		if err != nil {
			return err
		}
		role := RoleOf(v, inc)
		if role < least {
			return ErrNotAllowed
		}
		now := s.now()
		ev, err := fn(tx, st, inc, role, now)
		if err != nil {
			return err
		}
		if err := st.exec(ctx, "touch", touchIncident, id, now); err != nil {
			return err
		}
		ev.ObjectType, ev.ObjectID = "incident", strconv.FormatInt(id, 10)
		return audit.Record(ctx, tx, actor, ev)
	})
}

// Classification is what triage sets: the ENISA class and type, the impacts, the
// urgency, and the moments it happened and was detected.
type Classification struct {
	Class, Type string
	C, I, A     Level
	Urgency     Urgency
	OccurredAt  *time.Time
	DetectedAt  *time.Time
}

// Classify sets an incident's classification, and with it the severity the matrix
// gives. The CISO and the handlers may.
func (s *Service) Classify(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, c Classification) error {
	if _, _, ok := TaxonomyOf(c.Class, c.Type); !ok {
		return fmt.Errorf("incident: taxonomy %q/%q: %w", c.Class, c.Type, ErrNotAllowed)
	}
	sev, err := ComputeSeverity(c.C, c.I, c.A, c.Urgency)
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrNotAllowed)
	}
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if inc.State.Done() {
			return audit.Event{}, ErrNotAllowed
		}
		if err := st.exec(ctx, "classify", updateClassification, id, c.Class, c.Type, c.C, c.I, c.A, c.Urgency, sev,
			c.OccurredAt, c.DetectedAt, now); err != nil {
			return audit.Event{}, err
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Classified", sev.Label()); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.classify", Changes: map[string]audit.Change{
			"class": {Old: inc.TaxonomyClass, New: c.Class}, "type": {Old: inc.TaxonomyType, New: c.Type},
			"impact": {New: []Level{c.C, c.I, c.A}}, "urgency": {New: c.Urgency},
			"severity_computed": {Old: inc.SeverityComputed, New: sev}}}, nil
	})
}

// OverrideSeverity sets the severity in force to sev, with the stated reason, in place
// of the matrix's; sev "" returns to the matrix's. Only the CISO may.
func (s *Service) OverrideSeverity(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, sev Severity, reason string) error {
	reason = strings.TrimSpace(reason)
	if sev != "" && (!sev.Valid() || reason == "") {
		return fmt.Errorf("incident: override %q without a reason: %w", sev, ErrNotAllowed)
	}
	return s.change(ctx, actor, v, id, AsCISO, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if inc.State.Done() {
			return audit.Event{}, ErrNotAllowed
		}
		var to *Severity
		if sev != "" {
			to = &sev
		} else {
			reason = ""
		}
		if err := st.exec(ctx, "override", updateOverride, id, to, reason, now); err != nil {
			return audit.Event{}, err
		}
		what, detail := "Severity set by the CISO", sev.Label()+" ("+reason+")"
		if sev == "" {
			what, detail = "Severity override removed", ""
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, what, detail); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.severity_override", Changes: map[string]audit.Change{
			"severity_override": {Old: inc.SeverityOverride, New: to}}}, nil
	})
}

// Decisions are the CISO's triage decisions, each with its rationale: when the vendor
// became aware (nil: when it was reported), whether it is a personal-data breach and
// whether a significant incident under NIS2 (nil: not decided).
type Decisions struct {
	AwareAt                 *time.Time
	AwareJustification      string
	PersonalBreach          *bool
	PersonalBreachRationale string
	NIS2Significant         *bool
	NIS2Rationale           string
}

// Decide records the CISO's decisions. A moment of awareness other than the report's
// needs its justification, and a decision its rationale. Classing it significant records
// when (significant_at: now, the first time).
func (s *Service) Decide(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, d Decisions) error {
	d.AwareJustification = strings.TrimSpace(d.AwareJustification)
	d.PersonalBreachRationale = strings.TrimSpace(d.PersonalBreachRationale)
	d.NIS2Rationale = strings.TrimSpace(d.NIS2Rationale)
	if (d.AwareAt != nil && d.AwareJustification == "") || (d.PersonalBreach != nil && d.PersonalBreachRationale == "") ||
		(d.NIS2Significant != nil && d.NIS2Rationale == "") {
		return fmt.Errorf("incident: a decision without its reason: %w", ErrNotAllowed)
	}
	return s.change(ctx, actor, v, id, AsCISO, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		aware, by := inc.ReportedAt, (*int64)(nil)
		if d.AwareAt != nil {
			aware, by = *d.AwareAt, &v.UserID
		} else {
			d.AwareJustification = ""
		}
		breachAt := inc.PersonalBreachDecidedAt
		if !sameBool(d.PersonalBreach, inc.PersonalBreach) {
			breachAt = nil
			if d.PersonalBreach != nil {
				breachAt = &now
			}
		}
		sigAt := inc.SignificantAt
		switch {
		case d.NIS2Significant == nil || !*d.NIS2Significant:
			sigAt = nil
		case sigAt == nil:
			sigAt = &now
		}
		if d.PersonalBreach == nil {
			d.PersonalBreachRationale = ""
		}
		if d.NIS2Significant == nil {
			d.NIS2Rationale = ""
		}
		if err := st.exec(ctx, "decide", updateDecisions, id, aware, d.AwareJustification, by,
			d.PersonalBreach, d.PersonalBreachRationale, breachAt, d.NIS2Significant, d.NIS2Rationale, sigAt, now); err != nil {
			return audit.Event{}, err
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Triage decisions recorded", ""); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.decide", Changes: map[string]audit.Change{
			"aware_at":         {Old: inc.AwareAt, New: aware},
			"personal_breach":  {Old: inc.PersonalBreach, New: d.PersonalBreach},
			"nis2_significant": {Old: inc.NIS2Significant, New: d.NIS2Significant}}}, nil
	})
}

func sameBool(a, b *bool) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// AddHandler names agent userID a handler of the incident and tells them by e-mail
// (its reference and a link only). Only the CISO may; the handler must be an active
// agent. A CISO naming the first handler of an incident with no owner becomes its owner.
func (s *Service) AddHandler(ctx context.Context, actor audit.Actor, v *access.Viewer, id, userID int64) error {
	return s.change(ctx, actor, v, id, AsCISO, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		agents, err := st.Agents(ctx)
		if err != nil {
			return audit.Event{}, err
		}
		var who *Person
		for i := range agents {
			if agents[i].ID == userID {
				who = &agents[i]
			}
		}
		if who == nil {
			return audit.Event{}, ErrNotAgent
		}
		if err := st.exec(ctx, "name handler", insertHandler, id, userID, v.UserID, now); err != nil {
			return audit.Event{}, err
		}
		if inc.OwnerID == nil {
			if err := st.exec(ctx, "owner", updateOwner, id, v.UserID, now); err != nil {
				return audit.Event{}, err
			}
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Handler named", who.Name); err != nil {
			return audit.Event{}, err
		}
		if err := s.notifyHandler(ctx, tx, inc, userID); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.handler_add", Changes: map[string]audit.Change{"handler_id": {New: userID}}}, nil
	})
}

// RemoveHandler removes handler userID from the incident: they see it no more. Only the
// CISO may.
func (s *Service) RemoveHandler(ctx context.Context, actor audit.Actor, v *access.Viewer, id, userID int64) error {
	return s.change(ctx, actor, v, id, AsCISO, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if err := st.exec(ctx, "remove handler", deleteHandler, id, userID); err != nil {
			return audit.Event{}, err
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Handler removed", ""); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.handler_remove", Changes: map[string]audit.Change{"handler_id": {Old: userID}}}, nil
	})
}

// SetOwner makes CISO userID the incident's owner. Only the CISO may.
func (s *Service) SetOwner(ctx context.Context, actor audit.Actor, v *access.Viewer, id, userID int64) error {
	return s.change(ctx, actor, v, id, AsCISO, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		cisos, err := st.CISOs(ctx)
		if err != nil {
			return audit.Event{}, err
		}
		found := false
		for _, c := range cisos {
			found = found || c.ID == userID
		}
		if !found {
			return audit.Event{}, ErrNotCISO
		}
		if err := st.exec(ctx, "owner", updateOwner, id, userID, now); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.owner", Changes: map[string]audit.Change{"owner_id": {Old: inc.OwnerID, New: userID}}}, nil
	})
}

// Move moves the incident to state to, as far as v's role on it allows (Moves): the
// handlers through handling, the CISO also to closed (if CloseRefusals has no reason)
// and to "not an incident" (with reason). The reporter is told of the new state by
// e-mail.
func (s *Service) Move(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, to State, reason string) error {
	reason = strings.TrimSpace(reason)
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, role Role, now time.Time) (audit.Event, error) {
		if !mayMove(inc.State, to, role) {
			if to.Valid() && !inc.State.Done() && (to == Closed || to == NotIncident) && role != AsCISO {
				return audit.Event{}, ErrNotAllowed
			}
			return audit.Event{}, ErrBadMove
		}
		if to == NotIncident && reason == "" {
			return audit.Event{}, fmt.Errorf("incident: not an incident without a reason: %w", ErrNotAllowed)
		}
		if to == Closed {
			reasons, err := st.CloseRefusals(ctx, inc)
			if err != nil {
				return audit.Event{}, err
			}
			if len(reasons) > 0 {
				return audit.Event{}, &CloseRefusedError{Reasons: reasons}
			}
		}
		if to != NotIncident {
			reason = inc.NotIncidentReason
		}
		if err := st.exec(ctx, "move", updateState, id, to, reason, now); err != nil {
			return audit.Event{}, err
		}
		if inc.OwnerID == nil && role == AsCISO {
			if err := st.exec(ctx, "owner", updateOwner, id, v.UserID, now); err != nil {
				return audit.Event{}, err
			}
		}
		detail := inc.State.Label() + " → " + to.Label()
		if to == NotIncident {
			detail += " (" + reason + ")"
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "State changed", detail); err != nil {
			return audit.Event{}, err
		}
		if err := s.notifyReporter(ctx, tx, inc, v.UserID); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.state", Changes: map[string]audit.Change{"state": {Old: inc.State, New: to}}}, nil
	})
}

// AddNote adds a note to the timeline: internal, or told to the reporter (who is then
// told by e-mail that there is news). The CISO and the handlers may.
func (s *Service) AddNote(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, body string, tellReporter bool) error {
	body = strings.TrimSpace(body)
	if body == "" {
		return fmt.Errorf("incident: empty note: %w", ErrNotAllowed)
	}
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if err := st.addEntry(ctx, id, now, v.UserID, Note, tellReporter, body); err != nil {
			return audit.Event{}, err
		}
		if tellReporter {
			if err := s.notifyReporter(ctx, tx, inc, v.UserID); err != nil {
				return audit.Event{}, err
			}
		}
		return audit.Event{Action: "incident.note", Changes: map[string]audit.Change{"for_reporter": {New: tellReporter}}}, nil
	})
}

// AddTask adds a task with its owner (a handler or the CISO; 0: none) and due time.
func (s *Service) AddTask(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, title string, owner int64, due *time.Time) error {
	title = strings.TrimSpace(title)
	if title == "" {
		return fmt.Errorf("incident: task without a title: %w", ErrNotAllowed)
	}
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		var ownerID *int64
		if owner != 0 {
			ok, err := s.mayOwnTask(ctx, st, inc, owner)
			if err != nil {
				return audit.Event{}, err
			}
			if !ok {
				return audit.Event{}, ErrNotAgent
			}
			ownerID = &owner
		}
		var tid int64
		if err := tx.GetContext(ctx, &tid, insertTask, id, title, ownerID, due, v.UserID, now); err != nil {
			return audit.Event{}, fmt.Errorf("incident store: task of %d: %w", id, err)
		}
		return audit.Event{Action: "incident.task_add", Changes: map[string]audit.Change{"task_id": {New: tid}, "owner_id": {New: ownerID}}}, nil
	})
}

// TaskOwners are the people a task of an incident with handlers may be given: its handlers and the CISOs.
func (s *Service) TaskOwners(ctx context.Context, handlers []NamedHandler) ([]Person, error) {
	cisos, err := NewStore(s.db).CISOs(ctx)
	if err != nil {
		return nil, err
	}
	ps := make([]Person, 0, len(cisos)+len(handlers))
	ps = append(ps, cisos...)
	for _, h := range handlers {
		ps = append(ps, Person{ID: h.UserID, Name: h.Name, Email: h.Email})
	}
	return ps, nil
}

func (s *Service) mayOwnTask(ctx context.Context, st *Store, inc *Incident, userID int64) (bool, error) {
	d, err := st.Details(ctx, Scope{CISO: true}, inc.ID)
	if err != nil {
		return false, err
	}
	ps, err := s.TaskOwners(ctx, d.Handlers)
	if err != nil {
		return false, err
	}
	for _, p := range ps {
		if p.ID == userID {
			return true, nil
		}
	}
	return false, nil
}

// CompleteTask marks a task done.
func (s *Service) CompleteTask(ctx context.Context, actor audit.Actor, v *access.Viewer, id, taskID int64) error {
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		res, err := tx.ExecContext(ctx, completeTask, id, taskID, now, v.UserID)
		if err != nil {
			return audit.Event{}, fmt.Errorf("incident store: task %d done: %w", taskID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return audit.Event{}, ErrNotFound
		}
		return audit.Event{Action: "incident.task_done", Changes: map[string]audit.Change{"task_id": {New: taskID}}}, nil
	})
}

// AddEvidence keeps files as evidence of the incident; each upload is an event of the
// chain of custody. The CISO and the handlers may.
func (s *Service) AddEvidence(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, files []ticket.File) error {
	checked, err := s.limits.Check(files)
	if err != nil {
		return err
	}
	if len(checked) == 0 {
		return fmt.Errorf("incident: no evidence file: %w", ErrNotAllowed)
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st := NewStore(tx)
		inc, err := st.Lock(ctx, ScopeOf(v), id)
		if err != nil {
			return err
		}
		if RoleOf(v, inc) < AsHandler {
			return ErrNotAllowed
		}
		now := s.now()
		for _, f := range checked {
			eid, err := s.storeEvidence(ctx, tx, id, v.UserID, f, now)
			if err != nil {
				return err
			}
			if err := recordCustody(ctx, tx, actor, id, eid, "incident.evidence_upload"); err != nil {
				return err
			}
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Evidence added", ""); err != nil {
			return err
		}
		return st.exec(ctx, "touch", touchIncident, id, now)
	})
}

// Download returns evidence file eid of incident id with its content, for v, who must
// see the incident in full (ErrNotFound otherwise, whether or not it exists), and records
// the download in the chain of custody before the content is sent.
func (s *Service) Download(ctx context.Context, actor audit.Actor, v *access.Viewer, id, eid int64) (*Evidence, io.ReadCloser, error) {
	e, err := NewStore(s.db).Evidence(ctx, ScopeOf(v), id, eid)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.blobs.Open(ctx, s.db, e.SHA256)
	if err != nil {
		return nil, nil, err
	}
	if err := recordCustody(ctx, s.db, actor, id, eid, "incident.evidence_download"); err != nil {
		r.Close()
		return nil, nil, err
	}
	return e, r, nil
}

// Review is the post-incident review (ISO/IEC 27001 5.27).
type Review struct {
	WhatHappened, RootCause, Changes, Lessons string
}

// WriteReview writes the post-incident review. The CISO and the handlers may.
func (s *Service) WriteReview(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, r Review) error {
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if err := st.exec(ctx, "review", updateReview, id, strings.TrimSpace(r.WhatHappened), strings.TrimSpace(r.RootCause),
			strings.TrimSpace(r.Changes), strings.TrimSpace(r.Lessons), now, v.UserID); err != nil {
			return audit.Event{}, err
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Post-incident review written", ""); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.review"}, nil
	})
}

// AddOrganisation names a customer organisation the incident may affect. The CISO and
// the handlers may.
func (s *Service) AddOrganisation(ctx context.Context, actor audit.Actor, v *access.Viewer, id, orgID int64) error {
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if err := st.exec(ctx, "organisation", insertOrganisation, id, orgID, v.UserID, now); err != nil {
			return audit.Event{}, err
		}
		if err := st.exec(ctx, "organisations known", updateOrgsUnknown, id, false, now); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.organisation_add", OrgID: orgID, Changes: map[string]audit.Change{"org_id": {New: orgID}}}, nil
	})
}

// RemoveOrganisation removes an organisation from the incident's affected ones.
func (s *Service) RemoveOrganisation(ctx context.Context, actor audit.Actor, v *access.Viewer, id, orgID int64) error {
	return s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if err := st.exec(ctx, "organisation", deleteOrganisation, id, orgID); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.organisation_remove", OrgID: orgID, Changes: map[string]audit.Change{"org_id": {Old: orgID}}}, nil
	})
}

// FromTicket turns customer ticket ticketID into a new incident, reported by v (an
// agent or the CISO who may see the ticket): the ticket's subject becomes what
// happened, its organisation the affected one, and the two are linked. The ticket goes
// on answering its customer; nothing of the incident reaches it.
func (s *Service) FromTicket(ctx context.Context, actor audit.Actor, v *access.Viewer, ticketID int64, summary string) (*Incident, error) {
	t, err := ticket.NewStore(s.db).Get(ctx, ticket.ScopeOf(v), ticketID)
	if err != nil {
		return nil, err
	}
	if !ticket.ScopeOf(v).Staff() {
		return nil, ErrNotAllowed
	}
	summary = strings.TrimSpace(summary)
	if summary == "" {
		summary = t.Subject
	}
	return s.Report(ctx, actor, v, ReportRequest{Summary: summary + "\n\n(" + t.Reference() + ")", PersonalData: PersonalUnknown,
		OrgIDs: []int64{t.OrgID}, Channel: ChannelTicket, TicketID: t.ID})
}

// LinkTicket links customer ticket ticketID to the incident called ref, which v must see
// in full (ErrNotFound otherwise), as v must see the ticket.
func (s *Service) LinkTicket(ctx context.Context, actor audit.Actor, v *access.Viewer, ticketID int64, ref string) (int64, error) {
	t, err := ticket.NewStore(s.db).Get(ctx, ticket.ScopeOf(v), ticketID)
	if err != nil {
		return 0, err
	}
	if !ticket.ScopeOf(v).Staff() {
		return 0, ErrNotAllowed
	}
	id, err := NewStore(s.db).ByReference(ctx, ScopeOf(v), ref)
	if err != nil {
		return 0, err
	}
	err = s.change(ctx, actor, v, id, AsHandler, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		if err := st.exec(ctx, "link ticket", insertTicketLink, id, t.ID, v.UserID, now); err != nil {
			return audit.Event{}, err
		}
		if err := st.exec(ctx, "organisation", insertOrganisation, id, t.OrgID, v.UserID, now); err != nil {
			return audit.Event{}, err
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Ticket linked", t.Reference()); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Action: "incident.ticket_link", OrgID: t.OrgID, Changes: map[string]audit.Change{"ticket_id": {New: t.ID}}}, nil
	})
	return id, err
}

// TicketIncidents lists the incidents linked to ticket ticketID that v may see in full:
// what the ticket's page shows of them (nothing to anyone else).
func (s *Service) TicketIncidents(ctx context.Context, v *access.Viewer, ticketID int64) ([]Linked, error) {
	return NewStore(s.db).OfTicket(ctx, ScopeOf(v), ticketID)
}

// TicketIncidentLinks implements ticket.Incidents: the incidents linked to ticket id that
// v may see, for the ticket's page.
func (s *Service) TicketIncidentLinks(ctx context.Context, v *access.Viewer, id int64) ([]ticket.IncidentLink, error) {
	ls, err := s.TicketIncidents(ctx, v, id)
	if err != nil {
		return nil, err
	}
	out := make([]ticket.IncidentLink, len(ls))
	for i, l := range ls {
		out[i] = ticket.IncidentLink{ID: l.ID, Reference: l.Reference}
	}
	return out, nil
}
