package inbound

import (
	"context"
	"fmt"

	"tugi/app/database"
)

// orgDomains reads the mail domains organisation $1 listed, by name.
const orgDomains = `
SELECT d.domain, d.org_id, o.name AS org_name, d.created_at
FROM org_mail_domains d JOIN organisations o ON o.id = d.org_id
WHERE d.org_id = $1
ORDER BY d.domain`

// DomainsOf lists the mail domains of organisation orgID (mail from them is the
// organisation's), for the organisation's admin page; they are edited on
// /admin/mail-domains.
func DomainsOf(ctx context.Context, q database.Queryer, orgID int64) ([]Domain, error) {
	var ds []Domain
	if err := q.SelectContext(ctx, &ds, orgDomains, orgID); err != nil {
		return nil, fmt.Errorf("inbound: mail domains of organisation %d: %w", orgID, err)
	}
	return ds, nil
}
