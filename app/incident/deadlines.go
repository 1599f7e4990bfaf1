package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/i18n"
	"tugi/app/mail"
)

// The deadlines of incidents: the clocks (clock.go) of each incident, derived from its
// moments, its triage decisions, its affected organisations and the notices recorded, and
// the changes that stop them. Clocks are never stored: every reader derives them with
// Clocks from the same rows, so the incident page, the board, the deadline job and the
// closing rules agree.

// clockInput is what an incident's clocks are derived from.
type clockInput struct {
	ID                        int64      `db:"id"`
	Reference                 string     `db:"reference"`
	Summary                   string     `db:"summary"`
	State                     State      `db:"state"`
	Severity                  *Severity  `db:"severity"`
	OccurredAt                *time.Time `db:"occurred_at"`
	DetectedAt                *time.Time `db:"detected_at"`
	ReportedAt                time.Time  `db:"reported_at"`
	AwareAt                   time.Time  `db:"aware_at"`
	AwareJustification        string     `db:"aware_justification"`
	PersonalBreach            *bool      `db:"personal_breach"`
	NIS2Significant           *bool      `db:"nis2_significant"`
	SignificantAt             *time.Time `db:"significant_at"`
	VendorController          bool       `db:"vendor_controller"`
	VendorControllerRationale string     `db:"vendor_controller_rationale"`

	orgs    []ClockOrg
	notices []Notice
}

func timeOr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// moments are the incident's moments as the clocks see them: awareness is the report's
// moment until the CISO records another with a justification.
func (in *clockInput) moments() ClockMoments {
	m := ClockMoments{Occurred: timeOr(in.OccurredAt), Detected: timeOr(in.DetectedAt), Reported: in.ReportedAt,
		Significant: timeOr(in.SignificantAt)}
	if in.AwareJustification != "" {
		m.Aware, m.AwareReason = in.AwareAt, in.AwareJustification
	}
	return m
}

func (in *clockInput) decisions() ClockDecisions {
	return ClockDecisions{
		Breach:           in.PersonalBreach != nil && *in.PersonalBreach,
		VendorController: in.VendorController,
		Significant:      in.NIS2Significant != nil && *in.NIS2Significant,
	}
}

func (in *clockInput) clocks(p ClockPolicy) []Clock {
	ns := make([]ClockNotice, len(in.notices))
	for i, n := range in.notices {
		ns[i] = ClockNotice{ID: n.ID, Kind: n.Kind, OrgID: n.org(), Submitted: n.SubmittedAt, LateReason: n.LateReason}
	}
	return Clocks(in.moments(), in.decisions(), in.orgs, ns, p)
}

// Notice is a recorded notice: to a customer, to the supervisory authority, or a NIS2
// report.
type Notice struct {
	ID              int64      `db:"id"`
	IncidentID      int64      `db:"incident_id"`
	Kind            ClockKind  `db:"kind"`
	OrgID           *int64     `db:"org_id"`
	OrgName         string     `db:"org_name"`
	SubmittedAt     time.Time  `db:"submitted_at"`
	SubmittedBy     int64      `db:"submitted_by"`
	SubmittedByName string     `db:"submitted_by_name"`
	RecordedAt      time.Time  `db:"recorded_at"`
	Channel         string     `db:"channel"`
	Reference       string     `db:"reference"`
	Subject         string     `db:"subject"`
	Body            string     `db:"body"`
	DueAt           *time.Time `db:"due_at"`
	LateReason      string     `db:"late_reason"`
}

func (n Notice) org() int64 {
	if n.OrgID == nil {
		return 0
	}
	return *n.OrgID
}

