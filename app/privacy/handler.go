package privacy

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/i18n"
	"tugi/app/route"
	"tugi/app/user"
	"tugi/app/web"
)

// Handler serves the admin's erasure and export of a person.
type Handler struct {
	svc    *Service
	export *Exporter
	render *web.Renderer
}

// NewHandler returns the pages of a person's data.
func NewHandler(svc *Service, export *Exporter, render *web.Renderer) *Handler {
	return &Handler{svc: svc, export: export, render: render}
}

// Routes are the erasure's preview and confirmation, and the exports: of a person by an
// admin, and of an organisation by its customer contact who holds the right.
func (h *Handler) Routes() []route.Route {
	admins, customers := access.AnyOf(access.Admin), access.AnyOf(access.Customer)
	return []route.Route{
		{Method: http.MethodGet, Path: "/admin/users/:id/erase", Kind: route.Page, Rule: admins, Strength: access.SecondFactor, Handler: h.Preview},
		{Method: http.MethodPost, Path: "/admin/users/:id/erase", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.Erase},
		{Method: http.MethodGet, Path: "/admin/users/:id/export", Kind: route.Download, Rule: admins, Strength: access.SecondFactor, Handler: h.ExportPerson},
		{Method: http.MethodPost, Path: "/admin/users/:id/org-export", Kind: route.Form, Rule: admins, Strength: access.SecondFactor, Handler: h.SetOrgExport},
		// A customer with the right (their organisation's data protection contact); others
		// get 404. The data of a whole organisation asks for more than a password.
		{Method: http.MethodGet, Path: "/organisation/data", Kind: route.Page, Rule: customers, Strength: access.SecondFactor, Handler: h.OrgData},
		{Method: http.MethodGet, Path: "/organisation/export", Kind: route.Download, Rule: customers, Strength: access.SecondFactor, Handler: h.ExportOrg},
	}
}

const tplErase = "admin/erase"

// kindLabel names what an erasure counts, for the preview.
func kindLabel(kind string) string {
	switch kind {
	case "profile.pseudonymised":
		return "Name and e-mail address replaced by the pseudonym; password and personal code removed"
	case "sessions.ended":
		return "Sessions ended"
	case "second_factors.removed":
		return "Authenticator apps removed"
	case "recovery_codes.removed":
		return "Recovery codes removed"
	case "passkeys.removed":
		return "Passkeys removed"
	case "password_links.removed":
		return "Links to set a password withdrawn"
	case "signin_failures.removed":
		return "Failed sign-ins under their address forgotten"
	case "ticket_messages.removed":
		return "Ticket messages they wrote, text removed"
	case "ticket_subjects.removed":
		return "Subjects of their tickets removed"
	case "ticket_messages.name_replaced":
		return "Ticket messages where their name is replaced"
	case "ticket_subjects.name_replaced":
		return "Ticket subjects where their name is replaced"
	case "ticket_attachment_names.name_replaced":
		return "Attachment names where their name is replaced"
	case "ticket_attachments.deleted":
		return "Files they attached to tickets, deleted"
	case "queue_views.deleted":
		return "Saved queue views deleted"
	case "chat_messages.removed":
		return "Chat messages they wrote, text removed"
	case "chat_messages.name_replaced":
		return "Chat messages where their name is replaced"
	case "chat_file_names.name_replaced":
		return "Chat file names where their name is replaced"
	case "chat_files.deleted":
		return "Files they sent in chats, deleted"
	case "incident_reports.removed":
		return "Incident reports they filed, text removed"
	case "incident_timeline.removed":
		return "Incident timeline entries they wrote, text removed"
	case "incident_reports.name_replaced":
		return "Incident reports where their name is replaced"
	case "incident_timeline.name_replaced":
		return "Incident timeline entries where their name is replaced"
	case "incident_tasks.name_replaced":
		return "Incident tasks where their name is replaced"
	case "incident_notices.name_replaced":
		return "Incident notices where their name is replaced"
	case "incident_evidence_names.name_replaced":
		return "Evidence names where their name is replaced"
	case "incident_evidence.deleted":
		return "Evidence they uploaded, deleted"
	case "inbound_mail.deleted":
		return "Mail they sent in, deleted with the raw message"
	case "inbound_mail.pseudonymised":
		return "Mail they sent in, kept under the pseudonym (the raw message still holds their address)"
	case "mail_bounces.removed":
		return "Bounces of their address forgotten"
	case "mail_to_person.cleared":
		return "Mail to them: address replaced, text cleared"
	case "mail_about_person.name_replaced":
		return "Mail to others where their name is replaced"
	case "audit_values.shredded":
		return "Their values in the audit log made unreadable (their key destroyed)"
	case "file_contents.deleted":
		return "File contents deleted"
	}
	return kind
}

