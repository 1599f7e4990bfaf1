package ticket

// LabelHistory gives BenchmarkScale's bare ticket page (package ticket_test) the history
// as the page prints it: its fields and values labelled in lang.
var LabelHistory = labelChanges