// clockInputs reads the clock inputs query selects (with the scope's parameters and
// args), with their organisations and notices.
func (st *Store) clockInputs(ctx context.Context, scope Scope, query string, args ...any) ([]*clockInput, error) {
	if scope.None() {
		return nil, nil
	}
	var ins []*clockInput
	if err := st.q.SelectContext(ctx, &ins, query, scope.args(args...)...); err != nil {
		return nil, fmt.Errorf("incident store: clock inputs: %w", err)
	}
	if len(ins) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ins))
	byID := make(map[int64]*clockInput, len(ins))
	for i, in := range ins {
		ids[i], byID[in.ID] = in.ID, in
	}
	var orgs []struct {
		IncidentID int64  `db:"incident_id"`
		ID         int64  `db:"id"`
		Name       string `db:"name"`
	}
	if err := st.q.SelectContext(ctx, &orgs, selectClockOrgs, scope.args(pq.Int64Array(ids))...); err != nil {
		return nil, fmt.Errorf("incident store: clock organisations: %w", err)
	}
	for _, o := range orgs {
		in := byID[o.IncidentID]
		in.orgs = append(in.orgs, ClockOrg{ID: o.ID, Name: o.Name})
	}
	var ns []Notice
	if err := st.q.SelectContext(ctx, &ns, selectClockNotices, scope.args(pq.Int64Array(ids))...); err != nil {
		return nil, fmt.Errorf("incident store: notices: %w", err)
	}
	for _, n := range ns {
		in := byID[n.IncidentID]
		in.notices = append(in.notices, n)
	}
	return ins, nil
}

// clockInput reads incident id's clock inputs; ErrNotFound unless scope sees it in full.
func (st *Store) clockInput(ctx context.Context, scope Scope, id int64) (*clockInput, error) {
	ins, err := st.clockInputs(ctx, scope, selectClockInput, id)
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, ErrNotFound
	}
	return ins[0], nil
}

// ClockPolicy reads the admin's settings of the clocks.
func (st *Store) ClockPolicy(ctx context.Context) (ClockPolicy, error) {
	var hours int
	if err := st.q.GetContext(ctx, &hours, getCustomerNoticeHours); err != nil {
		return ClockPolicy{}, fmt.Errorf("incident store: clock policy: %w", err)
	}
	return ClockPolicy{CustomerTarget: time.Duration(hours) * time.Hour}, nil
}

// Clocks returns incident id's clocks, its notices and the policy in force, if scope sees
// it in full (ErrNotFound otherwise).
func (st *Store) Clocks(ctx context.Context, scope Scope, id int64) ([]Clock, []Notice, ClockPolicy, error) {
	p, err := st.ClockPolicy(ctx)
	if err != nil {
		return nil, nil, p, err
	}
	in, err := st.clockInput(ctx, scope, id)
	if err != nil {
		return nil, nil, p, err
	}
	return in.clocks(p), in.notices, p, nil
}

// OpenClock is a running clock of an open incident, for the board and the deadline job.
type OpenClock struct {
	IncidentID int64
	Reference  string
	Summary    string
	Severity   Severity
	Clock
}

// OpenClocks returns the running clocks (running, due soon or overdue) of the open
// incidents scope sees in full, the soonest deadline first: overdue ones, most overdue
// first, then the rest.
func (st *Store) OpenClocks(ctx context.Context, scope Scope, now time.Time) ([]OpenClock, error) {
	p, err := st.ClockPolicy(ctx)
	if err != nil {
		return nil, err
	}
	ins, err := st.clockInputs(ctx, scope, selectOpenClockInputs)
	if err != nil {
		return nil, err
	}
	var out []OpenClock
	for _, in := range ins {
		sev := Severity("")
		if in.Severity != nil {
			sev = *in.Severity
		}
		for _, c := range in.clocks(p) {
			if c.State(now).Running() {
				out = append(out, OpenClock{IncidentID: in.ID, Reference: in.Reference, Summary: in.Summary, Severity: sev, Clock: c})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b OpenClock) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return int(a.IncidentID - b.IncidentID)
	})
	return out, nil
}

// The closing rules of the deadlines (CloseRefusals), English texts that i18n translates.
const (
	RefuseClockRuns      = "A deadline clock still runs: record the notice that stops it first."
	RefuseCustomerUnsent = "A notice to an affected customer is unsent: send it first."
)

