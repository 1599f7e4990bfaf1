package user

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id in PHC format", h)
	}
	if !CheckPassword(h, "correct horse battery") {
		t.Error("the right password is refused")
	}
	if CheckPassword(h, "correct horse battery ") || CheckPassword(h, "") {
		t.Error("a wrong password is accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$2a$10$abcdefghijklmnopqrstuv"} {
		if CheckPassword(bad, "plain") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
	if CheckNoAccount("tugi-no-such-account") {
		t.Error("CheckNoAccount succeeded")
	}
}
