package sandbox_test

// The sandbox's browser tests drive Chromium through bot/sandbox/webdriver, shared with the
// console's browser test; browser keeps the short names the tests here use.

import (
	"testing"
	"time"

	"focalbot/bot/sandbox/webdriver"
)

const elementKey = webdriver.ElementKey

type browser struct{ *webdriver.Browser }

func startBrowser(t testing.TB) *browser { return &browser{webdriver.Start(t)} }

func (b *browser) path(p string) string                        { return b.Path(p) }
func (b *browser) do(method, path string, body, out any) error { return b.Do(method, path, body, out) }
func (b *browser) must(err error)                              { b.T().Helper(); b.Must(err) }
func (b *browser) open(url string)                             { b.T().Helper(); b.Open(url) }
func (b *browser) js(out any, script string, args ...any) {
	b.T().Helper()
	b.JS(out, script, args...)
}
func (b *browser) find(css string) string        { b.T().Helper(); return b.Find(css) }
func (b *browser) click(element string)          { b.T().Helper(); b.Click(element) }
func (b *browser) typeInto(element, text string) { b.T().Helper(); b.TypeInto(element, text) }
func (b *browser) pageErrors() []string          { b.T().Helper(); return b.PageErrors() }
func (b *browser) noErrors()                     { b.T().Helper(); b.NoErrors() }
func (b *browser) screenshot(name string)        { b.Screenshot(name) }
func (b *browser) waitFor(what string, timeout time.Duration, out any, script string, args ...any) {
	b.T().Helper()
	b.WaitFor(what, timeout, out, script, args...)
}
