-- The forms that create something, once each (app/formtoken): every rendered create-form
-- carries a random token, and the transaction of the change it made stores the token with
-- the person and where their browser went next. The same form sent again (a double click,
-- the back button, a retry after an unconfirmed commit) finds its token and goes there
-- instead of making the change twice. Rows older than a week are removed by a job.
CREATE TABLE form_submissions (
    token    text PRIMARY KEY,
    user_id  bigint NOT NULL REFERENCES users,
    made_at  timestamptz NOT NULL DEFAULT now(),
    -- Where the first submission redirected; '' until the change knows it (a new ticket's
    -- page is known only once the ticket is written, in the same transaction).
    location text NOT NULL DEFAULT ''
);
CREATE INDEX form_submissions_made_at ON form_submissions (made_at);
