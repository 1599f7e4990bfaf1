package incident_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/incident"
	"tugi/app/user"
)

// dlClock is a clock the tests move by hand; the server and the service read it.
type dlClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *dlClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *dlClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// dlApp is a Tugi whose clock starts at start.
func dlApp(t *testing.T, start time.Time) (*apptest.App, *dlClock) {
	t.Helper()
	clock := &dlClock{t: start}
	return apptest.NewWith(t, apptest.Options{Now: clock.Now}), clock
}

// dlBreach has employee report an incident at the clock's time, the CISO decide it is a
// personal-data breach and name agent its handler, and adds the organisations orgs; it
// returns the incident.
func dlBreach(t *testing.T, app *apptest.App, clock *dlClock, orgs ...int64) *incident.Incident {
	t.Helper()
	ctx := context.Background()
	svc := incident.NewService(incident.Options{DB: app.DB, PublicURL: "https://tugi.example", Now: clock.Now})
	inc, err := svc.Report(ctx, audit.Job("test"), viewer(t, app, employee), incident.ReportRequest{
		Summary: "The customer export was readable without signing in.", PersonalData: incident.PersonalYes})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	ciso := viewer(t, app, ciso)
	if err := svc.Decide(ctx, audit.Job("test"), ciso, inc.ID, incident.Decisions{PersonalBreach: &yes,
		PersonalBreachRationale: "Names and e-mail addresses of customers' users were exposed."}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddHandler(ctx, audit.Job("test"), ciso, inc.ID, viewer(t, app, agent).UserID); err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if err := svc.AddOrganisation(ctx, audit.Job("test"), ciso, inc.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	return inc
}

func dlOrg(t *testing.T, app *apptest.App, name string) int64 {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM organisations WHERE name = $1`, name); err != nil {
		t.Fatal(err)
	}
	return id
}

// dlClockState reads the state of clock key as the incident page shows it to who.
func dlClockState(t *testing.T, c *apptest.Client, path, key string) string {
	t.Helper()
	p := c.Get(t, path, http.StatusOK)
	s := p.Doc.Find(`#incident-clocks li[data-clock="` + key + `"]`)
	if s.Length() != 1 {
		t.Fatalf("%s shows %d clocks %s:\n%s", path, s.Length(), key, p.Text("#deadlines"))
	}
	return s.AttrOr("data-state", "")
}

// A personal-data breach affecting three customers runs three customer clocks; each
// notice, sent through Tugi to that customer's contacts, stops its own clock and no other.
func TestDeadlinesThreeCustomersThreeNotices(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Date(2026, 10, 24, 18, 0, 0, 0, time.UTC))
	ctx := context.Background()
	third, err := user.NewService(app.DB, app.Server.Sessions).CreateOrganisation(ctx, audit.Job("test"), "Third Customer OÜ")
	if err != nil {
		t.Fatal(err)
	}
	orgs := []int64{dlOrg(t, app, "Demo Customer OÜ"), dlOrg(t, app, "Second Customer AS"), third}
	inc := dlBreach(t, app, clock, orgs...)
	path := incident.Path(inc.ID)
	c := app.SignIn(t, ciso)

	for _, o := range orgs {
		if s := dlClockState(t, c, path, "customer:"+strconv.FormatInt(o, 10)); s != "running" {
			t.Errorf("customer %d before any notice: %s, want running", o, s)
		}
	}
	// The page says when each customer's own 72 hours would end if told now.
	if n := c.Get(t, path, http.StatusOK).Doc.Find("#customer-costs li.unsent").Length(); n != 3 {
		t.Errorf("%d customers shown as not told, want 3", n)
	}

	clock.Add(3 * time.Hour)
	for i, o := range orgs {
		key := "customer:" + strconv.FormatInt(o, 10)
		form := c.Get(t, path+"/notices/new?kind=customer&org="+strconv.FormatInt(o, 10), http.StatusOK)
		if got := form.Doc.Find(`#notice-form input[name="clock"]`).AttrOr("value", ""); got != key {
			t.Fatalf("the form is for %q, want %q", got, key)
		}
		c.Post(t, path+"/notices", url.Values{"clock": {key}, "subject": {"Notice of a personal-data breach"},
			"body": {"On 24 October the export of your users' names was readable without signing in."}}, http.StatusSeeOther)
		for j, other := range orgs {
			want := "running"
			if j <= i {
				want = "met"
			}
			if s := dlClockState(t, c, path, "customer:"+strconv.FormatInt(other, 10)); s != want {
				t.Errorf("after the notice to customer %d, customer %d: %s, want %s", i, j, s, want)
			}
		}
	}
	var notices, recipients, mails int
	app.DB.Get(&notices, `SELECT count(*) FROM incident_notices WHERE incident_id = $1 AND kind = 'customer'`, inc.ID)
	app.DB.Get(&recipients, `SELECT count(*) FROM incident_notice_recipients r JOIN incident_notices n ON n.id = r.notice_id WHERE n.incident_id = $1`, inc.ID)
	app.DB.Get(&mails, `SELECT count(*) FROM mail_outbox WHERE kind = 'incident.customer_notice'`)
	var contacts int
	app.DB.Get(&contacts, `SELECT count(*) FROM users WHERE org_id = ANY($1) AND active AND 'customer' = ANY (roles)`, "{"+strconv.FormatInt(orgs[0], 10)+","+strconv.FormatInt(orgs[1], 10)+","+strconv.FormatInt(third, 10)+"}")
	if notices != 3 || recipients != contacts || mails != contacts || contacts < 2 {
		t.Errorf("%d notices, %d recipients, %d mails; want 3 notices and one recipient and mail per contact (%d)", notices, recipients, mails, contacts)
	}
	// The audit log has each notice, in the transaction of the change.
	var audited int
	app.DB.Get(&audited, `SELECT count(*) FROM audit_events WHERE action = 'incident.notice_recorded' AND object_id = $1`, strconv.FormatInt(inc.ID, 10))
	if audited != 3 {
		t.Errorf("%d notices audited, want 3", audited)
	}
}

// A notice submitted after its deadline is refused without the reason for the delay
// (GDPR Art. 33(1)), and with it stops the clock as "met late".
func TestDeadlinesLateNoticeNeedsAReason(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC))
	org := dlOrg(t, app, "Demo Customer OÜ")
	inc := dlBreach(t, app, clock, org)
	path := incident.Path(inc.ID)
	c := app.SignIn(t, ciso)
	key := "customer:" + strconv.FormatInt(org, 10)

	clock.Add(18 * time.Hour) // 6 h left of 24: amber
	if s := dlClockState(t, c, path, key); s != "due_soon" {
		t.Errorf("with 6 h left: %s, want due_soon", s)
	}
	clock.Add(7 * time.Hour) // an hour overdue (across the spring change: real hours)
	if s := dlClockState(t, c, path, key); s != "overdue" {
		t.Errorf("an hour after the deadline: %s, want overdue", s)
	}
	form := url.Values{"clock": {key}, "subject": {"Breach notice"}, "body": {"Your users' names were exposed."}}
	p := c.Post(t, path+"/notices", form, http.StatusUnprocessableEntity)
	if p.FieldError("late_reason") == "" {
		t.Errorf("a late notice without a reason: no message beside the reason:\n%s", p.Text("main"))
	}
	if p.Doc.Find("#body").Text() != form.Get("body") {
		t.Error("the notice's text was not kept")
	}
	var n int
	app.DB.Get(&n, `SELECT count(*) FROM incident_notices WHERE incident_id = $1`, inc.ID)
	if n != 0 {
		t.Fatalf("%d notices written by a refused form", n)
	}
	form.Set("late_reason", "The customer's security contact was only confirmed this morning.")
	c.Post(t, path+"/notices", form, http.StatusSeeOther)
	if s := dlClockState(t, c, path, key); s != "met_late" {
		t.Errorf("after the late notice: %s, want met_late", s)
	}
	if !strings.Contains(c.Get(t, path, http.StatusOK).Text("#deadlines"), "only confirmed this morning") {
		t.Error("the incident does not show the reason for the delay")
	}

	// A notice to the authority with a time after the deadline needs its reason too.
	if err := incident.NewService(incident.Options{DB: app.DB, Now: clock.Now}).RecordBreachAccount(context.Background(),
		audit.Job("test"), viewer(t, app, ciso), inc.ID, incident.BreachAccount{VendorController: true,
			VendorControllerRationale: "Our own staff's accounts were in the export."}); err != nil {
		t.Fatal(err)
	}
	late := clock.Now().Add(48 * time.Hour)
	clock.Add(60 * time.Hour)
	at := late.In(mustTallinn(t)).Format("2006-01-02T15:04")
	auth := url.Values{"clock": {"authority"}, "submitted_at": {at}, "channel": {"portal"}, "reference": {"AKI-2026-17"},
		"body": {"Art. 33 notification as submitted."}}
	if p := c.Post(t, path+"/notices", auth, http.StatusUnprocessableEntity); p.FieldError("late_reason") == "" {
		t.Errorf("a late authority notice without a reason was not refused beside the reason")
	}
	auth.Set("late_reason", "The portal was down.")
	c.Post(t, path+"/notices", auth, http.StatusSeeOther)
	if s := dlClockState(t, c, path, "authority"); s != "met_late" {
		t.Errorf("authority after its late notice: %s", s)
	}
}

