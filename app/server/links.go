package server

import (
	"context"
	"net/http"
	"strconv"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/audit/auditpage"
	"tugi/app/inbound"
	"tugi/app/incident"
	"tugi/app/ticket"
	"tugi/app/user"

	"github.com/jmoiron/sqlx"
)

// MayOpen reports whether v may open the page at path, a GET route of the table
// ("/tickets/:id"): whether its rule allows v. A page that asks for a stronger sign-in
// first still counts, as it continues after the step up. Pages link to another only
// when the viewer may follow the link.
func (s *Server) MayOpen(v *access.Viewer, path string) bool {
	for _, r := range s.Routes {
		if r.Method == http.MethodGet && r.Path == path {
			return r.Rule.Allows(v)
		}
	}
	return false
}

// orgSources are what the organisation's admin page (app/user) shows of other features:
// its mail domains (app/inbound) and its tickets (app/ticket), which import user.
func (s *Server) orgSources(db *sqlx.DB) user.OrgSources {
	return user.OrgSources{
		Domains: func(ctx context.Context, orgID int64) ([]user.OrgDomain, error) {
			ds, err := inbound.DomainsOf(ctx, db, orgID)
			out := make([]user.OrgDomain, len(ds))
			for i, d := range ds {
				out[i] = user.OrgDomain{Domain: d.Domain, CreatedAt: d.CreatedAt}
			}
			return out, err
		},
		Tickets: func(ctx context.Context, orgID int64, limit int) (int, []user.OrgTicket, error) {
			open, ts, err := ticket.OfOrganisation(ctx, db, orgID, limit)
			out := make([]user.OrgTicket, len(ts))
			for i, t := range ts {
				out[i] = user.OrgTicket{ID: t.ID, Reference: t.Reference(), Subject: t.Subject, Status: t.Status,
					StatusClass: string(t.Status), Resolved: t.Status.Resolved(), UpdatedAt: t.UpdatedAt}
			}
			return open, out, err
		},
		MayOpen: s.MayOpen,
	}
}

// objectPages are the pages of the objects audit events name, by object type: the route
// whose rule decides who may open it, and the address of one object's page.
var objectPages = map[string]struct {
	route string
	link  func(id string) string
}{
	"ticket":       {"/tickets/:id", func(id string) string { return "/tickets/" + id }},
	"user":         {"/admin/users/:id", func(id string) string { return "/admin/users/" + id }},
	"organisation": {"/admin/organisations/:id", func(id string) string { return "/admin/organisations/" + id }},
	"incident":     {"/incidents/:id", func(id string) string { return "/incidents/" + id }},
	"chat":         {"/chat/:id", func(id string) string { return "/chat/" + id }},
	"inbound_mail": {"/queue/mail/:id", func(id string) string { return "/queue/mail/" + id }},
	"team":         {"/admin/teams", func(id string) string { return "/admin/teams#team-" + id }},
	"routing_rule": {"/admin/routing", func(string) string { return "/admin/routing" }},
}

// auditLinks link the audit page's events to the pages of what they name, for a viewer
// who may open them: by the route's rule, and an incident only when the viewer may see
// that incident (need to know, incident.ScopeOf).
func (s *Server) auditLinks(db *sqlx.DB) auditpage.Links {
	objects := func(ctx context.Context, v *access.Viewer, es []audit.Entry) error {
		var incidents []int64
		for _, e := range es {
			if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil && e.ObjectType == "incident" {
				incidents = append(incidents, id)
			}
		}
		seen := map[int64]bool{}
		if len(incidents) > 0 && s.MayOpen(v, "/incidents/:id") {
			var err error
			if seen, err = incident.Visible(ctx, db, incident.ScopeOf(v), incidents); err != nil {
				return err
			}
		}
		may := map[string]bool{}
		for i := range es {
			e := &es[i]
			page, ok := objectPages[e.ObjectType]
			id, err := strconv.ParseInt(e.ObjectID, 10, 64)
			if !ok || err != nil || id <= 0 || (e.ObjectType == "incident" && !seen[id]) {
				continue
			}
			allowed, known := may[page.route]
			if !known {
				allowed = s.MayOpen(v, page.route)
				may[page.route] = allowed
			}
			if allowed {
				e.ObjectLink = page.link(e.ObjectID)
			}
		}
		return nil
	}
	return auditpage.Links{Objects: objects, MayOpen: s.MayOpen}
}
