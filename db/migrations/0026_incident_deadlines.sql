-- The deadlines of security incidents (app/incident, clock.go): the notices that stop the
-- legal and contractual clocks, the admin's target for notices to customers, and the
-- warnings the job "incident.deadlines" has sent.
--
-- The clocks themselves are not stored: each is derived from the incident's moments
-- (0025), its triage decisions and the notices recorded here, by one pure function, so the
-- page, the board, the job and the closing rules can never disagree about a deadline.

-- A triage decision 0025 lacks: the breached data includes the vendor's own (its staff's or
-- its contacts'), for which the vendor is the controller and notifies the supervisory
-- authority itself (GDPR Art. 33(1)). For the customers' data the customers are the
-- controllers: the vendor tells them (Art. 33(2)) and they tell their authorities.
ALTER TABLE incidents
    ADD COLUMN vendor_controller           boolean NOT NULL DEFAULT false,
    ADD COLUMN vendor_controller_rationale text NOT NULL DEFAULT ''
        CHECK (length(vendor_controller_rationale) <= 5000);

-- A notice that stops a clock: to an affected customer (sent through Tugi to its customer
-- contacts), to the supervisory authority, or one of the NIS2 reports to the CSIRT.
CREATE TABLE incident_notices (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    kind         text NOT NULL CHECK (kind IN ('customer', 'authority', 'early_warning', 'notification', 'final_report')),
    org_id       bigint REFERENCES organisations (id), -- the customer told (customer notices only)
    -- When it was submitted: the moment that stops the clock. For a customer notice the
    -- moment Tugi sent it.
    submitted_at timestamptz NOT NULL,
    submitted_by bigint NOT NULL REFERENCES users (id),
    recorded_at  timestamptz NOT NULL,
    channel      text NOT NULL CHECK (channel IN ('tugi', 'portal', 'email', 'phone', 'letter', 'other')),
    reference    text NOT NULL DEFAULT '' CHECK (length(reference) <= 200), -- the authority's case number...
    subject      text NOT NULL DEFAULT '' CHECK (length(subject) <= 300),
    body         text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000),
    -- The deadline in force when the notice was recorded (NULL: no clock ran for it), and
    -- the reason a late notice was late (GDPR Art. 33(1)).
    due_at       timestamptz,
    late_reason  text NOT NULL DEFAULT '' CHECK (length(late_reason) <= 5000),
    CONSTRAINT incident_notices_org CHECK ((kind = 'customer') = (org_id IS NOT NULL)),
    CONSTRAINT incident_notices_customer_via_tugi CHECK (kind <> 'customer' OR channel = 'tugi'),
    CONSTRAINT incident_notices_late_reason CHECK (
        due_at IS NULL OR submitted_at <= due_at OR length(btrim(late_reason)) > 0)
);
CREATE INDEX incident_notices_incident ON incident_notices (incident_id, id);
-- A customer's /notices, newest first.
CREATE INDEX incident_notices_org ON incident_notices (org_id, id DESC) WHERE org_id IS NOT NULL;
-- The figures: deadlines met and missed per month.
CREATE INDEX incident_notices_submitted ON incident_notices (submitted_at) WHERE due_at IS NOT NULL;

-- The customer contacts a customer notice went to (each active customer user of the
-- organisation when it was sent), and each one's acknowledgement.
CREATE TABLE incident_notice_recipients (
    notice_id       bigint NOT NULL REFERENCES incident_notices (id),
    user_id         bigint NOT NULL REFERENCES users (id),
    acknowledged_at timestamptz,
    PRIMARY KEY (notice_id, user_id)
);
CREATE INDEX incident_notice_recipients_user ON incident_notice_recipients (user_id, notice_id);

-- The admin's settings of incident deadlines: one row.
CREATE TABLE incident_settings (
    id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
    -- The target for the notice to each affected customer, "without undue delay", in hours
    -- from awareness; at most 72, the customer's own deadline to its authority.
    customer_notice_hours integer NOT NULL DEFAULT 24 CHECK (customer_notice_hours BETWEEN 1 AND 72),
    updated_by            bigint REFERENCES users (id),
    updated_at            timestamptz
);
INSERT INTO incident_settings DEFAULT VALUES;

-- The warnings the deadline job sent: one row per clock, warning and deadline. The job
-- inserts the row with ON CONFLICT DO NOTHING in the transaction that queues the mail, so
-- with any number of processes each warning goes out once; a deadline that moves (the
-- moment of awareness recorded earlier, the target changed) is a new deadline and warns
-- again.
CREATE TABLE incident_clock_warnings (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    clock       text NOT NULL CHECK (clock ~ '^(customer:[0-9]+|authority|early_warning|notification|final_report)$'),
    warning     text NOT NULL CHECK (warning IN ('soon', 'overdue')),
    due_at      timestamptz NOT NULL,
    warned_at   timestamptz NOT NULL,
    PRIMARY KEY (incident_id, clock, warning, due_at)
);

-- The breach register (GDPR Art. 33(5)): every personal-data breach, newest first.
CREATE INDEX incidents_breaches ON incidents (id DESC) WHERE personal_breach;
-- The board's and the job's clocks: open incidents that are breaches or significant.
CREATE INDEX incidents_open_clocks ON incidents (id)
    WHERE state NOT IN ('closed', 'not_incident') AND (personal_breach OR nis2_significant);
-- The figures: incidents by month reported.
CREATE INDEX incidents_reported ON incidents (reported_at);
-- The board's "closed lately" (0025's listClosed): without it, 100,000 incidents are sorted
-- on every board (BenchmarkIncidentPages; docs/incidents.md).
CREATE INDEX incidents_closed_lately ON incidents (closed_at DESC, id DESC) WHERE state IN ('closed', 'not_incident');