func mustTallinn(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A customer sees on /notices the notices sent to its own organisation, never the
// incident, and acknowledges them; a customer of another organisation sees nothing and
// cannot acknowledge it (404). The acknowledgement shows on the incident.
func TestDeadlinesNoticesAreTheCustomersOwn(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Now().Add(-time.Hour))
	org := dlOrg(t, app, "Demo Customer OÜ")
	inc := dlBreach(t, app, clock, org)
	path := incident.Path(inc.ID)
	c := app.SignIn(t, ciso)
	body := "Names of your users were readable by anyone with the link between 09:00 and 11:00."
	c.Post(t, path+"/notices", url.Values{"clock": {"customer:" + strconv.FormatInt(org, 10)},
		"subject": {"Notice of a personal-data breach"}, "body": {body}}, http.StatusSeeOther)
	var noticeID int64
	if err := app.DB.Get(&noticeID, `SELECT id FROM incident_notices WHERE incident_id = $1`, inc.ID); err != nil {
		t.Fatal(err)
	}
	ack := "/notices/" + strconv.FormatInt(noticeID, 10) + "/acknowledge"

	other := app.SignIn(t, "customer@second-customer.example")
	if p := other.Get(t, "/notices", http.StatusOK); p.Doc.Find(".notice-card").Length() != 0 || !strings.Contains(p.Text("main"), "No incident notice") {
		t.Errorf("a customer of another organisation sees notices: %s", p.Text("main"))
	}
	other.Post(t, ack, url.Values{}, http.StatusNotFound)

	own := app.SignIn(t, customer)
	p := own.Get(t, "/notices", http.StatusOK)
	if !strings.Contains(p.Text("main"), body) {
		t.Fatalf("the customer does not see the notice: %s", p.Text("main"))
	}
	if strings.Contains(p.Text("main"), inc.Reference) || strings.Contains(p.Text("main"), inc.Summary) ||
		p.Doc.Find(`a[href^="/incidents"]`).Length() > 0 {
		t.Errorf("the notice page shows the incident: %s", p.Text("main"))
	}
	own.Get(t, path, http.StatusForbidden) // and the incident itself is not theirs to see
	own.Post(t, ack, url.Values{}, http.StatusSeeOther)
	own.Post(t, ack, url.Values{}, http.StatusSeeOther) // again: nothing changes
	if p := own.Get(t, "/notices", http.StatusOK); !strings.Contains(p.Text("main"), "You acknowledged it") {
		t.Errorf("after acknowledging: %s", p.Text("main"))
	}
	if c.Get(t, path, http.StatusOK).Doc.Find("#incident-notices .acknowledgements li[data-acknowledged]").Length() != 1 {
		t.Error("the incident does not show the customer's acknowledgement")
	}
	var audited int
	app.DB.Get(&audited, `SELECT count(*) FROM audit_events WHERE action = 'incident.notice_acknowledged'`)
	if audited != 1 {
		t.Errorf("%d acknowledgements audited, want 1", audited)
	}
}

