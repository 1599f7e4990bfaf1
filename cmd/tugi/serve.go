package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"tugi/app/backup"
	"tugi/app/blob"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/demo"
	"tugi/app/formtoken"
	"tugi/app/inbound"
	"tugi/app/incident"
	"tugi/app/job"
	"tugi/app/live"
	"tugi/app/mail"
	"tugi/app/report"
	"tugi/app/retention"
	"tugi/app/server"
	"tugi/app/sla"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"
)

// The vendor's customer-support contact, from its information-security sheet.
const (
	supportPhone = "+372 671 8578"
	supportEmail = "info@directo.ee"
)

// ServeGCPercent is the garbage collector's target (GOGC) the server runs with unless
// GOGC is set, and ServeMemoryLimit its soft memory limit unless GOMEMLIMIT is set. A page
// allocates a few hundred kilobytes that live for milliseconds, and the heap that stays
// is small (tens of megabytes), so at Go's default of 100 the collector ran several times
// a second under load, slowing the requests it met. At 400 the busiest pages served 15–30 %
// more requests than at 100; at 1000 another 3 %, with the agent queue's p99 a few
// milliseconds shorter, for about 150 MB of memory instead of 80 (2000 gained nothing
// more). The limit makes the collector work harder as the heap nears 1 GiB, so a larger
// live heap (many open streams, say) does not grow eleven times over.
const (
	ServeGCPercent   = 1000
	ServeMemoryLimit = 1 << 30
)

