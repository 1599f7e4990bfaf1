-- Support settings: SLA policies per priority, and a key-value store of settings that
-- admins change (the support calendar first).

CREATE TABLE sla_policies (
    priority               text PRIMARY KEY CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    first_response_minutes integer NOT NULL CHECK (first_response_minutes BETWEEN 1 AND 60000),
    next_response_minutes  integer NOT NULL CHECK (next_response_minutes BETWEEN 1 AND 60000),
    resolution_minutes     integer NOT NULL CHECK (resolution_minutes BETWEEN 1 AND 60000),
    warn_percent           integer NOT NULL CHECK (warn_percent BETWEEN 1 AND 99),
    notify_warning         text[] NOT NULL DEFAULT '{assignee}' CHECK (notify_warning <@ ARRAY['assignee', 'team']),
    notify_breach          text[] NOT NULL DEFAULT '{assignee,team}' CHECK (notify_breach <@ ARRAY['assignee', 'team']),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Targets in business time (the support calendar: 8 hours a business day).
INSERT INTO sla_policies (priority, first_response_minutes, next_response_minutes, resolution_minutes, warn_percent, notify_warning, notify_breach) VALUES
    ('urgent',  30,   60,  480, 75, '{assignee,team}', '{assignee,team}'),
    ('high',    120,  240, 1440, 75, '{assignee}',      '{assignee,team}'),
    ('normal',  240,  480, 2400, 75, '{assignee}',      '{assignee,team}'),
    ('low',     480,  960, 4800, 75, '{assignee}',      '{assignee,team}');

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