// The register and the figures show each person the incidents the scope gives them: the
// CISO every breach, a handler those of their incidents, an agent named on none nothing.
func TestDeadlinesRegisterAndFiguresFollowTheScope(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Now().Add(-time.Hour))
	inc := dlBreach(t, app, clock, dlOrg(t, app, "Demo Customer OÜ"))
	if err := incident.NewService(incident.Options{DB: app.DB, Now: clock.Now}).RecordBreachAccount(context.Background(),
		audit.Job("test"), viewer(t, app, ciso), inc.ID, incident.BreachAccount{Effects: "Names exposed for two hours.",
			RemedialAction: "The link was revoked.", NotNotifiedReason: "Customers' data only: they notify."}); err != nil {
		t.Fatal(err)
	}
	for who, sees := range map[string]bool{ciso: true, agent: true, agent2: false} {
		c := app.SignIn(t, who)
		p := c.Get(t, "/incidents/register", http.StatusOK)
		if got := strings.Contains(p.Text("#register"), inc.Reference); got != sees {
			t.Errorf("%s sees the breach in the register: %v, want %v", who, got, sees)
		}
		csv := c.Get(t, "/incidents/register.csv", http.StatusOK)
		body := csv.Body
		if !strings.HasPrefix(body, "\ufeff") {
			t.Errorf("%s: the register's CSV does not begin with the UTF-8 BOM", who)
		}
		if got := strings.Contains(body, inc.Reference) && strings.Contains(body, "The link was revoked."); got != sees {
			t.Errorf("%s: the CSV holds the breach: %v, want %v", who, got, sees)
		}
		// The month's count, as the database says under the need-to-know rule written out
		// here apart from the scope function.
		f := c.Get(t, "/incidents/figures", http.StatusOK)
		month := clock.Now().In(mustTallinn(t)).Format("2006-01")
		var want int
		app.DB.Get(&want, `SELECT count(*) FROM incidents i WHERE to_char(i.reported_at AT TIME ZONE 'Europe/Tallinn', 'YYYY-MM') = $2 AND (
			EXISTS (SELECT 1 FROM users u WHERE u.email = $1 AND 'ciso' = ANY (u.roles)) OR
			EXISTS (SELECT 1 FROM incident_handlers h JOIN users u ON u.id = h.user_id WHERE h.incident_id = i.id AND u.email = $1))`, who, month)
		reported := strings.Fields(f.Doc.Find(`#figures tr[data-month="` + month + `"] td.num`).First().Text())
		if len(reported) == 0 || reported[0] != strconv.Itoa(want) || (sees && want == 0) || (!sees && want != 0) {
			t.Errorf("%s: figures count %v incidents this month, want %d", who, reported, want)
		}
		c.Get(t, "/incidents/figures.csv", http.StatusOK)
	}
	for _, who := range []string{employee, admin, customer} {
		c := app.SignIn(t, who)
		for _, p := range []string{"/incidents/register", "/incidents/register.csv", "/incidents/figures", "/incidents/figures.csv"} {
			c.Get(t, p, http.StatusForbidden)
		}
	}
}