// clockRefusals are the closing rules of the deadlines: an incident does not close while a
// clock still runs (or waits to start, as the final report does before the notification),
// or while an affected customer of a personal-data breach has not been sent its notice.
func (st *Store) clockRefusals(ctx context.Context, id int64) ([]string, error) {
	// The caller read the incident within its scope; the rules hold whoever asks.
	clocks, _, _, err := st.Clocks(ctx, Scope{CISO: true}, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var runs, unsent bool
	for _, c := range clocks {
		s := c.State(time.Time{}) // whether it stopped is all that matters here
		switch {
		case c.Kind == ClockCustomer && !s.Stopped():
			unsent = true
		case s == ClockWaiting || s.Running():
			runs = true
		}
	}
	var reasons []string
	if runs {
		reasons = append(reasons, RefuseClockRuns)
	}
	if unsent {
		reasons = append(reasons, RefuseCustomerUnsent)
	}
	return reasons, nil
}

// ClockLabel names a clock as people read it.
func ClockLabel(lang string, c Clock) string {
	switch c.Kind {
	case ClockCustomer:
		return i18n.T(lang, "notice to the customer %s", c.OrgName)
	case ClockAuthority:
		return i18n.T(lang, "GDPR Art. 33 notice to the supervisory authority")
	case ClockEarlyWarning:
		return i18n.T(lang, "NIS2 early warning")
	case ClockNotification:
		return i18n.T(lang, "NIS2 incident notification")
	case ClockFinalReport:
		return i18n.T(lang, "NIS2 final report")
	}
	return string(c.Kind)
}

// Errors of recording a notice, each shown beside its field.
var (
	ErrNoticeKind    = errors.New("incident: no such notice")
	ErrNoticeOrg     = errors.New("incident: the organisation is not affected")
	ErrNoticeWaiting = errors.New("incident: the final report waits for the notification")
	ErrNoticeWhen    = errors.New("incident: a notice's time must be past and after the report")
	ErrNoticeLate    = errors.New("incident: a late notice needs the reason for its delay")
	ErrNoticeBody    = errors.New("incident: a notice needs its text")
)

// NoticeChannels are the channels a notice other than a customer's may go by; customer
// notices go through Tugi ("tugi").
var NoticeChannels = []string{"portal", "email", "phone", "letter", "other"}

// NoticeRequest is a notice the CISO records.
type NoticeRequest struct {
	Kind      ClockKind
	OrgID     int64      // the customer told (ClockCustomer)
	Submitted *time.Time // when it was submitted (not for customer notices: sent now)
	Channel   string     // one of NoticeChannels (not for customer notices)
	Reference string
	Subject   string // the customer notice's subject
	Body      string
	// LateReason is the reason for the delay, required when the notice is late.
	LateReason string
}

// NoticePreview says what recording a notice of kind (and org) at a moment would mean: the
// clock it stops and whether it would be late.
func NoticePreview(clocks []Clock, kind ClockKind, orgID int64) (Clock, bool) {
	for _, c := range clocks {
		if c.Kind == kind && (kind != ClockCustomer || c.OrgID == orgID) {
			return c, true
		}
	}
	return Clock{}, false
}

// RecordNotice records a notice on incident id and returns its id. Only the CISO may. A
// customer notice is sent now, through Tugi: on the organisation's /notices and by e-mail
// to each of its active customer contacts. A notice submitted after its clock's deadline
// needs the reason for the delay (GDPR Art. 33(1)). The first notice of a kind (and
// organisation) stops its clock; later ones are kept as follow-ups.
func (s *Service) RecordNotice(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, r NoticeRequest) (int64, error) {
	r.Reference, r.Subject = strings.TrimSpace(r.Reference), strings.TrimSpace(r.Subject)
	r.Body, r.LateReason = strings.TrimSpace(r.Body), strings.TrimSpace(r.LateReason)
	if !r.Kind.Valid() {
		return 0, ErrNoticeKind
	}
	if r.Body == "" {
		return 0, ErrNoticeBody
	}
	if r.Kind == ClockCustomer {
		r.Channel, r.Submitted = "tugi", nil
		if r.Subject == "" {
			r.Subject = "Notice of a personal-data breach"
		}
	} else if !slices.Contains(NoticeChannels, r.Channel) {
		return 0, ErrNoticeKind
	}
	var noticeID int64
	err := s.change(ctx, actor, v, id, AsCISO, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		p, err := st.ClockPolicy(ctx)
		if err != nil {
			return audit.Event{}, err
		}
		in, err := st.clockInput(ctx, ScopeOf(v), id)
		if err != nil {
			return audit.Event{}, err
		}
		clocks := in.clocks(p)
		submitted := now
		if r.Submitted != nil {
			submitted = *r.Submitted
		}
		if submitted.After(now) || submitted.Before(inc.ReportedAt.Add(-365*24*time.Hour)) {
			return audit.Event{}, ErrNoticeWhen
		}
		c, ok := NoticePreview(clocks, r.Kind, r.OrgID)
		switch {
		case r.Kind == ClockCustomer && !slices.ContainsFunc(in.orgs, func(o ClockOrg) bool { return o.ID == r.OrgID }):
			return audit.Event{}, ErrNoticeOrg
		case r.Kind == ClockFinalReport && c.Start.IsZero():
			return audit.Event{}, ErrNoticeWaiting // it follows the notification
		}
		// The deadline this notice meets or misses: that of its clock, unless the clock does
		// not apply or an earlier notice stopped it (a follow-up).
		var due *time.Time
		if ok && c.Applies && c.Met.IsZero() {
			due = &c.Due
		}
		if due != nil && submitted.After(*due) && r.LateReason == "" {
			return audit.Event{}, ErrNoticeLate
		}
		if due == nil || !submitted.After(*due) {
			r.LateReason = ""
		}
		var org *int64
		if r.Kind == ClockCustomer {
			org = &r.OrgID
		}
		if err := st.q.GetContext(ctx, &noticeID, insertNotice, id, r.Kind, org, submitted, v.UserID, now,
			r.Channel, r.Reference, r.Subject, r.Body, due, r.LateReason); err != nil {
			return audit.Event{}, fmt.Errorf("incident store: notice: %w", err)
		}
		told := 0
		if r.Kind == ClockCustomer {
			if told, err = s.sendCustomerNotice(ctx, tx, noticeID, r); err != nil {
				return audit.Event{}, err
			}
		}
		detail := ""
		if r.Kind == ClockCustomer {
			for _, o := range in.orgs {
				if o.ID == r.OrgID {
					detail = o.Name
				}
			}
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, noticeEntry(r.Kind), detail); err != nil {
			return audit.Event{}, err
		}
		changes := map[string]audit.Change{
			"notice_id":    {New: noticeID},
			"kind":         {New: string(r.Kind)},
			"submitted_at": {New: submitted},
			"channel":      {New: r.Channel},
			"late":         {New: r.LateReason != ""},
		}
		if due != nil {
			changes["due_at"] = audit.Change{New: *due}
		}
		if org != nil {
			changes["org_id"] = audit.Change{New: *org}
			changes["contacts_told"] = audit.Change{New: told}
		}
		return audit.Event{Action: "incident.notice_recorded", OrgID: r.OrgID, Changes: changes}, nil
	})
	return noticeID, err
}

