package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The binary refuses to start on a bad configuration with exit code 2 and one line naming the
// variable, and never prints a secret.
func TestStartupErrorsExitTwoWithOneLine(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "focalbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"no token", []string{"DATABASE_URL=postgres://x@127.0.0.1:1/x"}, "TELEGRAM_BOT_TOKEN is not set"},
		{"no database", []string{"TELEGRAM_BOT_TOKEN=123:secretsecret"}, "DATABASE_URL is not set"},
		{"malformed database", []string{"TELEGRAM_BOT_TOKEN=123:secretsecret", "DATABASE_URL=mysql://x"}, "DATABASE_URL is wrong"},
		{"unreachable database", []string{"TELEGRAM_BOT_TOKEN=123:secretsecret", "DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable"}, "DATABASE_URL: connect to database"},
		{"bad log level", []string{"TELEGRAM_BOT_TOKEN=123:secretsecret", "DATABASE_URL=postgres://x@127.0.0.1:1/x", "LOG_LEVEL=loud"}, "LOG_LEVEL is wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "run")
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tt.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit = %v, want code 2; stderr: %s", err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "focalbot: ") || !strings.Contains(last, tt.want) {
				t.Errorf("last line %q does not say %q", last, tt.want)
			}
			if strings.Contains(stderr.String(), "secretsecret") || strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("a secret was printed: %s", stderr.String())
			}
		})
	}
}
