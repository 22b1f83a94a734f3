package localpg

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A folder that only its owner may enter (as /root is) cannot hold a cluster run as another
// user: StartIn then keeps the cluster elsewhere.
func TestReachable(t *testing.T) {
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	tmp := t.TempDir()
	if err := os.Chmod(tmp, 0o755); err != nil { // TempDir makes its folder private
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(tmp), 0o755); err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(tmp, "home")
	dir := filepath.Join(parent, "checkout")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	if reachable(dir, nobody) {
		t.Error("a folder behind a 0700 parent counts as reachable")
	}
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	if !reachable(dir, nobody) {
		t.Error("a folder behind 0755 parents counts as unreachable")
	}
	if !reachable(filepath.Join(dir, "var", "pg"), nobody) {
		t.Error("a folder still to be made (by StartIn, 0755) counts as unreachable")
	}
}
