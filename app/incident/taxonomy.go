package incident

import "slices"

// TaxonomyClass is a class of the ENISA Reference Incident Classification Taxonomy
// (ENISA/CSIRTs Network "Reference Security Incident Taxonomy", 2018), with its types.
// Codes are the taxonomy's machine-readable values; labels are English, translated by
// i18n.
type TaxonomyClass struct {
	Code  string
	Label string
	Types []TaxonomyType
}

// TaxonomyType is a type within a class.
type TaxonomyType struct {
	Code  string
	Label string
}

// Taxonomy is the ENISA reference taxonomy, class by class, in the taxonomy's order.
var Taxonomy = []TaxonomyClass{
	{"abusive-content", "Abusive content", []TaxonomyType{
		{"spam", "Spam"},
		{"harmful-speech", "Harmful speech"},
		{"violence", "Child sexual exploitation, sexual content, violence"},
	}},
	{"malicious-code", "Malicious code", []TaxonomyType{
		{"infected-system", "Infected system"},
		{"c2-server", "Command and control server"},
		{"malware-distribution", "Malware distribution"},
		{"malware-configuration", "Malware configuration"},
	}},
	{"information-gathering", "Information gathering", []TaxonomyType{
		{"scanner", "Scanning"},
		{"sniffing", "Sniffing"},
		{"social-engineering", "Social engineering"},
	}},
	{"intrusion-attempts", "Intrusion attempts", []TaxonomyType{
		{"ids-alert", "Exploitation of known vulnerabilities"},
		{"brute-force", "Login attempts"},
		{"exploit", "New attack signature"},
	}},
	{"intrusions", "Intrusions", []TaxonomyType{
		{"privileged-account-compromise", "Privileged account compromise"},
		{"unprivileged-account-compromise", "Unprivileged account compromise"},
		{"application-compromise", "Application compromise"},
		{"system-compromise", "System compromise"},
		{"burglary", "Burglary"},
	}},
	{"availability", "Availability", []TaxonomyType{
		{"dos", "Denial of service"},
		{"ddos", "Distributed denial of service"},
		{"misconfiguration", "Misconfiguration"},
		{"sabotage", "Sabotage"},
		{"outage", "Outage"},
	}},
	{"information-content-security", "Information content security", []TaxonomyType{
		{"unauthorised-information-access", "Unauthorised access to information"},
		{"unauthorised-information-modification", "Unauthorised modification of information"},
		{"data-loss", "Data loss"},
		{"data-leak", "Leak of confidential information"},
	}},
	{"fraud", "Fraud", []TaxonomyType{
		{"unauthorised-use-of-resources", "Unauthorised use of resources"},
		{"copyright", "Copyright"},
		{"masquerade", "Masquerade"},
		{"phishing", "Phishing"},
	}},
	{"vulnerable", "Vulnerable", []TaxonomyType{
		{"weak-crypto", "Weak cryptography"},
		{"ddos-amplifier", "DDoS amplifier"},
		{"potentially-unwanted-accessible", "Potentially unwanted accessible services"},
		{"information-disclosure", "Information disclosure"},
		{"vulnerable-system", "Vulnerable system"},
	}},
	{"other", "Other", []TaxonomyType{
		{"other", "Uncategorised"},
		{"undetermined", "Undetermined"},
	}},
	{"test", "Test", []TaxonomyType{
		{"test", "Meant for testing"},
	}},
}

// TaxonomyOf returns the class and type with these codes, and whether the type belongs
// to the class.
func TaxonomyOf(class, typ string) (TaxonomyClass, TaxonomyType, bool) {
	i := slices.IndexFunc(Taxonomy, func(c TaxonomyClass) bool { return c.Code == class })
	if i < 0 {
		return TaxonomyClass{}, TaxonomyType{}, false
	}
	c := Taxonomy[i]
	j := slices.IndexFunc(c.Types, func(t TaxonomyType) bool { return t.Code == typ })
	if j < 0 {
		return c, TaxonomyType{}, false
	}
	return c, c.Types[j], true
}
