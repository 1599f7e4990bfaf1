-- Failed sign-ins are counted per device as well (issue 19, point 8): a browser that has
-- signed in to an account carries a signed device cookie, and its failures are counted
-- under that cookie's nonce, apart from the account's failures from browsers it was never
-- used on (device NULL). Only those are locked by guessing, so an attacker cannot lock the
-- owner's own browser out.
ALTER TABLE signin_failures ADD COLUMN device text;
