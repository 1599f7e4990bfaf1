-- The live layer's event ids in commit order (app/live). Until now an event took its id
-- from the sequence when it was written, so two transactions publishing at once could
-- commit in the other order: a client that had received id 11 and reconnected with
-- Last-Event-ID 11 before id 10 committed missed 10 for good.
--
-- Now an event is written with a provisional negative id (seen by nobody else: the row is
-- not visible before its commit) and takes its real id at the commit, in a deferred
-- trigger that first locks a row held until the transaction ends: the publishing
-- transactions take their ids one after another, each after the one before it has
-- committed. So once id n exists for anyone, every event with an id below n has committed
-- (or never will: a failed commit leaves a gap with nothing behind it), and "the events
-- after n" is exact. The notification goes out from the same trigger, with the real id.
--
-- The row locked is the audit chain's head (0002, 0017), on purpose: every audited
-- transaction already locks it at its commit, in a deferred trigger too. A lock of the
-- live layer's own would deadlock against it (one transaction taking ours then the
-- chain's, another the chain's then ours, as their triggers fire in the order of their
-- inserts); one lock cannot. And it costs next to nothing: the commits of audited
-- transactions are serialised by the chain, those of notifying ones by PostgreSQL's
-- notification queue, and a transaction that publishes almost always does both.
CREATE SEQUENCE live_events_pending_id;
ALTER TABLE live_events ALTER COLUMN id SET DEFAULT -nextval('live_events_pending_id');

-- live_event_commit numbers one event and announces it on the channel tugi_live
-- (live.Channel): the whole event when it fits in 7,900 bytes (live.maxInline; PostgreSQL
-- takes up to 8,000), else its id, topic and "more", and each process reads the rest from
-- the table. It runs as its owner (the application's role may not lock audit_head), hence
-- the fixed search path below.
CREATE FUNCTION live_event_commit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    e live_events%ROWTYPE;
    whole text;
BEGIN
    PERFORM 1 FROM audit_head WHERE one FOR UPDATE;
    UPDATE live_events SET id = nextval('live_events_id_seq') WHERE id = NEW.id RETURNING * INTO STRICT e;
    whole := json_build_object('id', e.id, 'topic', e.topic, 'kind', e.kind, 'org', coalesce(e.org_id, 0),
                               'data', e.payload, 'at', e.created_at)::text;
    PERFORM pg_notify('tugi_live', CASE WHEN octet_length(whole) <= 7900 THEN whole
                                        ELSE json_build_object('id', e.id, 'topic', e.topic, 'more', true)::text END);
    RETURN NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION live_event_commit() SET search_path = %I, pg_temp', current_schema());
END
$$;

CREATE CONSTRAINT TRIGGER live_events_commit
    AFTER INSERT ON live_events DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION live_event_commit();
