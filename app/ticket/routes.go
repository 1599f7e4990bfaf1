package ticket

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the customers' tickets, the agents' queue and their tools. Customers reach
// their organisation's tickets (another's are not found), agents and the CISO all; a
// route open to both shows each their own view.
func (h *Handler) Routes() []route.Route {
	customers := access.AnyOf(access.Customer)
	agents := access.AnyOf(access.Agent, access.CISO)
	both := access.AnyOf(access.Customer, access.Agent, access.CISO)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/tickets", Kind: route.Page, Rule: customers, Handler: h.List},
		{Method: get, Path: "/tickets/new", Kind: route.Page, Rule: customers, Handler: h.New},
		{Method: post, Path: "/tickets", Kind: route.Upload, Rule: customers, Handler: h.Create},
		{Method: get, Path: "/tickets/search", Kind: route.Page, Rule: both, Handler: h.Search},
		{Method: get, Path: "/tickets/:id", Kind: route.Page, Rule: both, Handler: h.Show},
		{Method: post, Path: "/tickets/:id/reply", Kind: route.Upload, Rule: both, Handler: h.Reply},
		{Method: post, Path: "/tickets/:id/close", Kind: route.Form, Rule: customers, Handler: h.Close},
		{Method: post, Path: "/tickets/:id/reopen", Kind: route.Form, Rule: customers, Handler: h.Reopen},
		{Method: post, Path: "/tickets/:id/compose", Kind: route.Upload, Rule: agents, Handler: h.Compose},
		{Method: post, Path: "/tickets/:id/fields", Kind: route.Form, Rule: agents, Handler: h.SetFields},
		{Method: post, Path: "/tickets/:id/take", Kind: route.Form, Rule: agents, Handler: h.Take},
		{Method: get, Path: "/tickets/:id/attachments/:aid/:name", Kind: route.Download, Rule: both, Handler: h.Download},
		{Method: post, Path: "/tickets/:id/links", Kind: route.Form, Rule: agents, Handler: h.Link},
		{Method: post, Path: "/tickets/:id/links/:link/delete", Kind: route.Form, Rule: agents, Handler: h.Unlink},
		{Method: get, Path: "/tickets/:id/canned", Kind: route.Page, Rule: agents, Handler: h.InsertCanned},
		{Method: get, Path: "/queue/phone", Kind: route.Page, Rule: agents, Handler: h.Phone},
		{Method: post, Path: "/queue/phone", Kind: route.Form, Rule: agents, Handler: h.CreatePhone},
		{Method: get, Path: "/queue/canned", Kind: route.Page, Rule: agents, Handler: h.CannedReplies},
		{Method: post, Path: "/queue/canned", Kind: route.Form, Rule: agents, Handler: h.CreateCanned},
		{Method: post, Path: "/queue/canned/:canned", Kind: route.Form, Rule: agents, Handler: h.UpdateCanned},
		{Method: post, Path: "/queue/canned/:canned/delete", Kind: route.Form, Rule: agents, Handler: h.DeleteCanned},
		{Method: get, Path: "/queue", Kind: route.Page, Rule: agents, Handler: h.Queue},
		{Method: get, Path: "/queue/live", Kind: route.Stream, Rule: agents, Handler: h.QueueLive},
		{Method: get, Path: "/tickets/:id/live", Kind: route.Stream, Rule: both, Handler: h.TicketLive},
		{Method: get, Path: "/tickets/:id/row", Kind: route.Page, Rule: agents, Handler: h.QueueRow},
		{Method: post, Path: "/tickets/:id/presence", Kind: route.Form, Rule: agents, Handler: h.Presence},
		{Method: post, Path: "/queue/bulk", Kind: route.Form, Rule: agents, Handler: h.Bulk},
		{Method: post, Path: "/queue/views", Kind: route.Form, Rule: agents, Handler: h.SaveView},
		{Method: post, Path: "/queue/views/:view/delete", Kind: route.Form, Rule: agents, Handler: h.DeleteView},
		{Method: get, Path: "/queue/organisations", Kind: route.Page, Rule: agents, Handler: h.OrganisationOptions},
	}
}
