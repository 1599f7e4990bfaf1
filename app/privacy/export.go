package privacy

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/blob"
	"tugi/app/database"
	"tugi/app/ticket"
	"tugi/app/user"
)

// Exporter writes the archive of a person's data (GDPR Art. 15 and 20): export.json, and
// their files under files/. It holds what Tugi keeps about them and nothing of another
// person beyond their own tickets' and chats' conversations (the other side's name and
// words there are part of what they received): messages they wrote in other people's
// tickets are listed without their text (Art. 15(4)), sealed audit values of other
// people stay sealed, and of incidents only what the reporter may see.
type Exporter struct {
	db    *sqlx.DB
	blobs blob.Store
	now   func() time.Time
}

// NewExporter returns the exporter.
func NewExporter(db *sqlx.DB, blobs blob.Store, now func() time.Time) *Exporter {
	if now == nil {
		now = time.Now
	}
	return &Exporter{db: db, blobs: blobs, now: now}
}

// Archive is export.json.
type Archive struct {
	Format     string            `json:"format"` // "tugi-person-export-v1"
	ExportedAt time.Time         `json:"exported_at"`
	Profile    exProfile         `json:"profile"`
	Tickets    []exTicket        `json:"tickets"`
	Elsewhere  []exMessageStub   `json:"messages_in_other_tickets"`
	Chats      []exChat          `json:"chats"`
	Incidents  []exIncident      `json:"incidents_reported"`
	Notices    []exNotice        `json:"incident_notices_received"`
	Mail       []exMail          `json:"mail_sent_to_them"`
	Inbound    []exInbound       `json:"mail_they_sent_in"`
	Sessions   []exSession       `json:"sessions"`
	Failures   []exFailure       `json:"failed_sign_ins"`
	Audit      []exAuditEvent    `json:"audit_events"`
	Files      []exFile          `json:"files"`
	files      map[string]string // archive path -> content's SHA-256
	orgID      int64             // the person's organisation, for the audit event
}

type exProfile struct {
	ID           int64      `json:"id" db:"id"`
	Name         string     `json:"name" db:"name"`
	Email        string     `json:"email" db:"email"`
	Roles        []string   `json:"roles" db:"-"`
	Organisation *string    `json:"organisation" db:"org_name"`
	Language     string     `json:"language" db:"language"`
	Active       bool       `json:"active" db:"active"`
	PersonalCode *string    `json:"personal_code" db:"personal_code"`
	CreatedAt    time.Time  `json:"created_at" db:"created_at"`
	LastSignInAt *time.Time `json:"last_sign_in_at" db:"last_sign_in_at"`
}

type exTicket struct {
	ID        int64       `json:"-" db:"id"`
	Reference string      `json:"reference" db:"-"`
	Subject   string      `json:"subject" db:"subject"`
	Status    string      `json:"status" db:"status"`
	Priority  string      `json:"priority" db:"priority"`
	Channel   string      `json:"channel" db:"channel"`
	CreatedAt time.Time   `json:"created_at" db:"created_at"`
	ClosedAt  *time.Time  `json:"closed_at" db:"closed_at"`
	Messages  []exMessage `json:"messages" db:"-"`
}

type exMessage struct {
	TicketID  int64     `json:"-" db:"ticket_id"`
	At        time.Time `json:"at" db:"created_at"`
	Author    string    `json:"author" db:"author"`
	ByThem    bool      `json:"by_them" db:"by_them"`
	Channel   string    `json:"channel" db:"channel"`
	Body      string    `json:"body" db:"body"`
	Files     []string  `json:"files,omitempty" db:"-"`
	MessageID int64     `json:"-" db:"id"`
}

type exMessageStub struct {
	TicketID      int64     `json:"-" db:"ticket_id"`
	TicketCreated time.Time `json:"-" db:"ticket_created_at"`
	Ticket        string    `json:"ticket" db:"-"`
	At            time.Time `json:"at" db:"created_at"`
	Channel       string    `json:"channel" db:"channel"`
}

type exChat struct {
	ID        int64           `json:"id" db:"id"`
	State     string          `json:"state" db:"state"`
	CreatedAt time.Time       `json:"created_at" db:"created_at"`
	EndedAt   *time.Time      `json:"ended_at" db:"ended_at"`
	Messages  []exChatMessage `json:"messages" db:"-"`
}

type exChatMessage struct {
	ChatID int64     `json:"-" db:"chat_id"`
	At     time.Time `json:"at" db:"created_at"`
	Author string    `json:"author" db:"author"`
	ByThem bool      `json:"by_them" db:"by_them"`
	Body   string    `json:"body" db:"body"`
}

