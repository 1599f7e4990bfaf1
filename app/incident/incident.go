// Package incident is Tugi's security incidents (ISO/IEC 27001:2022 5.24–5.28 and 6.8):
// any employee reports one in a minute, the CISO triages it and names its handlers, who
// handle it through its states with a timeline, tasks and evidence kept under a chain of
// custody.
//
// Who sees an incident is decided in one place, Scope (scope.go), and every query of
// incidents and their rows applies it in SQL.
package incident

import (
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // Europe/Tallinn must be found on any machine
)

// State is where an incident stands.
type State string

// The states, in the order of an incident's life, and "not an incident" (closed with a
// reason).
const (
	Reported      State = "reported"
	Triage        State = "triage"
	Investigating State = "investigating"
	Contained     State = "contained"
	Resolved      State = "resolved"
	Closed        State = "closed"
	NotIncident   State = "not_incident"
)

// States lists the states in the order of an incident's life.
var States = []State{Reported, Triage, Investigating, Contained, Resolved, Closed, NotIncident}

// OpenStates are the states of incidents still being handled: the board's.
var OpenStates = []State{Reported, Triage, Investigating, Contained, Resolved}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Done reports whether the incident is closed, as an incident or as none.
func (s State) Done() bool { return s == Closed || s == NotIncident }

// Label is the state as handlers read it.
func (s State) Label() string {
	switch s {
	case Reported:
		return "Reported"
	case Triage:
		return "Triage"
	case Investigating:
		return "Investigating"
	case Contained:
		return "Contained"
	case Resolved:
		return "Resolved"
	case Closed:
		return "Closed"
	case NotIncident:
		return "Not an incident"
	}
	return string(s)
}

// ReporterLabel is the state as its reporter reads it.
func (s State) ReporterLabel() string {
	switch s {
	case Reported:
		return "Received"
	case Triage, Investigating:
		return "Being looked into"
	case Contained:
		return "Contained"
	case Resolved, Closed:
		return "Resolved"
	case NotIncident:
		return "Not an incident"
	}
	return string(s)
}

// Level is an impact on confidentiality, integrity or availability.
type Level string

// The levels, least first.
const (
	LevelNone   Level = "none"
	LevelLow    Level = "low"
	LevelMedium Level = "medium"
	LevelHigh   Level = "high"
)

// Levels lists the impact levels, least first.
var Levels = []Level{LevelNone, LevelLow, LevelMedium, LevelHigh}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return slices.Contains(Levels, l) }

// Label is the level as people read it.
func (l Level) Label() string {
	switch l {
	case LevelNone:
		return "None"
	case LevelLow:
		return "Low"
	case LevelMedium:
		return "Medium"
	case LevelHigh:
		return "High"
	}
	return string(l)
}

// Urgency is how soon the incident must be acted on.
type Urgency string

// The urgencies, least first.
const (
	UrgencyLow    Urgency = "low"
	UrgencyMedium Urgency = "medium"
	UrgencyHigh   Urgency = "high"
)

// Urgencies lists the urgencies, least first.
var Urgencies = []Urgency{UrgencyLow, UrgencyMedium, UrgencyHigh}

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool { return slices.Contains(Urgencies, u) }

// Label is the urgency as people read it.
func (u Urgency) Label() string { return Level(u).Label() }

// Severity is how serious an incident is: computed from impact and urgency by Matrix, or
// set by the CISO with a reason.
type Severity string

// The severities, least first.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists the severities, least first.
var Severities = []Severity{Low, Medium, High, Critical}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Rank orders severities: 0 for none yet, then 1 (low) to 4 (critical).
func (s Severity) Rank() int { return slices.Index(Severities, s) + 1 }

// NeedsReview reports whether an incident of this severity must have its post-incident
// review before it closes (ISO/IEC 27001 5.27).
func (s Severity) NeedsReview() bool { return s == High || s == Critical }

