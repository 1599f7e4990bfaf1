-- Routing rules, the agents' availability and the teams' assignment cap.
--
-- A new ticket goes to the team of the first rule (by position) whose conditions all hold;
-- with none, to the default team. A security concern always goes to the default team.
-- Inside the team, it is assigned round-robin to an available agent below the team's cap.

-- One rule. Each condition is optional (NULL, or no words): a rule without conditions
-- matches every ticket. subject_words match whole words of the subject, any of them, in
-- any case. raise_to raises the ticket's priority to at least that level, never lowers it.
-- position is unique but deferred, so two rules swap places in one transaction.
CREATE TABLE routing_rules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position      integer NOT NULL,
    category_id   bigint REFERENCES categories (id),
    org_id        bigint REFERENCES organisations (id) ON DELETE CASCADE,
    priority      text CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    subject_words text[] NOT NULL DEFAULT '{}',
    team_id       bigint NOT NULL REFERENCES teams (id),
    raise_to      text CHECK (raise_to IN ('urgent', 'high', 'normal', 'low')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT routing_rules_position_key UNIQUE (position) DEFERRABLE INITIALLY DEFERRED
);

-- The most open (unresolved) tickets automatic assignment gives one agent of the team;
-- NULL or 0: the team's tickets are not assigned automatically.
ALTER TABLE teams ADD COLUMN assign_cap integer DEFAULT 20 CHECK (assign_cap >= 0);

-- Whether an agent takes new tickets now: automatic assignment picks only available
-- agents. Agents set it themselves; nobody is available until they say so.
ALTER TABLE users ADD COLUMN available boolean NOT NULL DEFAULT false;
