package access

// Strength is how strongly a session proved who its person is. Routes state the strength
// they need beside their Rule (see app/web.Route), so a route can ask for more than a
// password without a list of paths kept elsewhere.
type Strength int

// The strengths, weakest first.
const (
	// AnySession is what a route needs when any sign-in will do (and what a public route
	// states).
	AnySession Strength = iota
	// SecondFactor needs a sign-in that went past the password: a second factor or an
	// ID-card.
	SecondFactor
)

// String names the strength for route listings and tests.
func (s Strength) String() string {
	if s == SecondFactor {
		return "second factor"
	}
	return "any session"
}

// strengthOf maps how a session signed in (Viewer.AuthMethod) to its strength. A method
// it does not know is the weakest, so a new method must be placed here to count for more.
func strengthOf(method string) Strength {
	switch method {
	case "password+totp", "password+passkey", "idcard":
		return SecondFactor
	}
	return AnySession
}

// Strength is how strongly v's session signed in; a nil v has no session.
func (v *Viewer) Strength() Strength {
	if v == nil {
		return AnySession
	}
	return strengthOf(v.AuthMethod)
}

// Satisfies reports whether v's session is strong enough for a route that needs s.
func (v *Viewer) Satisfies(s Strength) bool { return v.Strength() >= s }
