package incident

import (
	"context"
)

// CloseRefusals returns why inc may not be closed now, each a sentence people read (an
// English text that i18n translates); none: it may close. Closing is refused for as long
// as any reason holds, whoever asks. This is the one list of closing rules: a rule added
// later (a legal clock still running, a customer notice unsent) goes here, and may read
// the database through st.
//
// Marking an incident "not an incident" is not closing it: no rule here applies to it.
func (st *Store) CloseRefusals(ctx context.Context, inc *Incident) ([]string, error) {
	var reasons []string
	if inc.State != Resolved {
		reasons = append(reasons, "Only a resolved incident can be closed.")
	}
	if inc.SeverityNow() == "" {
		reasons = append(reasons, "The incident has not been classified: set its impact and urgency first.")
	}
	if inc.SeverityNow().NeedsReview() && !inc.Reviewed() {
		reasons = append(reasons, "A high or critical incident closes only after its post-incident review: what happened, the root cause, what changes and the lessons learnt.")
	}
	return reasons, nil
}
