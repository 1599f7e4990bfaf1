package server

import (
	"tugi/app/audit"
	"tugi/app/audit/auditpage"
	"tugi/app/auth"
	"tugi/app/backup"
	"tugi/app/blob"
	"tugi/app/chat"
	"tugi/app/contact"
	"tugi/app/inbound"
	"tugi/app/incident"
	"tugi/app/mail"
	"tugi/app/privacy"
	"tugi/app/report"
	"tugi/app/retention"
	"tugi/app/routing"
	"tugi/app/sla"
	"tugi/app/subprocessor"
	"tugi/app/ticket"
	"tugi/app/user"
)

// AuditActions labels the actions of the audit log, each list from the feature that
// records them, in the order the audit page's filter offers them. A feature that records
// a new kind of action adds its label to its own AuditActions; a feature that records
// its first is added here (TestEveryAuditActionIsLabelled finds one that is not).
func AuditActions() (*audit.Actions, error) {
	return audit.NewActions(
		auth.AuditActions(),
		user.AuditActions(),
		auditpage.AuditActions(),
		ticket.AuditActions(),
		chat.AuditActions(),
		routing.AuditActions(),
		sla.AuditActions(),
		mail.AuditActions(),
		inbound.AuditActions(),
		contact.AuditActions(),
		incident.AuditActions(),
		incident.DeadlineAuditActions(),
		backup.AuditActions(),
		blob.AuditActions(),
		subprocessor.AuditActions(),
		report.AuditActions(),
		retention.AuditActions(),
		ticket.RetentionAuditActions(),
		chat.RetentionAuditActions(),
		incident.RetentionAuditActions(),
		privacy.AuditActions(),
	)
}
