package ticket_test

import "tugi/app/testdb/scalefill"

// BenchmarkScale's database is app/testdb/scalefill's (shared with app/backup's
// BenchmarkBackupScale through one filled template); these are its names here.
const (
	scaleRareWord   = scalefill.RareWord
	scaleCommonWord = scalefill.CommonWord
	scalePassword   = scalefill.Password
)

type scaleSize = scalefill.Size

var (
	scaleFull          = scalefill.Full
	scaleCustomerEmail = scalefill.CustomerEmail
	scaleAgentEmail    = scalefill.AgentEmail
)
