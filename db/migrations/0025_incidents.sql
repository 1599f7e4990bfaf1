-- Security incidents (app/incident): what any employee reports, what the CISO and the
-- handlers named on it do with it, and the evidence they keep.
--
-- Need to know: an incident is seen by the CISO, by the people named on it as handlers
-- (incident_handlers) and, in part, by its reporter. No role alone shows it to anyone
-- else; app/incident/scope.go decides it and every query of these tables goes through it.
--
-- The moments of an incident are kept apart: occurred_at (when it happened, as far as is
-- known), detected_at (when someone first noticed it), reported_at (when Tugi received the
-- report), aware_at (when the vendor became aware: reported_at until the CISO records
-- another moment with a justification) and significant_at (when it was classified a
-- significant incident under NIS2). The legal clocks start from these, each its own.

CREATE TABLE incidents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- INC-<year of the report, Europe/Tallinn>-<number within that year, four digits or more>.
    ref_year    integer NOT NULL CHECK (ref_year BETWEEN 2000 AND 9999),
    ref_number  integer NOT NULL CHECK (ref_number >= 1),
    reference   text GENERATED ALWAYS AS ('INC-' || ref_year::text || '-' || lpad(ref_number::text, 4, '0')) STORED,
    -- The report, as the reporter gave it.
    summary        text NOT NULL CHECK (length(btrim(summary)) BETWEEN 1 AND 10000),
    noticed_at     timestamptz,
    system_or_data text NOT NULL DEFAULT '' CHECK (length(system_or_data) <= 1000),
    personal_data  text NOT NULL DEFAULT 'unknown' CHECK (personal_data IN ('yes', 'no', 'unknown')),
    -- The reporter did not know which customer organisations may be affected
    -- (incident_organisations lists those named).
    orgs_unknown   boolean NOT NULL DEFAULT false,
    reporter_id    bigint NOT NULL REFERENCES users (id),
    channel        text NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'ticket', 'email')),
    -- Handling.
    state       text NOT NULL DEFAULT 'reported' CHECK (state IN (
                    'reported', 'triage', 'investigating', 'contained', 'resolved', 'closed', 'not_incident')),
    not_incident_reason text NOT NULL DEFAULT '',
    owner_id    bigint REFERENCES users (id), -- the CISO who owns it
    -- Classification: ENISA Reference Incident Classification Taxonomy (class and type,
    -- app/incident/taxonomy.go), impact on confidentiality, integrity and availability,
    -- urgency, and the severity the matrix gives (severity_computed). The CISO may
    -- override it with a reason; severity is the one in force.
    taxonomy_class text NOT NULL DEFAULT '',
    taxonomy_type  text NOT NULL DEFAULT '',
    impact_c    text CHECK (impact_c IN ('none', 'low', 'medium', 'high')),
    impact_i    text CHECK (impact_i IN ('none', 'low', 'medium', 'high')),
    impact_a    text CHECK (impact_a IN ('none', 'low', 'medium', 'high')),
    urgency     text CHECK (urgency IN ('low', 'medium', 'high')),
    severity_computed text CHECK (severity_computed IN ('low', 'medium', 'high', 'critical')),
    severity_override text CHECK (severity_override IN ('low', 'medium', 'high', 'critical')),
    severity_override_reason text NOT NULL DEFAULT '',
    severity    text GENERATED ALWAYS AS (coalesce(severity_override, severity_computed)) STORED,
    -- The moments (see above).
    occurred_at         timestamptz,
    detected_at         timestamptz,
    reported_at         timestamptz NOT NULL,
    aware_at            timestamptz NOT NULL,
    aware_justification text NOT NULL DEFAULT '', -- '' while aware_at is reported_at by default
    aware_recorded_by   bigint REFERENCES users (id),
    -- Triage decisions, each with its rationale; NULL: not decided yet.
    personal_breach            boolean,
    personal_breach_rationale  text NOT NULL DEFAULT '',
    personal_breach_decided_at timestamptz,
    nis2_significant           boolean,
    nis2_rationale             text NOT NULL DEFAULT '',
    significant_at             timestamptz,
    -- The breach register's account of a personal-data breach (GDPR Art. 33(5)): the
    -- effects, the remedial action taken, and why it was not notified where it was not.
    breach_effects            text NOT NULL DEFAULT '',
    breach_remedial_action    text NOT NULL DEFAULT '',
    breach_not_notified_reason text NOT NULL DEFAULT '',
    -- Post-incident review (ISO/IEC 27001 5.27): required before a high or critical
    -- incident closes.
    review_what_happened text NOT NULL DEFAULT '',
    review_root_cause    text NOT NULL DEFAULT '',
    review_changes       text NOT NULL DEFAULT '',
    review_lessons       text NOT NULL DEFAULT '',
    reviewed_at          timestamptz,
    reviewed_by          bigint REFERENCES users (id),
    -- When it first reached each stage (the figures' time to triage, contain, close).
    triaged_at   timestamptz,
    contained_at timestamptz,
    resolved_at  timestamptz,
    closed_at    timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT incidents_reference_key UNIQUE (ref_year, ref_number),
    CONSTRAINT incidents_closed CHECK ((state IN ('closed', 'not_incident')) = (closed_at IS NOT NULL)),
    CONSTRAINT incidents_not_incident_reason CHECK (state <> 'not_incident' OR length(btrim(not_incident_reason)) > 0),
    CONSTRAINT incidents_override_reason CHECK (severity_override IS NULL OR length(btrim(severity_override_reason)) > 0)
);
CREATE UNIQUE INDEX incidents_reference ON incidents (reference);
-- The board: open incidents, most severe first.
CREATE INDEX incidents_open ON incidents (state, id) WHERE state NOT IN ('closed', 'not_incident');
-- A reporter's own reports, latest first.
CREATE INDEX incidents_reporter ON incidents (reporter_id, id DESC);
CREATE INDEX incidents_created ON incidents (created_at, id);

