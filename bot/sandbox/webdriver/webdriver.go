// Package webdriver is a minimal W3C WebDriver client for the browser tests: chromedriver drives headless Chromium
// and speaks plain JSON over HTTP, so net/http is all it takes — no browser-automation
// dependency for the dozen calls the tests make. The sandbox's and the console's browser tests
// share it.
package webdriver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// elementKey is how WebDriver marks an element reference in JSON.
const ElementKey = "element-6066-11e4-a52e-4f735466cecf"

// errorHooks runs in every document before the page's own scripts (through the DevTools
// protocol), collecting every JavaScript error, unhandled rejection, console.error, failed
// resource load and Content-Security-Policy violation into window.__errors.
const errorHooks = `
window.__errors = [];
window.addEventListener("error", function (e) {
  if (e.target && e.target !== window && (e.target.src || e.target.href)) {
    window.__errors.push("resource failed to load: " + (e.target.src || e.target.href));
  } else {
    window.__errors.push("error: " + e.message + " at " + e.filename + ":" + e.lineno);
  }
}, true);
window.addEventListener("unhandledrejection", function (e) {
  window.__errors.push("unhandled rejection: " + (e.reason && e.reason.stack || e.reason));
});
document.addEventListener("securitypolicyviolation", function (e) {
  window.__errors.push("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
(function () {
  var orig = console.error;
  console.error = function () {
    window.__errors.push("console.error: " + Array.prototype.map.call(arguments, String).join(" "));
    return orig.apply(console, arguments);
  };
})();`

// Browser is one chromedriver with one headless Chromium session.
type Browser struct {
	t       testing.TB
	base    string // chromedriver's URL
	session string
	client  *http.Client
}

// Start starts chromedriver and a headless Chromium session. A machine without them
// fails the test, with one line saying what to install: the browser test never skips.
func Start(t testing.TB) *Browser {
	t.Helper()
	chromium := firstInPath("chromium", "chromium-browser", "google-chrome")
	driver := firstInPath("chromedriver")
	if chromium == "" || driver == "" {
		t.Fatal("browser test: chromium and chromedriver not found in PATH: install them (Debian: apt-get install chromium chromium-driver; .ci/run does)")
	}
	port := freePort(t)
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port))
	logFile, err := os.Create(filepath.Join(t.TempDir(), "chromedriver.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("browser test: start chromedriver: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
	})
	b := &Browser{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), client: &http.Client{Timeout: 60 * time.Second}}

	// chromedriver answers /status once it listens.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := b.Do("GET", "/status", nil, &st); err == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser test: chromedriver did not become ready within 30 s (log: %s)", logFile.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}

	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			// As root Chromium needs --no-sandbox; the rest keeps it from reaching the network
			// or doing anything a test does not ask for.
			"args": []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-dev-shm-usage", "--window-size=412,860", "--user-data-dir=" + t.TempDir()},
		},
		"goog:loggingPrefs": map[string]string{"browser": "ALL"},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.Do("POST", "/session", caps, &sess); err != nil {
		t.Fatalf("browser test: new Chromium session: %v", err)
	}
	b.session = sess.SessionID
	t.Cleanup(func() { _ = b.Do("DELETE", "/session/"+b.session, nil, nil) })
	b.InstallErrorHooks()
	return b
}

// InstallErrorHooks makes every document loaded from now on in the current tab collect its
// errors (see errorHooks). Start does it for the first tab; a tab the page opens needs it
// after SwitchTo, and a reload.
func (b *Browser) InstallErrorHooks() {
	b.t.Helper()
	if err := b.Do("POST", b.Path("/goog/cdp/execute"), map[string]any{
		"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": map[string]any{"source": errorHooks},
	}, nil); err != nil {
		b.t.Fatalf("browser test: install error hooks: %v", err)
	}
}

// Reload loads the current page again.
func (b *Browser) Reload() {
	b.t.Helper()
	b.Must(b.Do("POST", b.Path("/refresh"), map[string]any{}, nil))
}

// Path is a command path of this session.
func (b *Browser) Path(p string) string { return "/session/" + b.session + p }

// Do sends one WebDriver command and decodes its "value".
func (b *Browser) Do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(env.Value, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, e.Error, e.Message)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

// Must fails the test on err.
func (b *Browser) Must(err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("browser test: %v", err)
	}
}

// Open loads url.
func (b *Browser) Open(url string) {
	b.t.Helper()
	b.Must(b.Do("POST", b.Path("/url"), map[string]string{"url": url}, nil))
}

