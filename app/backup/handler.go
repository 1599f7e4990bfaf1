package backup

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/route"
	"tugi/app/web"
)

// tplBackups is the template of the backups page.
const tplBackups = "admin/backups"

// Handler serves the log of backups and drills to the admins and the CISO.
type Handler struct {
	svc    *Service
	render *web.Renderer
}

// NewHandler returns the backups page of svc.
func NewHandler(svc *Service, r *web.Renderer) *Handler { return &Handler{svc: svc, render: r} }

// Routes is the backups page.
func (h *Handler) Routes() []route.Route {
	return []route.Route{
		{Method: http.MethodGet, Path: "/admin/backups", Kind: route.Page, Rule: access.AnyOf(access.Admin, access.CISO), Strength: access.SecondFactor, Handler: h.Backups},
	}
}

// BackupsPage is the data of the backups page.
type BackupsPage struct {
	Configured bool
	CanDrill   bool
	Dir        string
	Keep       int
	LastBackup *time.Time // the newest good backup's start
	Late       bool       // none, or older than Late
	LastDrill  *time.Time
	Runs       []Run
	Zone       string
}

// Backups shows whether backups are made as promised, and the latest runs.
func (h *Handler) Backups(c echo.Context) error {
	ctx := c.Request().Context()
	runs, err := h.svc.Runs(ctx, 60)
	if err != nil {
		return err
	}
	zone := audit.Zone()
	data := BackupsPage{Configured: h.svc.Configured(), CanDrill: h.svc.CanDrill(), Dir: h.svc.Dir(), Keep: Keep, Zone: zone.String()}
	for i := range runs {
		runs[i].StartedAt, runs[i].FinishedAt = runs[i].StartedAt.In(zone), runs[i].FinishedAt.In(zone)
	}
	data.Runs = runs
	for _, kind := range []string{"backup", "drill"} {
		last, err := h.svc.lastGood(ctx, kind)
		if err != nil {
			return err
		}
		if last.IsZero() {
			continue
		}
		last = last.In(zone)
		if kind == "backup" {
			data.LastBackup = &last
		} else {
			data.LastDrill = &last
		}
	}
	data.Late = data.LastBackup == nil || h.svc.o.Now().Sub(*data.LastBackup) > Late
	p := h.render.NewPage(c, "Backups")
	p.Data = data
	return c.Render(http.StatusOK, tplBackups, p)
}