type exIncident struct {
	ID           int64             `json:"-" db:"id"`
	Reference    string            `json:"reference" db:"reference"`
	Summary      string            `json:"summary" db:"summary"`
	SystemOrData string            `json:"system_or_data" db:"system_or_data"`
	PersonalData string            `json:"personal_data" db:"personal_data"`
	State        string            `json:"state" db:"state"`
	ReportedAt   time.Time         `json:"reported_at" db:"reported_at"`
	Told         []exIncidentEntry `json:"told_to_them" db:"-"`
}

type exIncidentEntry struct {
	IncidentID int64     `json:"-" db:"incident_id"`
	At         time.Time `json:"at" db:"at"`
	Body       string    `json:"body" db:"body"`
}

type exNotice struct {
	Incident    string     `json:"incident" db:"reference"`
	Kind        string     `json:"kind" db:"kind"`
	Subject     string     `json:"subject" db:"subject"`
	Body        string     `json:"body" db:"body"`
	SubmittedAt *time.Time `json:"submitted_at" db:"submitted_at"`
	Ack         *time.Time `json:"acknowledged_at" db:"acknowledged_at"`
}

type exMail struct {
	Kind      string     `json:"kind" db:"kind"`
	Withheld  bool       `json:"text_withheld,omitempty" db:"-"` // staff: mail about others' tickets
	To        string     `json:"to" db:"to_address"`
	Subject   string     `json:"subject" db:"subject"`
	Body      string     `json:"body" db:"body_text"` // "" once cleared (mail.clear_bodies)
	CreatedAt time.Time  `json:"created_at" db:"created_at"`
	SentAt    *time.Time `json:"sent_at" db:"sent_at"`
}

type exInbound struct {
	ID         int64     `json:"-" db:"id"`
	From       string    `json:"from" db:"from_address"`
	Subject    string    `json:"subject" db:"subject"`
	ReceivedAt time.Time `json:"received_at" db:"received_at"`
	State      string    `json:"state" db:"state"`
	SHA256     string    `json:"-" db:"raw_sha256"`
	File       string    `json:"raw_message" db:"-"`
}