// tuneGC sets ServeGCPercent and ServeMemoryLimit unless the environment sets GOGC and
// GOMEMLIMIT.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(ServeGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(ServeMemoryLimit)
	}
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("serve", serveAbout(), stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg.LogLevel, cfg.LogFormat)
	tuneGC(os.Getenv)

	db, place, closeDB, err := openDatabase(ctx, cfg, log, cfg.Migrate, asApp)
	if err != nil {
		return err
	}
	defer closeDB()
	factors, err := factorKey(cfg, place, log)
	if err != nil {
		return err
	}
	if err := auth.PrepareFactors(ctx, db, factors, log); err != nil {
		return err
	}

	// The background jobs, and the registry /metrics serves: their figures and the Go
	// runtime's and the process's (app/job).
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	backups, err := backupService(cfg, db, place, log)
	if err != nil {
		return err
	}
	jobs := backgroundJobs(ctx, db, cfg, log, backups)
	runner, err := job.NewRunner(job.Options{DB: db, Log: log, Metrics: metrics}, jobs...)
	if err != nil {
		return err
	}

	// The live layer: one listening connection, and this process's streams (app/live).
	hub := live.NewHub(live.Options{DB: db, DSN: place.DSN, Log: log})
	srv, err := server.New(server.Options{DB: db, Config: cfg, Log: log, Throttle: auth.DefaultThrottle,
		Support: web.Support{Phone: supportPhone, Email: supportEmail}, Jobs: jobs, Metrics: metrics, Live: hub, Backups: backups,
		FactorKey: factors})
	if err != nil {
		return err
	}
	if place.Embedded {
		if err := loadDemoOnce(ctx, db, srv.Sessions, factors, log); err != nil {
			return err
		}
	}

	httpSrv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           srv.Echo,
		ReadHeaderTimeout: 10 * time.Second,
		// The bounds of a request no route serves. Each route's kind sets its own
		// deadlines as it starts (app/server): short for pages and forms, long for files,
		// none for a stream. A slow client's headers get only ReadHeaderTimeout.
		ReadTimeout:  5 * time.Minute,
		WriteTimeout: 5 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		TLSConfig: &tls.Config{
			MinVersion:       tls.VersionTLS12,
			CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256},
			// TLS 1.2 with forward secrecy and AEAD only: Go's defaults still offer the
			// CBC-SHA1 suites, open to LUCKY13-style timing attacks. Every TLS 1.2 client
			// of the last decade has one of these; TLS 1.3's suites are all AEAD and not
			// configurable.
			CipherSuites: []uint16{
				tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
				tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
				tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			},
		},
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (TUGI_ADDR): %w", cfg.Addr, err)
	}
	var idln net.Listener
	if cfg.IDCardAddr != "" {
		if idln, err = net.Listen("tcp", cfg.IDCardAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (TUGI_IDCARD_ADDR): %w", cfg.IDCardAddr, err)
		}
	}

	var wg sync.WaitGroup
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() { runner.Run(bgCtx) })
	wg.Go(func() { hub.Run(bgCtx) })

	receiver, err := startInbound(bgCtx, &wg, srv.Inbound, cfg, httpSrv.TLSConfig, log)
	if err != nil {
		stopBackground()
		wg.Wait()
		ln.Close()
		if idln != nil {
			idln.Close()
		}
		return err
	}

	serveErr := make(chan error, 2)
	go func() {
		if cfg.TLS() {
			serveErr <- httpSrv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			serveErr <- httpSrv.Serve(ln)
		}
	}()
	// The ID-card listener: the same application, over HTTPS that asks the browser for a
	// client certificate. It asks and does not require, and checks nothing itself, so a
	// missing, expired or foreign certificate reaches /login/id-card, which says what is
	// wrong instead of the browser's bare handshake error.
	var idcardSrv *http.Server
	if idln != nil {
		idcardSrv = &http.Server{Handler: srv.Echo, ReadHeaderTimeout: httpSrv.ReadHeaderTimeout, ReadTimeout: time.Minute,
			WriteTimeout: time.Minute, IdleTimeout: httpSrv.IdleTimeout, TLSConfig: httpSrv.TLSConfig.Clone()}
		idcardSrv.TLSConfig.ClientAuth = tls.RequestClientCert
		go func() { serveErr <- idcardSrv.ServeTLS(idln, cfg.TLSCert, cfg.TLSKey) }()
		log.Info("ID-card sign-in is ready", "url", cfg.IDCardURL(), "listening", idln.Addr().String())
	}
	log.Info("Tugi is ready", "url", cfg.PublicURL.String(), "listening", ln.Addr().String(), "tls", cfg.TLS(), "embedded_database", place.Embedded)
	if place.Embedded {
		log.Info("demo users: sign in as admin@tugi.example (or see the README) with password " + demo.Password +
			", then a code of the demo authenticator key " + demo.TOTPSecret)
	}

	select {
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		if cfg.ShutdownDrain > 0 {
			// /readyz says 503 while everything else is still served, and each connection
			// closes after its next answer, so the load balancer moves traffic to other
			// processes before this one stops listening: nobody's connection is refused.
			log.Info("shutting down: draining, /readyz answers 503", "drain", cfg.ShutdownDrain)
			srv.Drain()
			httpSrv.SetKeepAlivesEnabled(false)
			drain := time.NewTimer(cfg.ShutdownDrain)
			select {
			case <-drain.C:
			case err = <-serveErr:
				drain.Stop()
				err = fmt.Errorf("serve: %w", err)
			}
		}
		// Streams never end by themselves: end them (their clients reconnect elsewhere),
		// or Shutdown would wait for them until its timeout.
		hub.Close()
		log.Info("shutting down: letting requests in flight finish", "timeout", cfg.ShutdownTimeout)
		shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if shutErr := httpSrv.Shutdown(shutdownCtx); shutErr != nil && err == nil {
			err = fmt.Errorf("shutdown: %w", shutErr)
		}
		if idcardSrv != nil {
			if shutErr := idcardSrv.Shutdown(shutdownCtx); shutErr != nil && err == nil {
				err = fmt.Errorf("shutdown of the ID-card listener: %w", shutErr)
			}
		}
		if receiver != nil {
			if shutErr := receiver.Shutdown(shutdownCtx); shutErr != nil {
				log.Warn("shutdown: the SMTP receiver", "error", shutErr)
			}
		}
	}
	stopBackground()
	wg.Wait()
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		log.Info("Tugi stopped")
		return nil
	}
	return err
}

