package formtoken

// claimToken stores a form's token for the person sending it, unless it is stored
// already; a submission of the same token under way in another transaction is waited
// for (the primary key), so two at once make one change.
const claimToken = `
INSERT INTO form_submissions (token, user_id, location) VALUES ($1, $2, $3)
ON CONFLICT (token) DO NOTHING`

// tokenOwner reads who stored a token, and where their submission went.
const tokenOwner = `SELECT user_id, location FROM form_submissions WHERE token = $1`

// locateToken records where the submission of a token went.
const locateToken = `UPDATE form_submissions SET location = $3 WHERE token = $1 AND user_id = $2`

// pruneTokens removes the tokens stored before $1.
const pruneTokens = `DELETE FROM form_submissions WHERE made_at < $1`
