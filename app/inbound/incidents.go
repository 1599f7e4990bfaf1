package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"tugi/app/access"
	"tugi/app/formtoken"
	"tugi/app/incident"
	"tugi/app/ticket"
)

// A staff member's mail to the security address is their incident report, made by the
// incident feature's own Report, which commits in a transaction of its own: the report
// form's path, with its checks, notices and audit events. The intake's transaction, which
// marks the mail processed, commits after it. Between the two commits a fault may leave
// the incident made and the mail still waiting; the mail is then processed again (the
// job inbound.process), and Report is called again with the same form token, derived
// from the mail's key (its Message-ID): as a form sent twice, it makes nothing and names
// the incident the first call made, which the mail is then marked with. So a report is
// neither lost (the mail is marked only once Report has returned) nor made twice.

// Incidents returns the incident feature as the intake reports to it (Options.Incidents).
func Incidents(db *sqlx.DB, s *incident.Service) IncidentReporter {
	return incidentReports{db: db, s: s}
}

type incidentReports struct {
	db *sqlx.DB
	s  *incident.Service
}

// ReportByMail reports the incident m mailed by the staff member v, once per mail.
func (r incidentReports) ReportByMail(ctx context.Context, v *access.Viewer, m IncidentMail) (string, error) {
	files, refused := r.evidence(m)
	summary := m.Subject + "\n\n" + m.Body
	if len(refused) > 0 {
		summary += "\n\n[Not kept as evidence: " + strings.Join(refused, ", ") + "]"
	}
	ctx = formtoken.With(ctx, reportToken(m.Key), v.UserID, "")
	inc, err := r.s.Report(ctx, actor, v, incident.ReportRequest{Summary: truncateRunes(summary, 10000),
		Channel: incident.ChannelEmail, Files: files})
	var sent *formtoken.AlreadySentError
	if errors.As(err, &sent) {
		return r.madeBefore(ctx, v, sent.Location)
	}
	if err != nil {
		return "", err
	}
	return inc.Reference, nil
}

// madeBefore returns the reference of the incident an earlier call made, at location.
func (r incidentReports) madeBefore(ctx context.Context, v *access.Viewer, location string) (string, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(location, "/incidents/"), 10, 64)
	if err != nil {
		return "", fmt.Errorf("inbound: the incident reported before is at %q: %w", location, err)
	}
	inc, err := incident.NewStore(r.db).Get(ctx, incident.ScopeOf(v), id)
	if err != nil {
		return "", err
	}
	return inc.Reference, nil
}

// evidence is what of the mail is kept as evidence: the message as received first (what
// the reporter saw, with every header, for the chain of custody), then its files; each
// checked on its own against the limits of evidence, so one refused file does not refuse
// the report. refused names those left out, and why.
func (r incidentReports) evidence(m IncidentMail) (files []ticket.File, refused []string) {
	limits := r.s.Limits()
	all := m.Files
	if len(m.Raw) > 0 {
		all = append([]ticket.File{ticket.FileOf("message.eml", m.Raw)}, m.Files...)
	}
	for _, f := range all {
		if len(files) == limits.MaxFiles {
			refused = append(refused, ticket.CleanFilename(f.Name)+" (too many files)")
			continue
		}
		var fe *ticket.FileError
		if _, err := limits.Check([]ticket.File{f}); errors.As(err, &fe) {
			refused = append(refused, fe.Name+" ("+fileReason(fe.Reason)+")")
			continue
		}
		files = append(files, f)
	}
	return files, refused
}

func fileReason(reason string) string {
	switch reason {
	case ticket.FileTooLarge:
		return "too large"
	case ticket.FileEmpty:
		return "empty"
	case ticket.FileType:
		return "a type Tugi does not take"
	}
	return reason
}

// reportToken is the form token of the report mail key makes: the same for every
// attempt at the mail, one no other mail shares, in the form formtoken takes.
func reportToken(key string) string {
	sum := sha256.Sum256([]byte("tugi inbound incident report\x00" + key))
	return base32.StdEncoding.EncodeToString(sum[:])[:len(formtoken.New())]
}
