package sandbox_test

import (
	"testing"

	"focalbot/bot"
)

// The label budgets of bot.RowBudget hold on the page at 360 px, the narrowest phone in common
// use: a label of the budget's width, in each script the network writes, fits a button of a
// row of one, two and three without being cut. (At 360 px the keyboard is 276 px wide: a row
// of one holds about 30 Cyrillic letters, 36 Latin, 32 Georgian, 41 Arabic-script; a row of
// two 14, 18, 15, 17.)
func TestBrowserLabelBudget(t *testing.T) {
	sb := startSandbox(t)
	p := openPage(t, sb)
	p.must(p.do("POST", p.path("/window/rect"), map[string]int{"width": 360, "height": 780}, nil))
	p.as(kazakh)
	p.ask("/alert")
	p.waitFor("the first question's keyboard", wait, nil, `return document.querySelectorAll("#messages .keyboard").length > 0`)
	p.screenshot("labels-360")
	budgets := []int{bot.RowBudget(1), bot.RowBudget(2), bot.RowBudget(3)}
	var cut []string
	p.js(&cut, `var k = document.querySelectorAll("#messages .keyboard"); var kb = k[k.length-1];
	  var samples = ["Синтетикалық опиоидтар және прекурсорлар", "Olinganini tasdiqlash va boshqa narsalar",
	    "სინთეზური ოპიოიდები და პრეკურსორები ძალიან", "مصنوعی افیون اور پیش رو کیمیکلز اور دیگر چیزیں",
	    "Обновить оповещение и отменить оповещение"];
	  var budgets = arguments[0], cut = [];
	  budgets.forEach(function(budget, i) {
	    var n = i + 1;
	    samples.forEach(function(s) {
	      var row = document.createElement("div"); row.className = "krow";
	      for (var j = 0; j < n; j++) { var b = document.createElement("button"); b.className = "kbtn"; b.textContent = s.slice(0, budget); row.appendChild(b); }
	      kb.appendChild(row);
	      if (row.firstChild.scrollWidth > row.firstChild.clientWidth) cut.push(n + " to a row: " + s.slice(0, budget));
	      kb.removeChild(row);
	    });
	  });
	  return cut;`, budgets)
	for _, c := range cut {
		t.Errorf("cut at 360 px: %s", c)
	}
}