// Label is the severity as people read it.
func (s Severity) Label() string {
	switch s {
	case Low:
		return "Low"
	case Medium:
		return "Medium"
	case High:
		return "High"
	case Critical:
		return "Critical"
	case "":
		return "Not assessed"
	}
	return string(s)
}

// Matrix gives the severity of an incident from its impact (rows, in Levels order: the
// highest of its impacts on confidentiality, integrity and availability) and its urgency
// (columns, in Urgencies order). The triage page shows it.
var Matrix = [][]Severity{
	{Low, Low, Low},          // impact none
	{Low, Low, Medium},       // low
	{Low, Medium, High},      // medium
	{Medium, High, Critical}, // high
}

// index is l's row of Matrix.
func (l Level) index() int { return slices.Index(Levels, l) }

// ComputeSeverity is the severity the matrix gives for impacts c, i, a and urgency u.
func ComputeSeverity(c, i, a Level, u Urgency) (Severity, error) {
	if !c.Valid() || !i.Valid() || !a.Valid() || !u.Valid() {
		return "", fmt.Errorf("incident: severity of %q/%q/%q, %q: unknown level", c, i, a, u)
	}
	worst := max(c.index(), i.index(), a.index())
	return Matrix[worst][slices.Index(Urgencies, u)], nil
}

// PersonalData is whether the reporter thinks personal data may be involved.
type PersonalData string

// The answers.
const (
	PersonalYes     PersonalData = "yes"
	PersonalNo      PersonalData = "no"
	PersonalUnknown PersonalData = "unknown"
)

// PersonalDataAnswers lists the answers in the form's order.
var PersonalDataAnswers = []PersonalData{PersonalYes, PersonalNo, PersonalUnknown}

// Valid reports whether p is a known answer.
func (p PersonalData) Valid() bool { return slices.Contains(PersonalDataAnswers, p) }

// Label is the answer as people read it.
func (p PersonalData) Label() string {
	switch p {
	case PersonalYes:
		return "Yes"
	case PersonalNo:
		return "No"
	case PersonalUnknown:
		return "Don't know"
	}
	return string(p)
}

// Channel is how an incident reached Tugi.
type Channel string

// The channels.
const (
	ChannelWeb    Channel = "web"    // the report form
	ChannelTicket Channel = "ticket" // an agent turned a customer ticket into it
	ChannelEmail  Channel = "email"  // mail to the security address
)

// Incident is a security incident, as its handlers see it.
type Incident struct {
	ID                      int64        `db:"id"`
	Reference               string       `db:"reference"`
	Summary                 string       `db:"summary"`
	NoticedAt               *time.Time   `db:"noticed_at"`
	SystemOrData            string       `db:"system_or_data"`
	PersonalData            PersonalData `db:"personal_data"`
	OrgsUnknown             bool         `db:"orgs_unknown"`
	ReporterID              int64        `db:"reporter_id"`
	ReporterName            string       `db:"reporter_name"`
	Channel                 Channel      `db:"channel"`
	State                   State        `db:"state"`
	NotIncidentReason       string       `db:"not_incident_reason"`
	OwnerID                 *int64       `db:"owner_id"`
	OwnerName               *string      `db:"owner_name"`
	TaxonomyClass           string       `db:"taxonomy_class"`
	TaxonomyType            string       `db:"taxonomy_type"`
	ImpactC                 *Level       `db:"impact_c"`
	ImpactI                 *Level       `db:"impact_i"`
	ImpactA                 *Level       `db:"impact_a"`
	Urgency                 *Urgency     `db:"urgency"`
	SeverityComputed        *Severity    `db:"severity_computed"`
	SeverityOverride        *Severity    `db:"severity_override"`
	SeverityOverrideReason  string       `db:"severity_override_reason"`
	Severity                *Severity    `db:"severity"`
	OccurredAt              *time.Time   `db:"occurred_at"`
	DetectedAt              *time.Time   `db:"detected_at"`
	ReportedAt              time.Time    `db:"reported_at"`
	AwareAt                 time.Time    `db:"aware_at"`
	AwareJustification      string       `db:"aware_justification"`
	PersonalBreach          *bool        `db:"personal_breach"`
	PersonalBreachRationale string       `db:"personal_breach_rationale"`
	PersonalBreachDecidedAt *time.Time   `db:"personal_breach_decided_at"`
	NIS2Significant         *bool        `db:"nis2_significant"`
	NIS2Rationale           string       `db:"nis2_rationale"`
	SignificantAt           *time.Time   `db:"significant_at"`
	BreachEffects           string       `db:"breach_effects"`
	BreachRemedialAction    string       `db:"breach_remedial_action"`
	BreachNotNotifiedReason string       `db:"breach_not_notified_reason"`
	ReviewWhatHappened      string       `db:"review_what_happened"`
	ReviewRootCause         string       `db:"review_root_cause"`
	ReviewChanges           string       `db:"review_changes"`
	ReviewLessons           string       `db:"review_lessons"`
	ReviewedAt              *time.Time   `db:"reviewed_at"`
	TriagedAt               *time.Time   `db:"triaged_at"`
	ContainedAt             *time.Time   `db:"contained_at"`
	ResolvedAt              *time.Time   `db:"resolved_at"`
	ClosedAt                *time.Time   `db:"closed_at"`
	CreatedAt               time.Time    `db:"created_at"`
	UpdatedAt               time.Time    `db:"updated_at"`
	// Access is how much of it the viewer who read it sees (the query computes it from
	// the scope).
	Access Access `db:"access"`
}