// ErasePage is the preview of an erasure.
type ErasePage struct {
	UserID       int64
	Name, Email  string
	Alias        string
	Rows         []CountRow
	Kinds        []ChoiceRow
	Refusal      string // why the erasure is refused; "" when it may go ahead
	BackupsUntil string // the day the last backup with the data is removed, with the zone
}

// CountRow is one line of the preview.
type CountRow struct {
	Label string
	Count int64
}

// ChoiceRow is one kind of text the admin removes or keeps.
type ChoiceRow struct {
	Name, Label string
	Remove      bool
}

// choiceKinds are the kinds of text, as the form names them.
var choiceKinds = []string{"ticket", "chat", "incident", "mail"}

// choiceLabel names a kind of text for the form.
func choiceLabel(kind string) string {
	switch kind {
	case "ticket":
		return "Ticket messages and subjects they wrote"
	case "chat":
		return "Chat messages they wrote"
	case "incident":
		return "What their incident reports said"
	}
	return "The mail they sent in (raw messages)"
}

// readChoice reads the kinds to remove from the form or query: all, when the form was
// never sent (no "chosen").
func readChoice(c echo.Context) Choice {
	if c.FormValue("chosen") == "" {
		return RemoveAll
	}
	var remove []string
	if params, err := c.FormParams(); err == nil {
		remove = params["remove"]
	}
	return Choice{RemoveTicketText: slices.Contains(remove, "ticket"), RemoveChatText: slices.Contains(remove, "chat"),
		RemoveIncidentText: slices.Contains(remove, "incident"), RemoveRawMail: slices.Contains(remove, "mail")}
}

func userID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// Preview shows what erasing the person would change, with the choice of what to remove.
func (h *Handler) Preview(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	return h.renderPreview(c, http.StatusOK, id, readChoice(c), web.Form{})
}