// An incident does not close while a clock runs or a customer notice is unsent.
func TestDeadlinesCloseRules(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Now().Add(-2*time.Hour))
	org := dlOrg(t, app, "Demo Customer OÜ")
	inc := dlBreach(t, app, clock, org)
	ctx := context.Background()
	st := incident.NewStore(app.DB)
	reasons := func() []string {
		got, err := st.Get(ctx, incident.ScopeOf(viewer(t, app, ciso)), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := st.CloseRefusals(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	has := func(rs []string, r string) bool {
		for _, x := range rs {
			if x == r {
				return true
			}
		}
		return false
	}
	if rs := reasons(); !has(rs, incident.RefuseCustomerUnsent) || has(rs, incident.RefuseClockRuns) {
		t.Errorf("a breach with an unsent customer notice: %q", rs)
	}
	svc := incident.NewService(incident.Options{DB: app.DB, Now: clock.Now})
	if err := svc.RecordBreachAccount(ctx, audit.Job("test"), viewer(t, app, ciso), inc.ID,
		incident.BreachAccount{VendorController: true, VendorControllerRationale: "Staff accounts too."}); err != nil {
		t.Fatal(err)
	}
	if rs := reasons(); !has(rs, incident.RefuseClockRuns) {
		t.Errorf("with the authority's clock running: %q", rs)
	}
	if _, err := svc.RecordNotice(ctx, audit.Job("test"), viewer(t, app, ciso), inc.ID, incident.NoticeRequest{
		Kind: incident.ClockCustomer, OrgID: org, Body: "Your data was exposed."}); err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	if _, err := svc.RecordNotice(ctx, audit.Job("test"), viewer(t, app, ciso), inc.ID, incident.NoticeRequest{
		Kind: incident.ClockAuthority, Submitted: &now, Channel: "portal", Body: "Art. 33 notification."}); err != nil {
		t.Fatal(err)
	}
	if rs := reasons(); has(rs, incident.RefuseClockRuns) || has(rs, incident.RefuseCustomerUnsent) {
		t.Errorf("with every notice recorded: %q", rs)
	}
}

// Two deadline jobs on one database, as two processes run them, warn the CISO once per
// clock: once when it turns amber and once when it is overdue.
func TestDeadlinesJobWarnsOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC))
	inc := dlBreach(t, app, clock, dlOrg(t, app, "Demo Customer OÜ"), dlOrg(t, app, "Second Customer AS"))
	ctx := context.Background()
	jobs := []*incident.DeadlineJob{
		incident.NewDeadlineJob(incident.DeadlineJobOptions{DB: app.DB, PublicURL: "https://tugi.example", Now: clock.Now}),
		incident.NewDeadlineJob(incident.DeadlineJobOptions{DB: app.DB, PublicURL: "https://tugi.example", Now: clock.Now}),
	}
	run := func() int {
		var wg sync.WaitGroup
		sent := make([]int, len(jobs))
		for i, j := range jobs {
			wg.Go(func() {
				for range 3 {
					n, err := j.RunOnce(ctx)
					if err != nil {
						t.Error(err)
					}
					sent[i] += n
				}
			})
		}
		wg.Wait()
		return sent[0] + sent[1]
	}
	mails := func(kind string) int {
		var n int
		app.DB.Get(&n, `SELECT count(*) FROM mail_outbox WHERE kind = $1`, kind)
		return n
	}
	var cisos int
	app.DB.Get(&cisos, `SELECT count(*) FROM users WHERE active AND 'ciso' = ANY (roles)`)

	if n := run(); n != 0 {
		t.Errorf("at the start, %d warnings", n)
	}
	clock.Add(18*time.Hour + time.Minute) // both customer clocks turn amber
	if n := run(); n != 2 {
		t.Errorf("two clocks amber: %d warnings sent, want 2", n)
	}
	if m := mails("incident.deadline_soon"); m != 2*cisos {
		t.Errorf("%d warning mails, want one per clock per CISO (%d)", m, 2*cisos)
	}
	clock.Add(6 * time.Hour) // overdue
	if n := run(); n != 2 {
		t.Errorf("two clocks overdue: %d warnings, want 2", n)
	}
	if n := run(); n != 0 {
		t.Errorf("running again: %d warnings, want none", n)
	}
	var rows, audited int
	app.DB.Get(&rows, `SELECT count(*) FROM incident_clock_warnings WHERE incident_id = $1`, inc.ID)
	app.DB.Get(&audited, `SELECT count(*) FROM audit_events WHERE action = 'incident.deadline_warning'`)
	if rows != 4 || audited != 4 || mails("incident.deadline_overdue") != 2*cisos {
		t.Errorf("%d warnings recorded, %d audited, %d overdue mails; want 4, 4, %d", rows, audited, mails("incident.deadline_overdue"), 2*cisos)
	}
}

