package config

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/datasets"
)

// TestControllerLockKeys: live.lock_file defaults under /run/scalite and
// must be absolute; live.lock_table must be a DynamoDB table name and then
// replaces the lock file.
func TestControllerLockKeys(t *testing.T) {
	if d := Default().Live.LockFile; d != "/run/scalite/controller.lock" {
		t.Fatalf("default live.lock_file %q", d)
	}
	cat := datasets.DefaultCatalog()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"relative lock file", "live:\n  lock_file: controller.lock\n", "c.yaml: line 2: live.lock_file: want an absolute path"},
		{"empty lock file", "live:\n  lock_file: \"\"\n", "c.yaml: line 2: live.lock_file: want an absolute path"},
		{"bad table", "live:\n  lock_table: \"scalite locks\"\n", "c.yaml: line 2: live.lock_table: want a DynamoDB table name"},
		{"short table", "live:\n  lock_table: ab\n", "c.yaml: line 2: live.lock_table: want a DynamoDB table name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.in), "c.yaml")
			if err == nil {
				err = f.Validate(cat)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	for _, ok := range []string{"live:\n  lock_table: scalite-locks\n  lock_file: \"\"\n", "live:\n  lock_file: /var/run/scalite.lock\n"} {
		f, err := Parse([]byte(ok), "c.yaml")
		if err == nil {
			err = f.Validate(cat)
		}
		if err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
