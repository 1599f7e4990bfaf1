package privacy

// Kind is what a column holds of a person (see Registry).
type Kind string

// The kinds of column.
const (
	KindPlain         Kind = "not personal"
	KindRef           Kind = "a person's id"
	KindPseudonymised Kind = "pseudonymised"
	KindErased        Kind = "erased"
	KindKept          Kind = "personal, kept"
)

// Class is a column's kind, and for personal data how an erasure deals with it (or why it
// keeps it).
type Class struct {
	Kind Kind
	How  string
}

// Plain: the column holds nothing that identifies a person.
var Plain = Class{Kind: KindPlain}

// Ref: a person's user id, kept; after an erasure it names the pseudonymised person.
var Ref = Class{Kind: KindRef}

// NotPersonal: text that could look personal but is not, and why.
func NotPersonal(why string) Class { return Class{Kind: KindPlain, How: why} }

// Pseudonymised: replaced by the person's pseudonym on erasure, by whom.
func Pseudonymised(how string) Class { return Class{Kind: KindPseudonymised, How: how} }

// Erased: personal data an erasure removes, deletes or rewrites, and by whom.
func Erased(how string) Class { return Class{Kind: KindErased, How: how} }

// Kept: personal data an erasure keeps on purpose, and why.
func Kept(why string) Class { return Class{Kind: KindKept, How: why} }
