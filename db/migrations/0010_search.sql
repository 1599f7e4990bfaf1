-- Full-text search over tickets: their subjects and the bodies of their messages.
--
-- The text configuration is 'simple' (lower-cased words, no stemming, no stop words), not
-- 'english': Tugi's tickets are written in English and in Estonian, often both in one
-- conversation, and PostgreSQL has no Estonian stemmer. Stemming with the English rules
-- would cut Estonian words wrongly ("arved" to "arv") and drop English stop words that are
-- Estonian words ("on", "a", "me"): 'english' makes "arved on me a tasutud" into 'arv' and
-- 'tasutud' only. With 'simple' every word matches as written, in either language.
--
-- The vectors are stored generated columns, so the queries, the GIN indexes and
-- ts_headline agree on one definition, and a row's vector is computed once when it is
-- written, never at search time. Queries must write the columns, not the expressions.
ALTER TABLE tickets
    ADD COLUMN subject_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, subject)) STORED;
CREATE INDEX tickets_subject_tsv ON tickets USING gin (subject_tsv);

ALTER TABLE ticket_messages
    ADD COLUMN body_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED;
CREATE INDEX ticket_messages_body_tsv ON ticket_messages USING gin (body_tsv);

-- A customer's search runs over their organisation's messages only: newest first through
-- this index when the word is common, or a BitmapAnd with the GIN index when it is rare.
CREATE INDEX ticket_messages_org ON ticket_messages (org_id, id);