// sendCustomerNotice queues customer notice noticeID for each active customer contact of
// its organisation, records them as its recipients, and returns how many were told. The
// mail carries the notice's own text and a link to /notices: nothing of the incident.
func (s *Service) sendCustomerNotice(ctx context.Context, tx *sqlx.Tx, noticeID int64, r NoticeRequest) (int, error) {
	var contacts []Person
	if err := tx.SelectContext(ctx, &contacts, selectOrgContacts, r.OrgID); err != nil {
		return 0, fmt.Errorf("incident store: contacts of organisation %d: %w", r.OrgID, err)
	}
	for _, p := range contacts {
		if _, err := tx.ExecContext(ctx, insertRecipient, noticeID, p.ID); err != nil {
			return 0, fmt.Errorf("incident store: recipient: %w", err)
		}
		if s.publicURL == "" {
			continue
		}
		text := i18n.T(p.Language, "Dear %s,", p.Name) + "\n\n" + r.Body + "\n\n" +
			i18n.T(p.Language, "Please confirm that you have received this notice at %s", s.publicURL+"/notices") + "\n"
		if _, err := mail.Enqueue(ctx, tx, mail.Message{
			To:         mail.Address{Name: p.Name, Email: p.Email},
			Subject:    r.Subject,
			Text:       text,
			Thread:     mail.ThreadOf("notice", strconv.FormatInt(noticeID, 10)),
			Kind:       "incident.customer_notice",
			ObjectType: "incident_notice",
			ObjectID:   strconv.FormatInt(noticeID, 10),
			OrgID:      r.OrgID,
			UserID:     p.ID,
		}); err != nil {
			return 0, err
		}
	}
	return len(contacts), nil
}

