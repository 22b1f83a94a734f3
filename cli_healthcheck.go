package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"focalbot/bot"
)

// runHealthcheck asks the running bot's /healthz on HTTP_ADDR, for container health checks and
// monitors: nil when it answers 200, an error (exit 1) otherwise. An address listening on all
// interfaces is asked on the loopback one.
func runHealthcheck(ctx context.Context, getenv func(string) string, out io.Writer) error {
	cfg, err := bot.LoadConfig(getenv)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(cfg.HTTPAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %s does not answer: %w (is focalbot running, and is HTTP_ADDR the same as its?)", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(out, "healthy: %s\n", strings.TrimSpace(string(body)))
	return nil
}
