package access

import "testing"

func TestRuleAllows(t *testing.T) {
	customer := &Viewer{Roles: []Role{Customer}, OrgID: 1}
	agentAdmin := &Viewer{Roles: []Role{Agent, Admin}}
	tests := []struct {
		name string
		rule Rule
		v    *Viewer
		want bool
	}{
		{"public, anonymous", Public, nil, true},
		{"signed in, anonymous", SignedIn, nil, false},
		{"signed in, customer", SignedIn, customer, true},
		{"admin route, customer", AnyOf(Admin), customer, false},
		{"admin route, agent and admin", AnyOf(Admin), agentAdmin, true},
		{"ciso route, agent and admin", AnyOf(CISO), agentAdmin, false},
		{"agent or ciso, agent", AnyOf(Agent, CISO), agentAdmin, true},
	}
	for _, tt := range tests {
		if got := tt.rule.Allows(tt.v); got != tt.want {
			t.Errorf("%s: Allows = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !customer.IsCustomer() || customer.IsStaff() || agentAdmin.IsCustomer() || !agentAdmin.IsStaff() {
		t.Error("customer/staff classification is wrong")
	}
	if AnyOf(Agent, CISO).String() != "agent|ciso" || Public.String() != "public" {
		t.Error("rule descriptions changed")
	}
}