type exSession struct {
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at" db:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at" db:"expires_at"`
	Method     string    `json:"method" db:"auth_method"`
	ClientIP   string    `json:"client_ip" db:"client_ip"`
	UserAgent  string    `json:"user_agent" db:"user_agent"`
}

type exFailure struct {
	At       time.Time `json:"at" db:"at"`
	ClientIP string    `json:"client_ip" db:"client_ip"`
	Device   string    `json:"device" db:"device"`
}

type exAuditEvent struct {
	Seq     int64             `json:"seq"`
	At      time.Time         `json:"at"`
	ByThem  bool              `json:"by_them"`
	Action  string            `json:"action"`
	Object  string            `json:"object"`
	Changes map[string]string `json:"changes,omitempty"`
}

type exFile struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"` // ticket_attachment, chat_file, incident_evidence, raw_mail
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Gather reads everything of the person userID in one snapshot (a repeatable-read,
// read-only transaction).
func (x *Exporter) Gather(ctx context.Context, userID int64) (*Archive, error) {
	tx, err := x.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("privacy: export: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	u, err := user.NewStore(tx).ByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	a := &Archive{Format: "tugi-person-export-v1", ExportedAt: x.now().UTC(), files: map[string]string{}}
	if u.OrgID != nil {
		a.orgID = *u.OrgID
	}
	a.Profile = exProfile{ID: u.ID, Name: u.Name, Email: u.Email, Roles: u.Roles.Strings(), Organisation: u.OrgName,
		Language: u.Language, Active: u.Active, PersonalCode: u.PersonalCode, CreatedAt: u.CreatedAt, LastSignInAt: u.LastSignInAt}
	sel := func(dst any, q string) error {
		if err := tx.SelectContext(ctx, dst, q, userID); err != nil {
			return fmt.Errorf("privacy: export %d: %w", userID, err)
		}
		return nil
	}
	var msgs []exMessage
	var chatMsgs []exChatMessage
	var told []exIncidentEntry
	var files []struct {
		Kind   string `db:"kind"`
		Owner  int64  `db:"owner"`
		ID     int64  `db:"id"`
		Name   string `db:"filename"`
		SHA256 string `db:"sha256"`
	}
	for _, s := range []struct {
		dst any
		q   string
	}{
		{&a.Tickets, exportTickets}, {&msgs, exportTicketMessages}, {&a.Elsewhere, exportMessagesElsewhere},
		{&a.Chats, exportChats}, {&chatMsgs, exportChatMessages},
		{&a.Incidents, exportIncidents}, {&told, exportIncidentTold}, {&a.Notices, exportNotices},
		{&a.Mail, exportMail}, {&a.Inbound, exportInbound}, {&a.Sessions, exportSessions}, {&a.Failures, exportFailures},
		{&files, exportFiles},
	} {
		if err := sel(s.dst, s.q); err != nil {
			return nil, err
		}
	}
	byTicket := map[int64]int{}
	for i, t := range a.Tickets {
		byTicket[t.ID] = i
		a.Tickets[i].Reference = ticket.Reference(t.ID, t.CreatedAt)
	}
	for i, m := range a.Elsewhere {
		a.Elsewhere[i].Ticket = ticket.Reference(m.TicketID, m.TicketCreated)
	}
	byMessage := map[int64][2]int{}
	for _, m := range msgs {
		i := byTicket[m.TicketID]
		a.Tickets[i].Messages = append(a.Tickets[i].Messages, m)
		byMessage[m.MessageID] = [2]int{i, len(a.Tickets[i].Messages) - 1}
	}
	byChat := map[int64]int{}
	for i, c := range a.Chats {
		byChat[c.ID] = i
	}
	for _, m := range chatMsgs {
		i := byChat[m.ChatID]
		a.Chats[i].Messages = append(a.Chats[i].Messages, m)
	}
	byIncident := map[int64]int{}
	for i, inc := range a.Incidents {
		byIncident[inc.ID] = i
	}
	for _, e := range told {
		i := byIncident[e.IncidentID]
		a.Incidents[i].Told = append(a.Incidents[i].Told, e)
	}
	for _, f := range files {
		p := path.Join("files", f.Kind, strconv.FormatInt(f.ID, 10)+"-"+safeName(f.Name))
		a.Files = append(a.Files, exFile{Path: p, Kind: f.Kind, Name: f.Name, SHA256: f.SHA256})
		a.files[p] = f.SHA256
		if f.Kind == "ticket_attachment" {
			if at, ok := byMessage[f.Owner]; ok {
				m := &a.Tickets[at[0]].Messages[at[1]]
				m.Files = append(m.Files, p)
			}
		}
	}
	for i := range a.Inbound {
		m := &a.Inbound[i]
		m.File = path.Join("files", "raw_mail", strconv.FormatInt(m.ID, 10)+".eml")
		a.files[m.File] = m.SHA256
		a.Files = append(a.Files, exFile{Path: m.File, Kind: "raw_mail", Name: m.Subject, SHA256: m.SHA256})
	}
	if !slices.Contains(u.Roles, access.Customer) {
		// Mail to staff is about other people's tickets and incidents (Art. 15(4)): when
		// and what kind, not what it said.
		for i := range a.Mail {
			a.Mail[i].Subject, a.Mail[i].Body, a.Mail[i].Withheld = "", "", true
		}
	}
	if a.Audit, err = auditAbout(ctx, tx, userID); err != nil {
		return nil, err
	}
	return a, nil
}

// auditAbout reads the events by the person or about them, their own sealed values
// opened and everyone else's left sealed.
func auditAbout(ctx context.Context, q database.Queryer, userID int64) ([]exAuditEvent, error) {
	var es []audit.Entry
	if err := q.SelectContext(ctx, &es, exportAudit, userID); err != nil {
		return nil, fmt.Errorf("privacy: export the audit events of %d: %w", userID, err)
	}
	actions, err := audit.NewActions()
	if err != nil {
		return nil, err
	}
	if err := audit.Describe(ctx, nil, actions, "en", es); err != nil {
		return nil, err
	}
	if err := audit.UnsealOnly(ctx, q, es, userID); err != nil {
		return nil, err
	}
	out := make([]exAuditEvent, 0, len(es))
	for _, e := range es {
		ev := exAuditEvent{Seq: e.Seq, At: e.At.UTC(), ByThem: e.ActorUserID.Valid && e.ActorUserID.Int64 == userID,
			Action: e.Action, Object: strings.TrimSpace(e.ObjectType + " " + e.ObjectID)}
		for _, c := range e.Changes {
			if ev.Changes == nil {
				ev.Changes = map[string]string{}
			}
			ev.Changes[c.Field] = strings.TrimSpace(strings.Join([]string{c.Old, "→", c.New}, " "))
			if c.Old == "" {
				ev.Changes[c.Field] = c.New
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// safeName keeps a file name to what every unzip takes.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 32 {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "file"
	}
	return s
}

// Write writes a as a zip archive to w: export.json and the files.
func (x *Exporter) Write(ctx context.Context, a *Archive, w io.Writer) error {
	z := zip.NewWriter(w)
	if err := x.add(ctx, z, "", a); err != nil {
		return err
	}
	return z.Close()
}

// add writes a into z under the folder dir ("" for the top).
func (x *Exporter) add(ctx context.Context, z *zip.Writer, dir string, a *Archive) error {
	j, err := z.Create(path.Join(dir, "export.json"))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(j)
	enc.SetIndent("", "  ")
	if err := enc.Encode(a); err != nil {
		return err
	}
	for _, f := range a.Files {
		r, err := x.blobs.Open(ctx, x.db, a.files[f.Path])
		if err != nil {
			return fmt.Errorf("privacy: export %s: %w", f.Path, err)
		}
		zw, err := z.Create(path.Join(dir, f.Path))
		if err == nil {
			_, err = io.Copy(zw, r)
		}
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// OrgArchive is organisation.json, the index of an organisation's export.
type OrgArchive struct {
	Format       string        `json:"format"` // "tugi-organisation-export-v1"
	ExportedAt   time.Time     `json:"exported_at"`
	Organisation string        `json:"organisation"`
	People       []OrgArchived `json:"people"`
	people       []*Archive
	orgID        int64
}

// OrgArchived is one person in an organisation's export, whose archive is in Folder.
type OrgArchived struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Folder string `json:"folder"`
}

// GatherOrganisation reads the data of every person of organisation orgID (its customer
// users, active or not), each as Gather does.
func (x *Exporter) GatherOrganisation(ctx context.Context, orgID int64) (*OrgArchive, error) {
	var name string
	if err := x.db.GetContext(ctx, &name, exportOrganisation, orgID); err != nil {
		return nil, fmt.Errorf("privacy: export organisation %d: %w", orgID, err)
	}
	var ids []int64
	if err := x.db.SelectContext(ctx, &ids, exportOrganisationPeople, orgID); err != nil {
		return nil, fmt.Errorf("privacy: export organisation %d: %w", orgID, err)
	}
	o := &OrgArchive{Format: "tugi-organisation-export-v1", ExportedAt: x.now().UTC(), Organisation: name, orgID: orgID}
	for _, id := range ids {
		a, err := x.Gather(ctx, id)
		if err != nil {
			return nil, err
		}
		o.people = append(o.people, a)
		o.People = append(o.People, OrgArchived{ID: id, Name: a.Profile.Name, Email: a.Profile.Email,
			Folder: path.Join("people", strconv.FormatInt(id, 10))})
	}
	return o, nil
}

// AuditOrganisation records the export of o (person.export_organisation) by actor.
func (x *Exporter) AuditOrganisation(ctx context.Context, actor audit.Actor, o *OrgArchive) error {
	return audit.Record(ctx, x.db, actor, audit.Event{Action: "person.export_organisation", ObjectType: "organisation",
		ObjectID: strconv.FormatInt(o.orgID, 10), OrgID: o.orgID, Changes: map[string]audit.Change{"people": {New: len(o.People)}}})
}

// WriteOrganisation writes o as a zip archive: organisation.json, and each person's
// archive in their folder.
func (x *Exporter) WriteOrganisation(ctx context.Context, o *OrgArchive, w io.Writer) error {
	z := zip.NewWriter(w)
	j, err := z.Create("organisation.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(j)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o); err != nil {
		return err
	}
	for i, a := range o.people {
		if err := x.add(ctx, z, o.People[i].Folder, a); err != nil {
			return err
		}
	}
	return z.Close()
}

// Audit records the export of a (person.export) by actor, before any byte is written, as
// the audit log's own export is.
func (x *Exporter) Audit(ctx context.Context, actor audit.Actor, a *Archive) error {
	ev := audit.Event{Action: "person.export", ObjectType: "user", ObjectID: strconv.FormatInt(a.Profile.ID, 10),
		Changes: map[string]audit.Change{"tickets": {New: len(a.Tickets)}, "files": {New: len(a.Files)}}}
	if a.orgID != 0 {
		ev.OrgID = a.orgID
	}
	return audit.Record(ctx, x.db, actor, ev)
}

// Export gathers the person's data, audits the export and writes the archive to w.
func (x *Exporter) Export(ctx context.Context, actor audit.Actor, userID int64, w io.Writer) error {
	a, err := x.Gather(ctx, userID)
	if err != nil {
		return err
	}
	if err := x.Audit(ctx, actor, a); err != nil {
		return err
	}
	return x.Write(ctx, a, w)
}
