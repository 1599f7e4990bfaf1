package ticket

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"tugi/app/audit"
	"tugi/app/i18n"
	"tugi/app/user"
	"tugi/app/web"
)

// historyLimit is how many of a ticket's newest audit events its page shows.
const historyLimit = 50

// Tools are the agent's tools on a ticket's page, beside its conversation and panel.
type Tools struct {
	History   []audit.Entry // the ticket's own audit events, newest first
	Links     []Link
	LinkKinds []LinkKind
	Canned    []CannedReply
}

// tools loads the agent's tools for ticket t, whose links the page has read.
func (h *Handler) tools(c echo.Context, t *Ticket, panel Panel, links []Link) (Tools, error) {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	tools := Tools{Links: links, LinkKinds: []LinkKind{Related, Duplicate}}
	var err error
	if tools.Canned, err = h.svc.CannedReplies(ctx); err != nil {
		return tools, err
	}
	// The page is staff's (the ticket's scope decided who sees it); the history is the
	// ticket's alone, read in the index on (object_type, object_id, seq).
	if tools.History, err = audit.History(ctx, h.svc.reads, "ticket", strconv.FormatInt(t.ID, 10), historyLimit); err != nil {
		return tools, err
	}
	names, err := h.pageNamer(ctx, t)
	if err != nil {
		return tools, err
	}
	if err := audit.Describe(ctx, names, h.actions, v.Lang, tools.History); err != nil {
		return tools, err
	}
	if err := nameChanges(c, names, panel, tools.History); err != nil {
		return tools, err
	}
	labelChanges(v.Lang, tools.History)
	return tools, nil
}

// pageNamer names the people and the organisation that ticket t's history mentions
// from what its page has read already (the agents of the reference copy, the ticket's
// requester and organisation), and asks the directory only about anyone else: the
// history of most tickets is their customer's and their agents', and a lookup of their
// names was a round trip to the database, twice, on every ticket page.
type pageNamer struct {
	people, orgs map[int64]string
	directory    audit.Namer
}

func (h *Handler) pageNamer(ctx context.Context, t *Ticket) (pageNamer, error) {
	ch, err := h.svc.Choices(ctx)
	if err != nil {
		return pageNamer{}, err
	}
	n := pageNamer{people: map[int64]string{t.RequesterID: t.Requester}, orgs: map[int64]string{t.OrgID: t.OrgName},
		directory: user.NewAuditDirectory(h.svc.reads)}
	for _, a := range ch.Agents {
		n.people[a.ID] = a.Name
	}
	return n, nil
}

// Names implements audit.Namer.
func (n pageNamer) Names(ctx context.Context, userIDs, orgIDs []int64) (people, orgs map[int64]string, err error) {
	people, orgs = map[int64]string{}, map[int64]string{}
	var askPeople, askOrgs []int64
	for _, id := range userIDs {
		if name, ok := n.people[id]; ok {
			people[id] = name
		} else {
			askPeople = append(askPeople, id)
		}
	}
	for _, id := range orgIDs {
		if name, ok := n.orgs[id]; ok {
			orgs[id] = name
		} else {
			askOrgs = append(askOrgs, id)
		}
	}
	if len(askPeople) == 0 && len(askOrgs) == 0 {
		return people, orgs, nil
	}
	morePeople, moreOrgs, err := n.directory.Names(ctx, askPeople, askOrgs)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(people, morePeople)
	maps.Copy(orgs, moreOrgs)
	return people, orgs, nil
}

// nameChanges shows the people, categories and teams that a ticket's events name by id
// (assignee_id 7 → 12) by their names, as the agent reads them elsewhere on the page:
// categories and teams as the panel's selects name them.
func nameChanges(c echo.Context, names audit.Namer, panel Panel, es []audit.Entry) error {
	ctx := c.Request().Context()
	var people []int64
	for _, e := range es {
		for _, fc := range e.Changes {
			if fc.Field == "assignee_id" || fc.Field == "requester_id" {
				for _, s := range []string{fc.Old, fc.New} {
					if id, err := strconv.ParseInt(s, 10, 64); err == nil {
						people = append(people, id)
					}
				}
			}
		}
	}
	byID := map[string]map[string]string{"assignee_id": {}, "requester_id": {}, "category_id": {}, "team_id": {}}
	if len(people) > 0 {
		named, _, err := names.Names(ctx, people, nil)
		if err != nil {
			return err
		}
		for id, name := range named {
			byID["assignee_id"][strconv.FormatInt(id, 10)] = name
			byID["requester_id"][strconv.FormatInt(id, 10)] = name
		}
	}
	for _, o := range panel.Categories {
		byID["category_id"][o.Value] = o.Label
	}
	for _, o := range panel.Teams {
		byID["team_id"][o.Value] = o.Label
	}
	for i := range es {
		for j := range es[i].Changes {
			fc := &es[i].Changes[j]
			if m, ok := byID[fc.Field]; ok {
				if name, ok := m[fc.Old]; ok {
					fc.Old = name
				}
				if name, ok := m[fc.New]; ok {
					fc.New = name
				}
			}
		}
	}
	return nil
}

type linkForm struct {
	Reference string `form:"reference" validate:"required,max=40"`
	Kind      string `form:"kind" validate:"required,oneof=related duplicate"`
}

// Link links the ticket to another by its reference or id.
func (h *Handler) Link(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	var f linkForm
	form, err := h.validate.Bind(c, &f)
	if err != nil {
		return err
	}
	v := web.ViewerOf(c)
	if !form.Invalid() {
		err = h.svc.Link(web.Once(c, ticketPath(t.ID)), web.Actor(c), v, t.ID, f.Reference, LinkKind(f.Kind))
		switch {
		case errors.Is(err, ErrLinkTarget):
			form.Fail("reference", "No ticket has this reference.")
		case errors.Is(err, ErrLinkSelf):
			form.Fail("reference", "A ticket cannot be linked to itself.")
		case errors.Is(err, ErrLinkExists):
			form.Fail("reference", "These tickets are linked already.")
		case errors.Is(err, ErrNotFound):
			return echo.ErrNotFound
		case err != nil:
			return err
		}
	}
	if form.Invalid() {
		return h.renderAgent(c, http.StatusUnprocessableEntity, t.ID, form, false)
	}
	web.Flash(c, i18n.T(v.Lang, "Tickets linked."))
	return web.Redirect(c, ticketPath(t.ID))
}

// Unlink removes a link of the ticket.
func (h *Handler) Unlink(c echo.Context) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	linkID, err := strconv.ParseInt(c.Param("link"), 10, 64)
	if err != nil || linkID <= 0 {
		return echo.ErrNotFound
	}
	v := web.ViewerOf(c)
	err = h.svc.Unlink(c.Request().Context(), web.Actor(c), v, t.ID, linkID)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "Link removed."))
	return web.Redirect(c, ticketPath(t.ID))
}