// noticeEntry is the timeline's entry for a notice of kind k.
func noticeEntry(k ClockKind) string {
	switch k {
	case ClockCustomer:
		return "Notice sent to an affected customer"
	case ClockAuthority:
		return "Notice to the supervisory authority recorded"
	case ClockEarlyWarning:
		return "NIS2 early warning recorded"
	case ClockNotification:
		return "NIS2 incident notification recorded"
	}
	return "NIS2 final report recorded"
}

// Recipient is a customer contact a notice went to.
type Recipient struct {
	NoticeID       int64      `db:"notice_id"`
	Name           string     `db:"name"`
	Email          string     `db:"email"`
	AcknowledgedAt *time.Time `db:"acknowledged_at"`
}

// Recipients lists the contacts told by incident id's customer notices, if scope sees it
// in full.
func (st *Store) Recipients(ctx context.Context, scope Scope, id int64) ([]Recipient, error) {
	if scope.None() {
		return nil, nil
	}
	var rs []Recipient
	if err := st.q.SelectContext(ctx, &rs, selectNoticeRecipients, scope.args(id)...); err != nil {
		return nil, fmt.Errorf("incident store: recipients: %w", err)
	}
	return rs, nil
}

// BreachAccount is the breach register's account of an incident (GDPR Art. 33(5)) and the
// triage decision whether the vendor is the controller of the breached data.
type BreachAccount struct {
	VendorController          bool   `db:"vendor_controller"`
	VendorControllerRationale string `db:"vendor_controller_rationale"`
	Effects                   string `db:"breach_effects"`
	RemedialAction            string `db:"breach_remedial_action"`
	NotNotifiedReason         string `db:"breach_not_notified_reason"`
}

// ErrControllerRationale: the decision that the vendor is the controller needs its reason.
var ErrControllerRationale = errors.New("incident: the controller decision needs its rationale")

// BreachAccountOf reads incident id's account, if scope sees it in full.
func (st *Store) BreachAccountOf(ctx context.Context, scope Scope, id int64) (*BreachAccount, error) {
	if scope.None() {
		return nil, ErrNotFound
	}
	var a BreachAccount
	err := st.q.GetContext(ctx, &a, selectBreachAccount, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("incident store: breach account: %w", err)
	}
	return &a, nil
}

