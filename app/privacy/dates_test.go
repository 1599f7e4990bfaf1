package privacy_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
)

// An Estonian admin reads the day the backups let go of an erased person's data in
// Estonian (issue 21): seven days on, as Tallinn counts days, the zone named.
func TestEraseBackupsDayInTheAdminsLanguage(t *testing.T) {
	now := time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC) // 25 November in Tallinn
	app := apptest.NewWith(t, apptest.Options{Now: func() time.Time { return now }})
	zelda := newPerson(t, app, "Zelda Quorrin", "zelda.quorrin@demo-customer.example", "Demo Customer OÜ")
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, toomas); err != nil {
		t.Fatal(err)
	}
	p := app.SignIn(t, toomas).Get(t, "/admin/users/"+strconv.FormatInt(zelda.ID, 10)+"/erase", http.StatusOK)
	if b := p.Text("#erase-backups"); !strings.Contains(b, "2. detsember 2026 (Europe/Tallinn)") {
		t.Errorf("the preview says of backups: %q, want until 2. detsember 2026 (Europe/Tallinn)", b)
	}
}