// The admin's target moves every running customer clock.
func TestDeadlinesAdminSetsTheCustomerTarget(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Now().Add(-5*time.Hour))
	org := dlOrg(t, app, "Demo Customer OÜ")
	inc := dlBreach(t, app, clock, org)
	clock.Add(5 * time.Hour)
	c := app.SignIn(t, ciso)
	key := "customer:" + strconv.FormatInt(org, 10)
	if s := dlClockState(t, c, incident.Path(inc.ID), key); s != "running" {
		t.Fatalf("5 h into the default 24: %s", s)
	}
	a := app.SignIn(t, admin)
	if p := a.Post(t, "/admin/incidents", url.Values{"hours": {"100"}}, http.StatusUnprocessableEntity); p.FieldError("hours") == "" {
		t.Error("100 hours accepted without a message")
	}
	a.Post(t, "/admin/incidents", url.Values{"hours": {"4"}}, http.StatusSeeOther)
	if s := dlClockState(t, c, incident.Path(inc.ID), key); s != "overdue" {
		t.Errorf("5 h into a 4-hour target: %s, want overdue", s)
	}
	app.SignIn(t, ciso).Get(t, "/admin/incidents", http.StatusForbidden)
}

// A significant incident runs the NIS2 clocks; the final report waits for the
// notification and is then due a calendar month after it (31 January → 28 February).
func TestDeadlinesNIS2FinalReportFollowsTheNotification(t *testing.T) {
	t.Parallel()
	tallinn := mustTallinn(t)
	app, clock := dlApp(t, time.Date(2026, 1, 30, 9, 0, 0, 0, tallinn))
	ctx := context.Background()
	svc := incident.NewService(incident.Options{DB: app.DB, Now: clock.Now})
	ciso := viewer(t, app, ciso)
	inc, err := svc.Report(ctx, audit.Job("test"), viewer(t, app, employee), incident.ReportRequest{Summary: "The API was down for every customer."})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := svc.Decide(ctx, audit.Job("test"), ciso, inc.ID, incident.Decisions{NIS2Significant: &yes,
		NIS2Rationale: "All customers lost service for four hours."}); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, ciso.Email)
	path := incident.Path(inc.ID)
	for key, want := range map[string]string{"early_warning": "running", "notification": "running", "final_report": "waiting", "authority": "not_applicable"} {
		if s := dlClockState(t, c, path, key); s != want {
			t.Errorf("%s: %s, want %s", key, s, want)
		}
	}
	now := clock.Now()
	if _, err := svc.RecordNotice(ctx, audit.Job("test"), ciso, inc.ID, incident.NoticeRequest{Kind: incident.ClockFinalReport,
		Submitted: &now, Channel: "portal", Body: "Final report."}); !errors.Is(err, incident.ErrNoticeWaiting) {
		t.Errorf("a final report before the notification: %v, want ErrNoticeWaiting", err)
	}
	clock.Add(31*time.Hour + 45*time.Minute) // 31 January 16:45 in Tallinn
	for _, k := range []incident.ClockKind{incident.ClockEarlyWarning, incident.ClockNotification} {
		now := clock.Now()
		r := incident.NoticeRequest{Kind: k, Submitted: &now, Channel: "portal", Reference: "CERT-EE 42", Body: "Submitted."}
		if k == incident.ClockEarlyWarning {
			r.LateReason = "The on-call CISO was unreachable overnight." // 24 h passed
		}
		if _, err := svc.RecordNotice(ctx, audit.Job("test"), ciso, inc.ID, r); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if s := dlClockState(t, c, path, "early_warning"); s != "met_late" {
		t.Errorf("early warning after 31 h: %s", s)
	}
	p := c.Get(t, path, http.StatusOK)
	final := p.Doc.Find(`#incident-clocks li[data-clock="final_report"] time`)
	due, _ := time.Parse(time.RFC3339, final.AttrOr("datetime", ""))
	if want := time.Date(2026, 2, 28, 16, 45, 0, 0, tallinn); !due.Equal(want) {
		t.Errorf("final report due %s, want %s", due.In(tallinn), want)
	}
	if !strings.Contains(final.AttrOr("title", ""), "EET") {
		t.Errorf("the deadline's zone is not named on hover: %q", final.AttrOr("title", ""))
	}
}