func (h *Handler) renderPreview(c echo.Context, status int, id int64, choice Choice, form web.Form) error {
	ctx := c.Request().Context()
	v := web.ViewerOf(c)
	u, err := user.NewStore(h.svc.db).ByID(ctx, id)
	if errors.Is(err, user.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	data := ErasePage{UserID: id, Name: u.Name, Email: u.Email}
	out, err := h.svc.Preview(ctx, id, choice, v)
	if refusal := refusalText(v.Lang, err); refusal != "" {
		data.Refusal = refusal // the page says so; a POST refused answers 409
	} else if err != nil {
		return err
	} else {
		data.Alias = out.Alias
		data.BackupsUntil = web.DayIn(v.Lang, out.BackupsUntil.In(audit.Zone())) + " (" + audit.TimeZone + ")"
		for _, k := range SortedKinds(out.Counts) {
			data.Rows = append(data.Rows, CountRow{Label: i18n.T(v.Lang, kindLabel(k)), Count: out.Counts[k]})
		}
		if out.Files.Blobs > 0 {
			data.Rows = append(data.Rows, CountRow{Label: i18n.T(v.Lang, kindLabel("file_contents.deleted")), Count: out.Files.Blobs})
		}
		if out.KeyDestroyed {
			data.Rows = append(data.Rows, CountRow{Label: i18n.T(v.Lang, kindLabel("audit_values.shredded")), Count: 1})
		}
	}
	on := map[string]bool{"ticket": choice.RemoveTicketText, "chat": choice.RemoveChatText, "incident": choice.RemoveIncidentText, "mail": choice.RemoveRawMail}
	for _, k := range choiceKinds {
		data.Kinds = append(data.Kinds, ChoiceRow{Name: k, Label: i18n.T(v.Lang, choiceLabel(k)), Remove: on[k]})
	}
	p := h.render.NewPage(c, "Erase a person")
	p.Form = form
	p.Data = data
	return c.Render(status, tplErase, p)
}

// SortedKinds lists the kinds an Outcome counts, sorted.
func SortedKinds(c map[string]int64) []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// refusalText says why an erasure is refused, in lang; "" when err is no refusal.
func refusalText(lang string, err error) string {
	var held *HeldError
	switch {
	case errors.As(err, &held):
		return i18n.T(lang, "A legal hold covers this person's records, so they cannot be erased: %s", held.Reason)
	case errors.Is(err, ErrAlreadyErased):
		return i18n.T(lang, "This person was erased already.")
	case errors.Is(err, ErrSelf):
		return i18n.T(lang, "You cannot erase yourself.")
	case errors.Is(err, ErrAdmin):
		return i18n.T(lang, "An admin cannot be erased: take the admin role away first.")
	}
	return ""
}

// Erase erases the person, once the admin confirmed the preview.
func (h *Handler) Erase(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	choice := readChoice(c)
	v := web.ViewerOf(c)
	if c.FormValue("confirm") == "" {
		form := web.Form{}
		form.Fail("confirm", "Confirm that you read what the erasure changes.")
		return h.renderPreview(c, http.StatusUnprocessableEntity, id, choice, form)
	}
	out, err := h.svc.Erase(c.Request().Context(), web.Actor(c), id, choice, v)
	if refusalText(v.Lang, err) != "" {
		return h.renderPreview(c, http.StatusConflict, id, choice, web.Form{})
	}
	if err != nil {
		return err
	}
	web.Flash(c, i18n.T(v.Lang, "The person was erased; Tugi now shows them as %s. Backups keep the erased data seven more days.", out.Alias))
	return web.Redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
}

// ExportPerson downloads the archive of a person's data.
func (h *Handler) ExportPerson(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := h.export.Gather(ctx, id)
	if errors.Is(err, user.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := h.export.Audit(ctx, web.Actor(c), a); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "application/zip")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="tugi-person-`+strconv.FormatInt(id, 10)+`.zip"`)
	res.WriteHeader(http.StatusOK)
	return h.export.Write(ctx, a, res)
}

// SetOrgExport grants or withdraws a customer's right to export their organisation.
func (h *Handler) SetOrgExport(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	allow := c.FormValue("allow") == "yes"
	err = h.svc.SetOrgExportRight(c.Request().Context(), web.Actor(c), id, allow)
	switch {
	case errors.Is(err, user.ErrNotFound), errors.Is(err, ErrNotCustomer):
		return echo.ErrNotFound
	case err != nil:
		return err
	}
	msg := "They may no longer export their organisation's data."
	if allow {
		msg = "They may now export their organisation's data, at /organisation/data."
	}
	web.Flash(c, i18n.T(web.ViewerOf(c).Lang, msg))
	return web.Redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
}

const tplOrgData = "privacy/organisation"

// orgExporter is the viewer when they may export their organisation; 404 otherwise.
func (h *Handler) orgExporter(c echo.Context) (*access.Viewer, error) {
	v := web.ViewerOf(c)
	if v.OrgID == 0 {
		return nil, echo.ErrNotFound
	}
	ok, err := HasOrgExportRight(c.Request().Context(), h.svc.db, v.UserID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, echo.ErrNotFound
	}
	return v, nil
}

// OrgData is the organisation's data protection contact's page: the export of everyone's
// data.
func (h *Handler) OrgData(c echo.Context) error {
	v, err := h.orgExporter(c)
	if err != nil {
		return err
	}
	p := h.render.NewPage(c, "Your organisation's data")
	p.Data = v.OrgName
	return c.Render(http.StatusOK, tplOrgData, p)
}

// ExportOrg downloads the archive of everyone in the viewer's organisation.
func (h *Handler) ExportOrg(c echo.Context) error {
	v, err := h.orgExporter(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	o, err := h.export.GatherOrganisation(ctx, v.OrgID)
	if err != nil {
		return err
	}
	if err := h.export.AuditOrganisation(ctx, web.Actor(c), o); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "application/zip")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="tugi-organisation-`+strconv.FormatInt(v.OrgID, 10)+`.zip"`)
	res.WriteHeader(http.StatusOK)
	return h.export.WriteOrganisation(ctx, o, res)
}
