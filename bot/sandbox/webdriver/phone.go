package webdriver

import (
	"os"
	"strconv"
	"strings"
)

// phoneLayout lists what in the document keeps it from reading on a phone: a page wider
// than the window (scrolled sideways; a table may scroll inside its own box), a visible
// text field, text area or select whose label is beside or below it rather than above, or
// that is narrower than the box it sits in, and a visible button (a file input's too) lower
// than a finger's 44 px.
const phoneLayout = `
var problems = [], doc = document.documentElement;
if (window.innerWidth > 412) problems.push("the window is " + window.innerWidth + " px wide, not a phone's");
if (doc.scrollWidth > window.innerWidth) problems.push("the page scrolls sideways: " + doc.scrollWidth + " px wide in a " + window.innerWidth + " px window");
function shown(el) {
  var r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== "hidden";
}
function name(el) { return el.tagName.toLowerCase() + (el.id ? "#" + el.id : el.name ? "[name=" + el.name + "]" : ""); }
var notText = ["hidden", "checkbox", "radio", "file", "submit", "button", "reset", "image", "range", "color"];
document.querySelectorAll("input, textarea, select").forEach(function (f) {
  if (f.tagName === "INPUT" && notText.indexOf(f.type) >= 0 || !shown(f)) return;
  var fr = f.getBoundingClientRect();
  Array.from(f.labels || []).filter(shown).forEach(function (l) {
    var lr = l.getBoundingClientRect();
    if (lr.bottom > fr.top + 0.5) problems.push("the label of " + name(f) + " is not above it: the label ends at " + Math.round(lr.bottom) + " px, the field begins at " + Math.round(fr.top) + " px");
  });
  var p = f.parentElement, ps = getComputedStyle(p);
  var room = p.clientWidth - parseFloat(ps.paddingLeft) - parseFloat(ps.paddingRight);
  if (fr.width < room - 1) problems.push(name(f) + " is " + Math.round(fr.width) + " px wide in " + Math.round(room) + " px");
});
document.querySelectorAll("button, .button, input[type=submit], input[type=file]").forEach(function (b) {
  if (!shown(b)) return;
  var h = b.getBoundingClientRect().height;
  if (h < 44) problems.push(name(b) + " is " + Math.round(h) + " px high, too low to tap");
});
return problems;`

// PhoneLayout fails the test where the document commands go to (a page, or the Mini App's
// frame) does not read on a phone (see phoneLayout); the window must be a phone's width.
// When FOCALBOT_SCREENSHOTS is set it keeps screenshots named name of the whole document,
// a screen at a time (name-1, name-2, …), and scrolls back to where it was.
func (b *Browser) PhoneLayout(name string) {
	b.t.Helper()
	var problems []string
	b.JS(&problems, phoneLayout)
	if len(problems) > 0 {
		b.t.Errorf("%s on a phone:\n\t%s", name, strings.Join(problems, "\n\t"))
	}
	if os.Getenv("FOCALBOT_SCREENSHOTS") == "" {
		return
	}
	var at struct{ X, Y, Screens float64 }
	b.JS(&at, `return {X: window.scrollX, Y: window.scrollY, Screens: Math.ceil(document.documentElement.scrollHeight / window.innerHeight)}`)
	for i := 0; i < int(at.Screens) && i < 10; i++ {
		b.JS(nil, `window.scrollTo(0, arguments[0] * window.innerHeight)`, i)
		b.Screenshot(name + "-" + strconv.Itoa(i+1))
	}
	b.JS(nil, `window.scrollTo(arguments[0], arguments[1])`, at.X, at.Y)
}