// SeverityNow is the severity in force ("" while not assessed).
func (i *Incident) SeverityNow() Severity {
	if i.Severity == nil {
		return ""
	}
	return *i.Severity
}

// Reviewed reports whether the post-incident review is written: each of its four parts.
func (i *Incident) Reviewed() bool {
	return i.ReviewWhatHappened != "" && i.ReviewRootCause != "" && i.ReviewChanges != "" && i.ReviewLessons != ""
}

// NamedHandler is a person named on an incident as its handler.
type NamedHandler struct {
	UserID  int64     `db:"user_id"`
	Name    string    `db:"name"`
	Email   string    `db:"email"`
	NamedAt time.Time `db:"named_at"`
}

// Organisation is a customer organisation an incident may affect.
type Organisation struct {
	OrgID int64  `db:"org_id"`
	Name  string `db:"name"`
}

// EntryKind is what a timeline entry is.
type EntryKind string

// The kinds of entry.
const (
	Action EntryKind = "action" // something done, written by Tugi
	Note   EntryKind = "note"   // written by a person
)

// Entry is one entry of an incident's timeline.
type Entry struct {
	ID          int64     `db:"id"`
	At          time.Time `db:"at"`
	AuthorID    *int64    `db:"author_id"`
	AuthorName  *string   `db:"author_name"`
	Kind        EntryKind `db:"kind"`
	ForReporter bool      `db:"for_reporter"`
	Body        string    `db:"body"`
}

// Task is a task of an incident.
type Task struct {
	ID        int64      `db:"id"`
	Title     string     `db:"title"`
	OwnerID   *int64     `db:"owner_id"`
	OwnerName *string    `db:"owner_name"`
	DueAt     *time.Time `db:"due_at"`
	DoneAt    *time.Time `db:"done_at"`
	CreatedAt time.Time  `db:"created_at"`
}

// Evidence is an evidence file of an incident.
type Evidence struct {
	ID           int64     `db:"id"`
	IncidentID   int64     `db:"incident_id"`
	Filename     string    `db:"filename"`
	ContentType  string    `db:"content_type"`
	Size         int64     `db:"size"`
	SHA256       string    `db:"sha256"`
	UploadedBy   *int64    `db:"uploaded_by"`
	UploaderName *string   `db:"uploader_name"`
	UploadedAt   time.Time `db:"uploaded_at"`
}

// referenceZone is where an incident's year is counted: the vendor's.
var referenceZone = mustZone("Europe/Tallinn")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ReferenceYear is the year an incident reported at t is numbered in.
func ReferenceYear(t time.Time) int { return t.In(referenceZone).Year() }