-- The people named on an incident as its handlers (agents of the User Support team). Only
-- the CISO names them.
CREATE TABLE incident_handlers (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    user_id     bigint NOT NULL REFERENCES users (id),
    named_by    bigint REFERENCES users (id),
    named_at    timestamptz NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_handlers_user ON incident_handlers (user_id, incident_id);

-- The customer organisations an incident may affect (the controllers to be told).
CREATE TABLE incident_organisations (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    org_id      bigint NOT NULL REFERENCES organisations (id),
    added_by    bigint REFERENCES users (id),
    added_at    timestamptz NOT NULL,
    PRIMARY KEY (incident_id, org_id)
);
CREATE INDEX incident_organisations_org ON incident_organisations (org_id, incident_id);

-- The timeline: what was done (an action Tugi writes: reported, state moved, handler
-- named...) and notes people write. A note is internal unless its author chose to tell
-- the reporter; the reporter sees only entries with for_reporter.
CREATE TABLE incident_timeline (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    at           timestamptz NOT NULL,
    author_id    bigint REFERENCES users (id),
    kind         text NOT NULL CHECK (kind IN ('action', 'note')),
    for_reporter boolean NOT NULL DEFAULT false,
    body         text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000)
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);

-- Tasks of an incident: what must be done, by whom, by when.
CREATE TABLE incident_tasks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id),
    title       text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
    owner_id    bigint REFERENCES users (id),
    due_at      timestamptz,
    done_at     timestamptz,
    done_by     bigint REFERENCES users (id),
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX incident_tasks_incident ON incident_tasks (incident_id, id);

-- Evidence files (ISO/IEC 27001 5.28): the bytes in blobs by SHA-256, which the page shows;
-- each upload and each download is an audit event, the chain of custody.
CREATE TABLE incident_evidence (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 200),
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL REFERENCES blobs (sha256),
    uploaded_by  bigint REFERENCES users (id),
    uploaded_at  timestamptz NOT NULL
);
CREATE INDEX incident_evidence_incident ON incident_evidence (incident_id, id);
CREATE INDEX incident_evidence_sha256 ON incident_evidence (sha256);

-- Customer tickets an incident came from or is linked to. The ticket keeps answering its
-- customer; only those who may see the incident see that the link exists.
CREATE TABLE incident_ticket_links (
    incident_id bigint NOT NULL REFERENCES incidents (id),
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    linked_by   bigint REFERENCES users (id),
    linked_at   timestamptz NOT NULL,
    PRIMARY KEY (incident_id, ticket_id)
);
CREATE INDEX incident_ticket_links_ticket ON incident_ticket_links (ticket_id, incident_id);