// JS runs a script in the page (a function body: use return) and decodes its result.
func (b *Browser) JS(out any, script string, args ...any) {
	b.t.Helper()
	if args == nil {
		args = []any{}
	}
	b.Must(b.Do("POST", b.Path("/execute/sync"), map[string]any{"script": script, "args": args}, out))
}

// Find returns the element matching a CSS selector.
func (b *Browser) Find(css string) string {
	b.t.Helper()
	var el map[string]string
	b.Must(b.Do("POST", b.Path("/element"), map[string]string{"using": "css selector", "value": css}, &el))
	return el[ElementKey]
}

// Click clicks an element as a person would (WebDriver scrolls to it and checks that it can
// be clicked).
func (b *Browser) Click(element string) {
	b.t.Helper()
	b.Must(b.Do("POST", b.Path("/element/"+element+"/click"), map[string]any{}, nil))
}

// TypeInto types text into an element.
func (b *Browser) TypeInto(element, text string) {
	b.t.Helper()
	b.Must(b.Do("POST", b.Path("/element/"+element+"/value"), map[string]string{"text": text}, nil))
}

// WaitFor re-runs script until it returns something other than null or false, and decodes
// that. It fails the test with what it waited for, and the page's errors, after timeout.
func (b *Browser) WaitFor(what string, timeout time.Duration, out any, script string, args ...any) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var raw json.RawMessage
		b.JS(&raw, script, args...)
		if s := string(raw); s != "null" && s != "false" && s != "" {
			if out != nil {
				b.Must(json.Unmarshal(raw, out))
			}
			return
		}
		if time.Now().After(deadline) {
			b.Screenshot("timeout")
			b.t.Fatalf("browser test: waited %v for %s; page errors: %v", timeout, what, b.PageErrors())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PageErrors are the JavaScript errors the hooks collected plus the browser's own SEVERE log
// entries (a failed request, a CSP refusal).
func (b *Browser) PageErrors() []string {
	b.t.Helper()
	var errs []string
	b.JS(&errs, "return window.__errors || ['error hooks missing: the page was not loaded through the test']")
	var logs []struct {
		Level   string `json:"level"`
		Message string `json:"message"`
	}
	b.Must(b.Do("POST", b.Path("/se/log"), map[string]string{"type": "browser"}, &logs))
	for _, l := range logs {
		if l.Level == "SEVERE" {
			errs = append(errs, "browser log: "+l.Message)
		}
	}
	return errs
}

// NoErrors fails the test if the page had any JavaScript error so far.
func (b *Browser) NoErrors() {
	b.t.Helper()
	if errs := b.PageErrors(); len(errs) > 0 {
		b.Screenshot("js-error")
		b.t.Fatalf("JavaScript errors on the page: %q", errs)
	}
}

// Screenshot saves a PNG of the page into FOCALBOT_SCREENSHOTS, when that names a folder.
func (b *Browser) Screenshot(name string) {
	dir := os.Getenv("FOCALBOT_SCREENSHOTS")
	if dir == "" {
		return
	}
	var data string
	if err := b.Do("GET", b.Path("/screenshot"), nil, &data); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	png, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return
	}
	file := filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(filepath.Clean(file), png, 0o644); err == nil {
		b.t.Logf("screenshot: %s", file)
	}
}

func firstInPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// T is the test the browser belongs to.
func (b *Browser) T() testing.TB { return b.t }

// SetWindowSize resizes the window: 412×860 (a phone) when the browser starts.
func (b *Browser) SetWindowSize(width, height int) {
	b.t.Helper()
	b.Must(b.Do("POST", b.Path("/window/rect"), map[string]int{"width": width, "height": height}, nil))
}

// WindowHandles lists the session's windows and tabs.
func (b *Browser) WindowHandles() []string {
	b.t.Helper()
	var hs []string
	b.Must(b.Do("GET", b.Path("/window/handles"), nil, &hs))
	return hs
}

// SwitchTo makes a window or tab the one commands go to.
func (b *Browser) SwitchTo(handle string) {
	b.t.Helper()
	b.Must(b.Do("POST", b.Path("/window"), map[string]string{"handle": handle}, nil))
}

// PrintPDF prints the page as the browser would on A4 paper and returns the PDF.
func (b *Browser) PrintPDF() []byte {
	b.t.Helper()
	var data string
	b.Must(b.Do("POST", b.Path("/print"), map[string]any{"page": map[string]float64{"width": 21.0, "height": 29.7}}, &data))
	pdf, err := base64.StdEncoding.DecodeString(data)
	b.Must(err)
	return pdf
}