// RecordBreachAccount writes incident id's account for the breach register and the
// controller decision. Only the CISO may.
func (s *Service) RecordBreachAccount(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64, a BreachAccount) error {
	a.VendorControllerRationale = strings.TrimSpace(a.VendorControllerRationale)
	a.Effects, a.RemedialAction = strings.TrimSpace(a.Effects), strings.TrimSpace(a.RemedialAction)
	a.NotNotifiedReason = strings.TrimSpace(a.NotNotifiedReason)
	if a.VendorController && a.VendorControllerRationale == "" {
		return ErrControllerRationale
	}
	return s.change(ctx, actor, v, id, AsCISO, func(tx *sqlx.Tx, st *Store, inc *Incident, _ Role, now time.Time) (audit.Event, error) {
		old, err := st.BreachAccountOf(ctx, ScopeOf(v), id)
		if err != nil {
			return audit.Event{}, err
		}
		if err := st.exec(ctx, "breach account", updateBreachAccount, id, a.VendorController, a.VendorControllerRationale,
			a.Effects, a.RemedialAction, a.NotNotifiedReason, now); err != nil {
			return audit.Event{}, err
		}
		if err := st.timelineAction(ctx, id, now, v.UserID, false, "Breach register account recorded", ""); err != nil {
			return audit.Event{}, err
		}
		changed := func(a, b string) audit.Change { return audit.Change{Old: a != "", New: b != ""} }
		return audit.Event{Action: "incident.breach_account", Changes: map[string]audit.Change{
			"vendor_controller":   {Old: old.VendorController, New: a.VendorController},
			"effects":             changed(old.Effects, a.Effects),
			"remedial_action":     changed(old.RemedialAction, a.RemedialAction),
			"not_notified_reason": changed(old.NotNotifiedReason, a.NotNotifiedReason),
		}}, nil
	})
}

// CustomerNotice is a notice as its customer reads it on /notices: what it says, never
// the incident behind it.
type CustomerNotice struct {
	ID               int64      `db:"id"`
	SubmittedAt      time.Time  `db:"submitted_at"`
	Subject          string     `db:"subject"`
	Body             string     `db:"body"`
	AcknowledgedAt   *time.Time `db:"acknowledged_at"` // by the viewer
	Acknowledgements int        `db:"acknowledgements"`
}

// CustomerNotices lists the notices sent to v's organisation, newest first (at most
// limit). Only a customer has any.
func (st *Store) CustomerNotices(ctx context.Context, v *access.Viewer, limit int) ([]CustomerNotice, error) {
	if !v.IsCustomer() || v.OrgID == 0 {
		return nil, nil
	}
	var ns []CustomerNotice
	if err := st.q.SelectContext(ctx, &ns, selectCustomerNotices, v.OrgID, v.UserID, limit); err != nil {
		return nil, fmt.Errorf("incident store: customer notices: %w", err)
	}
	return ns, nil
}

// Acknowledge records that customer v received notice id. A notice not sent to v's
// organisation is ErrNotFound; acknowledging again changes nothing.
func (s *Service) Acknowledge(ctx context.Context, actor audit.Actor, v *access.Viewer, id int64) error {
	if !v.IsCustomer() || v.OrgID == 0 {
		return ErrNotFound
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var res struct {
			IncidentID int64 `db:"incident_id"`
			First      bool  `db:"first"`
		}
		err := tx.GetContext(ctx, &res, acknowledgeNotice, id, v.UserID, v.OrgID, s.now())
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("incident store: acknowledge %d: %w", id, err)
		}
		if !res.First {
			return nil
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "incident.notice_acknowledged", ObjectType: "incident_notice",
			ObjectID: strconv.FormatInt(id, 10), OrgID: v.OrgID, Changes: map[string]audit.Change{"incident_id": {New: res.IncidentID}}})
	})
}

// ErrTarget: the customer-notice target is a whole number of hours from 1 to 72.
var ErrTarget = errors.New("incident: the target is 1 to 72 hours")

// SetCustomerTarget sets the target for notices to affected customers, in hours from
// awareness. An admin sets it; it moves the deadline of every customer clock still running.
func (s *Service) SetCustomerTarget(ctx context.Context, actor audit.Actor, v *access.Viewer, hours int) error {
	if !v.Has(access.Admin) {
		return ErrNotAllowed
	}
	if hours < 1 || hours > 72 {
		return ErrTarget
	}
	return database.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		old, err := NewStore(tx).ClockPolicy(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, updateCustomerNoticeHours, hours, v.UserID, s.now()); err != nil {
			return fmt.Errorf("incident store: customer target: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "incident.customer_target", ObjectType: "incident_settings",
			ObjectID: "1", Changes: map[string]audit.Change{"customer_notice_hours": {Old: int(old.CustomerTarget / time.Hour), New: hours}}})
	})
}