// backgroundJobs are the jobs tugi serve runs, in the order the jobs page lists them. The
// mail and SLA jobs claim their work with FOR UPDATE SKIP LOCKED (the SLA job's walk after a
// settings change takes its own advisory lock), so every process runs them; clearing mail
// bodies and removing ended sessions run in one process at a time (two would only wait on
// each other's row locks); every process logs the audit head in its own log, as each log is
// a copy kept elsewhere. Backups and restore drills run in one process at a time, when the
// log of backups says one is due, and only where there is a key for them.
func backgroundJobs(ctx context.Context, db *sqlx.DB, cfg *config.Config, log *slog.Logger, backups *backup.Service) []job.Job {
	mailer := mail.NewWorker(db, cfg.Mail, log)
	clocks := ticket.NewSLAJob(ticket.JobOptions{DB: db, Calendars: sla.NewCalendars(db), BaseURL: cfg.PublicURL.String(), Log: log})
	// A store of its own, as the list is built before the server (whose jobs page shows
	// it): removing ended sessions needs only the database and the idle time.
	sessions := auth.NewSessionStore(db, cfg.Secure(), cfg.SessionIdle, cfg.SessionMax)
	var jobs []job.Job
	if mailer.Configured(ctx) { // without TUGI_SMTP_URL, it says once that mail stays queued
		jobs = append(jobs, job.Job{Name: "mail.send", About: "Sends the queued e-mail: notices of tickets and SLA warnings.",
			Every: mailer.Poll, Run: mailer.Send})
	}
	// Inbound mail stored but not processed (a crash, a database lost in between): a
	// service of its own, as the list is built before the server.
	tickets := ticket.NewService(ticket.Options{DB: db, Calendars: sla.NewCalendars(db), PublicURL: cfg.PublicURL.String(),
		Attachments: ticket.AttachmentLimits{MaxSize: cfg.AttachmentMaxSize, MaxFiles: cfg.AttachmentMaxFiles, OrgQuota: cfg.OrgStorageQuota}})
	incidents := incident.NewService(incident.Options{DB: db, PublicURL: cfg.PublicURL.String(),
		Files: ticket.AttachmentLimits{MaxSize: cfg.AttachmentMaxSize, MaxFiles: cfg.AttachmentMaxFiles}})
	leftover := inbound.NewService(inbound.Options{DB: db, Tickets: tickets, Incidents: inbound.Incidents(db, incidents),
		PasswordLinks: auth.PasswordLinks{PublicURL: cfg.PublicURL.String()}, MailDomain: cfg.Mail.Domain, Log: log})
	jobs = append(jobs, job.Job{Name: "inbound.process", About: "Processes e-mail received and stored but not yet turned into tickets (after a crash or a failed attempt).",
		Every: time.Minute, Run: func(ctx context.Context) error { _, err := leftover.ProcessLeft(ctx, time.Minute); return err }})
	if backups.Configured() {
		jobs = append(jobs, job.Job{Name: "backup.daily", About: "Makes the daily encrypted backup of the whole database when one is due, keeps the newest seven, and warns the admins and the CISO when one fails or is late.",
			Every: backup.CheckEvery, OneAtATime: true, Run: backups.BackupJob})
	}
	if backups.CanDrill() {
		jobs = append(jobs, job.Job{Name: "backup.drill", About: "Once a month, restores the newest backup into a scratch database and checks it against its manifest.",
			Every: time.Hour, OneAtATime: true, Run: backups.DrillJob})
	}
	return append(jobs,
		job.Job{Name: "mail.clear_bodies", About: "Clears the text of e-mail sent or given up on more than seven days ago, as personal data no longer needed.",
			Every: mail.ClearEvery, OneAtATime: true, Run: mailer.ClearBodies},
		job.Job{Name: "sla.clocks", About: "Tells agents and teams of SLA warnings and breaches, and recomputes due times after the calendar or a policy changes.",
			Every: ticket.SLAJobEvery, Run: clocks.Run},
		job.Job{Name: "incident.deadlines", About: "Warns the CISO by e-mail when an incident's legal or customer deadline comes close, and when it passes.",
			Every: incident.DeadlineJobEvery, Run: incident.NewDeadlineJob(incident.DeadlineJobOptions{DB: db, PublicURL: cfg.PublicURL.String(), Log: log}).Run},
		job.Job{Name: "sessions.cleanup", About: "Removes ended sessions.",
			Every: 10 * time.Minute, OneAtATime: true, Run: func(ctx context.Context) error { return sessions.Cleanup(ctx, log) }},
		job.Job{Name: "forms.prune_tokens", About: "Forgets the tokens of forms sent more than seven days ago.",
			Every: formtoken.PruneEvery, OneAtATime: true, Run: func(ctx context.Context) error { return formtoken.Prune(ctx, db, time.Now()) }},
		job.Job{Name: "live.prune", About: "Removes live events older than a day, which reconnecting pages no longer ask for.",
			Every: live.PruneEvery, OneAtATime: true, Run: func(ctx context.Context) error { return live.Prune(ctx, db, time.Now()) }},
		job.Job{Name: retention.JobName, About: "Once a day, removes what the retention rules let expire and no legal hold covers, and records what it removed.",
			Every: retention.CheckEvery, OneAtATime: true, Run: retention.New(retention.Options{DB: db, Log: log}).Job},
		job.Job{Name: "blob.collect", About: "Deletes stored files that nothing refers to any more (an erased person's, a removed ticket's), a day after they were last stored.",
			Every: 6 * time.Hour, OneAtATime: true, Run: func(ctx context.Context) error {
				got, err := blob.Collect(ctx, db, blob.CollectGrace)
				if got.Blobs > 0 {
					log.Info("blob: deleted files nothing refers to", "files", got.Blobs, "bytes", got.Bytes)
				}
				return err
			}},
		job.Job{Name: "report.rollup", About: "Keeps the figures of /reports: each changed ticket's and chat's times in business time of the support calendar.",
			Every: report.RollupEvery, OneAtATime: true, Run: report.NewRollup(db, sla.NewCalendars(db).Current).Run},
		job.Job{Name: "audit.head_log", About: "Writes the audit chain's head to the log, so that a copy of the log kept elsewhere exposes a rewrite of the chain.",
			Every: 24 * time.Hour, Run: func(ctx context.Context) error { return audit.LogHead(ctx, db, log) }},
	)
}

