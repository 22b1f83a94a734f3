// Package localpg runs a private PostgreSQL cluster from the server binaries installed on the
// machine: a throwaway one for tests, or one kept under ./var for the sandbox. It needs initdb,
// pg_ctl and postgres, from PATH or /usr/lib/postgresql/<version>/bin.
//
// PostgreSQL refuses to run as root, and CI runs as root: there the cluster runs as the
// "postgres" system user when it exists, else as "nobody".
package localpg

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNotInstalled says that no PostgreSQL server binaries were found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found in PATH or /usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql) or set DATABASE_URL to a server you have")

// Cluster is a running private cluster.
type Cluster struct {
	Dir       string // data and socket live below it
	Port      int
	bin       string
	cred      *syscall.Credential
	temporary bool
	durable   bool // a temporary cluster that keeps what it committed across a crash
}

// StartTemp initialises and starts a cluster in a new temporary folder, tuned for tests
// (no fsync): Stop removes the folder.
func StartTemp() (*Cluster, error) { return startTemp(false) }

// StartTempDurable is StartTemp for tests that crash the server (Restart): a transaction
// committed before the crash is there after it, as on a real server. (No fsync still: a
// crash of the server, not of the machine.)
func StartTempDurable() (*Cluster, error) { return startTemp(true) }

func startTemp(durable bool) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "focalbot-pg-")
	if err != nil {
		return nil, err
	}
	c, err := start(dir, true, durable)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// StartIn starts the cluster kept in dir, initialising it on first use. Stop keeps the data.
// As root, when the user the server runs as cannot reach dir (a checkout under /root, which
// only root may enter), the cluster is kept in /var/tmp instead, in a folder named after dir:
// Cluster.Dir says where.
func StartIn(dir string) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		cred, err := unprivileged()
		if err != nil {
			return nil, err
		}
		if !reachable(filepath.Dir(abs), cred) {
			sum := sha256.Sum256([]byte(abs))
			abs = filepath.Join("/var/tmp", "focalbot-pg-"+hex.EncodeToString(sum[:6]))
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	return start(abs, false, false)
}

// reachable reports whether the user of cred may enter every folder on the way to dir.
func reachable(dir string, cred *syscall.Credential) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if d == filepath.Dir(d) {
			return true // the root folder
		}
		fi, err := os.Stat(d)
		if os.IsNotExist(err) {
			continue // made by StartIn with mode 0755
		}
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		mode := fi.Mode().Perm()
		switch {
		case ok && st.Uid == cred.Uid:
			if mode&0o100 == 0 {
				return false
			}
		case ok && st.Gid == cred.Gid:
			if mode&0o010 == 0 {
				return false
			}
		case mode&0o001 == 0:
			return false
		}
	}
}

func start(dir string, temporary, durable bool) (*Cluster, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, temporary: temporary, durable: durable}
	if os.Geteuid() == 0 {
		cred, err := unprivileged()
		if err != nil {
			return nil, err
		}
		c.cred = cred
		if err := chownTree(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
		// The server must be able to reach its folder: MkdirTemp makes parents we may not own.
		_ = os.Chmod(dir, 0o755)
	}
	data := c.dataDir()
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		if out, err := c.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"); err != nil {
			// Older initdb lacks --no-instructions or the C.UTF-8 locale; retry plainly.
			if out2, err2 := c.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"); err2 != nil {
				return nil, fmt.Errorf("initdb: %v: %s %s", err2, out, out2)
			}
		}
	}
	if !temporary {
		// A kept cluster may still be served by a server whose process died without stopping
		// it (a killed sandbox): stop that one, since we cannot know its port, and start anew.
		if _, err := c.run("pg_ctl", "-D", data, "status"); err == nil {
			_, _ = c.run("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
		}
	}
	if c.Port, err = freePort(); err != nil {
		return nil, err
	}
	opts := c.serverOptions()
	logFile := filepath.Join(dir, "server.log")
	if out, err := c.run("pg_ctl", "-D", data, "-l", logFile, "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(logFile)
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, out, lastLines(log, 5))
	}
	return c, nil
}

// URL is the connection URL of a database of the cluster.
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, database)
}

// Stop stops the server at once; a temporary cluster's folder is removed.
func (c *Cluster) Stop() {
	mode := "fast"
	if c.temporary {
		mode = "immediate"
	}
	_, _ = c.run("pg_ctl", "-D", c.dataDir(), "-m", mode, "-w", "stop")
	if c.temporary {
		os.RemoveAll(c.Dir)
	}
}

// Restart stops and starts the server on the same port: tests of database outages use it.
func (c *Cluster) Restart() error {
	opts := c.serverOptions()
	out, err := c.run("pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "-o", opts, "-l", filepath.Join(c.Dir, "server.log"), "restart")
	if err != nil {
		return fmt.Errorf("pg_ctl restart: %v: %s", err, out)
	}
	return nil
}

// serverOptions are the postgres options: a temporary cluster trades durability for speed
// (commits survive a crash of the server only when durable).
func (c *Cluster) serverOptions() string {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200", c.Port, c.Dir)
	if c.temporary {
		opts += " -c fsync=off -c full_page_writes=off"
		if !c.durable {
			opts += " -c synchronous_commit=off"
		}
	}
	return opts
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.Dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running in the background holding our pipes: wait only
	// for pg_ctl itself.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

// findBinaries returns the folder holding initdb and pg_ctl: PATH first, then the newest
// /usr/lib/postgresql/<version>/bin.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")
}

func chownTree(dir string, uid, gid int) error {
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
