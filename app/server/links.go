package server

import (
	"context"
	"net/http"

	"tugi/app/access"
	"tugi/app/inbound"
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
