-- The vendor's sub-processors (app/subprocessor): whom customers' personal data is
-- entrusted to (the data centre, the mail provider ...), as GDPR Art. 28(2) and the data
-- processing agreement require them to be told, each change announced in advance. A row is
-- never deleted: a sub-processor that goes gets its last day, so the list of any past day
-- can be told.
CREATE TABLE subprocessors (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    purpose        text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    location       text NOT NULL CHECK (length(location) BETWEEN 1 AND 200),
    -- The first day customers' data may go to it, and its last (none while it stays), in
    -- the support calendar's time zone.
    starts_on      date NOT NULL,
    ends_on        date CHECK (ends_on IS NULL OR ends_on >= starts_on),
    announced_at   timestamptz NOT NULL DEFAULT now(),
    end_announced_at timestamptz
);
CREATE INDEX subprocessors_starts ON subprocessors (starts_on, name);
