package chat

import (
	"net/http"

	"tugi/app/access"
	"tugi/app/route"
)

// Routes are the customers' chat (/chat) and the agents' (/queue/chats). A chat's page,
// its fragments and its stream are for its customer and the agents (another customer,
// of any organisation, gets 404).
func (h *Handler) Routes() []route.Route {
	customers := access.AnyOf(access.Customer)
	agents := access.AnyOf(access.Agent)
	both := access.AnyOf(access.Customer, access.Agent)
	get, post := http.MethodGet, http.MethodPost
	return []route.Route{
		{Method: get, Path: "/chat", Kind: route.Page, Rule: customers, Handler: h.Start},
		{Method: post, Path: "/chat", Kind: route.Form, Rule: customers, Handler: h.Begin},
		{Method: post, Path: "/chat/ticket", Kind: route.Form, Rule: customers, Handler: h.LeaveMessage},
		{Method: get, Path: "/chat/:id", Kind: route.Page, Rule: both, Handler: h.Show},
		{Method: get, Path: "/chat/:id/messages", Kind: route.Page, Rule: both, Handler: h.Messages},
		{Method: get, Path: "/chat/:id/status", Kind: route.Page, Rule: both, Handler: h.Status},
		{Method: get, Path: "/chat/:id/live", Kind: route.Stream, Rule: both, Handler: h.Live},
		{Method: get, Path: "/chat/:id/typing", Kind: route.Page, Rule: both, Handler: h.Typing},
		{Method: get, Path: "/chat/:id/files/:fid", Kind: route.Download, Rule: both, Handler: h.Download},
		{Method: post, Path: "/chat/:id/messages", Kind: route.Upload, Rule: both, Handler: h.Send},
		{Method: post, Path: "/chat/:id/end", Kind: route.Form, Rule: both, Handler: h.End},
		{Method: post, Path: "/chat/:id/ticket", Kind: route.Form, Rule: customers, Handler: h.LeaveAsTicket},
		{Method: post, Path: "/chat/:id/mail", Kind: route.Form, Rule: customers, Handler: h.Mail},
		{Method: post, Path: "/chat/:id/keep", Kind: route.Form, Rule: agents, Handler: h.Keep},
		{Method: post, Path: "/chat/:id/attach", Kind: route.Form, Rule: agents, Handler: h.Attach},
		{Method: get, Path: "/queue/chats", Kind: route.Page, Rule: agents, Handler: h.Queue},
		{Method: get, Path: "/queue/chats/lists", Kind: route.Page, Rule: agents, Handler: h.Lists},
		{Method: get, Path: "/queue/chats/live", Kind: route.Stream, Rule: agents, Handler: h.QueueLive},
		{Method: post, Path: "/queue/chats/:id/accept", Kind: route.Form, Rule: agents, Handler: h.Accept},
	}
}
