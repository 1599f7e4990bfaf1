package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/loadtest"
	"tugi/app/user"
	"tugi/app/web"
)

// BenchmarkAdminUsersPage measures a list page through the whole stack (session lookup,
// access rule, a keyset query, the full layout) against a bare Echo handler that renders
// the same template from memory, in the same run, 16 clients for 5 s each.
func BenchmarkAdminUsersPage(b *testing.B) {
	app := apptest.New(b)
	ctx := context.Background()
	svc := user.NewService(app.DB, app.Server.Sessions)
	for i := range 2000 {
		if _, err := svc.Create(ctx, audit.Job("bench"), user.NewUser{Email: fmt.Sprintf("person%04d@bench.example", i),
			Name: fmt.Sprintf("Person %04d", i), Roles: user.RoleList{access.Employee}}); err != nil {
			b.Fatal(err)
		}
	}
	c := app.SignIn(b, "admin@tugi.example")
	cookie := &http.Cookie{Name: auth.CookieName, Value: c.Cookie(auth.CookieName)}

	admin, err := user.NewStore(app.DB).ByEmail(ctx, "admin@tugi.example")
	if err != nil {
		b.Fatal(err)
	}
	users, _, err := user.NewStore(app.DB).List(ctx, user.ListFilter{Limit: 50})
	if err != nil {
		b.Fatal(err)
	}
	bare := echo.New()
	bare.Renderer = app.Server.Renderer
	bare.GET("/admin/users", func(c echo.Context) error {
		web.SetViewer(c, admin.Viewer())
		p := app.Server.Renderer.NewPage(c, "Users")
		p.Data = user.UsersPage{Users: users, Next: "after=x"}
		return c.Render(http.StatusOK, "admin/users", p)
	})
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	const concurrency, duration = 16, 5 * time.Second
	base := loadtest.Run(ctx, loadtest.Get(bareSrv.URL+"/admin/users"), http.StatusOK, concurrency, duration)
	full := loadtest.Run(ctx, loadtest.Get(app.URL+"/admin/users", cookie), http.StatusOK, concurrency, duration)
	if base.Errors > 0 || full.Errors > 0 {
		b.Fatalf("errors: bare %d, full %d", base.Errors, full.Errors)
	}
	ratio := full.RPS() / base.RPS()
	b.Logf("bare render of the users page:        %s", base)
	b.Logf("/admin/users, signed in, 2,007 users: %s", full)
	b.Logf("ratio %.2f (target for list pages: at least 0.30), c%d for %s each", ratio, concurrency, duration)
	b.ReportMetric(full.RPS(), "req/s")
	b.ReportMetric(ratio, "ratio-to-bare")
	b.ReportMetric(float64(full.P99)/1e6, "p99-ms")
}