// startInbound starts the SMTP receiver (TUGI_INBOUND_SMTP_ADDR) and the IMAP reader
// (TUGI_INBOUND_IMAP_URL), each when configured, under wg; the receiver is returned for
// shutdown (nil when none). STARTTLS uses the HTTPS certificate and settings.
func startInbound(ctx context.Context, wg *sync.WaitGroup, in *inbound.Service, cfg *config.Config, httpsTLS *tls.Config, log *slog.Logger) (*inbound.SMTPServer, error) {
	ic := cfg.Inbound
	if ic.IMAP != nil {
		reader := inbound.NewIMAPReader(in, inbound.IMAPOptions{Mailbox: ic.IMAP, Support: ic.SupportAddress, Security: ic.SecurityAddress})
		wg.Go(func() { reader.Run(ctx) })
	}
	if ic.SMTPAddr == "" {
		return nil, nil
	}
	var tlsCfg *tls.Config
	if cfg.TLS() {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("inbound smtp: certificate (TUGI_TLS_CERT): %w", err)
		}
		tlsCfg = httpsTLS.Clone()
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	domain := cfg.Mail.Domain
	if domain == "" {
		domain = cfg.PublicURL.Hostname()
	}
	receiver := inbound.NewSMTPServer(in, inbound.SMTPOptions{Addr: ic.SMTPAddr, Relays: ic.Relays, Support: ic.SupportAddress,
		Security: ic.SecurityAddress, MaxBytes: ic.MaxSize, TLS: tlsCfg, Domain: domain})
	ln, err := net.Listen("tcp", ic.SMTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (TUGI_INBOUND_SMTP_ADDR): %w", ic.SMTPAddr, err)
	}
	log.Info("receiving e-mail over SMTP", "listening", ln.Addr().String(), "support", ic.SupportAddress,
		"security", ic.SecurityAddress, "starttls", tlsCfg != nil)
	wg.Go(func() {
		if err := receiver.Serve(ln); err != nil {
			log.Error("the SMTP receiver stopped", "error", err)
		}
	})
	return receiver, nil
}

// loadDemoOnce fills a database that has nobody in it with the demo data.
func loadDemoOnce(ctx context.Context, db *sqlx.DB, sessions user.SessionRevoker, factors *auth.FactorKey, log *slog.Logger) error {
	n, err := user.NewStore(db).Counts(ctx)
	if err != nil {
		return err
	}
	if n.ActiveUsers+n.Inactive > 0 {
		return nil
	}
	if err := demo.Load(ctx, db, sessions, factors); err != nil {
		return err
	}
	log.Info("demo data loaded into the embedded database")
	return nil
}

func serveAbout() string {
	var b strings.Builder
	b.WriteString("Runs Tugi's web server. Without DATABASE_URL it starts its own PostgreSQL under TUGI_DATA_DIR\n")
	b.WriteString("and loads the demo data on the first start. Stop it with Ctrl-C (SIGINT) or SIGTERM.\n\nEnvironment:\n")
	for _, v := range config.Variables {
		def := v.Default
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(&b, "  %-22s %s (default: %s)\n", v.Name, v.Help, def)
	}
	return strings.TrimRight(b.String(), "\n")
}