// The board lists the next deadlines across the open incidents, overdue first; an agent
// named on none of them sees none.
func TestDeadlinesOnTheBoardOverdueFirst(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Now().Add(-40*time.Hour))
	org := dlOrg(t, app, "Demo Customer OÜ")
	late := dlBreach(t, app, clock, org)
	clock.Add(39 * time.Hour) // late's customer clock is 15 h overdue
	fresh := dlBreach(t, app, clock, org)
	clock.Add(time.Hour)
	p := app.SignIn(t, ciso).Get(t, "/incidents", http.StatusOK)
	var refs, states []string
	p.Doc.Find("#next-deadlines li.clock").Each(func(_ int, s *goquery.Selection) {
		refs = append(refs, strings.TrimSpace(s.Find("a strong").Text()))
		states = append(states, s.AttrOr("data-state", ""))
	})
	li, fi := slices.Index(refs, late.Reference), slices.Index(refs, fresh.Reference)
	if li < 0 || fi < 0 || li > fi || states[li] != "overdue" || states[fi] != "running" {
		t.Errorf("next deadlines %v %v; want %s overdue before %s running", refs, states, late.Reference, fresh.Reference)
	}
	for i := 1; i < len(states); i++ {
		if states[i-1] != "overdue" && states[i] == "overdue" {
			t.Errorf("an overdue clock after a running one: %v", states)
		}
	}
	if n := app.SignIn(t, agent2).Get(t, "/incidents", http.StatusOK).Doc.Find("#next-deadlines li.clock").Length(); n != 0 {
		t.Errorf("agent2, named on no incident, sees %d deadlines", n)
	}
}
