package ui

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// delayPattern is a typed delay: days, hours and minutes, each optional but one needed.
var delayPattern = regexp.MustCompile(`^(?:(\d{1,4})d)?(?:(\d{1,4})h)?(?:(\d{1,5})m)?$`)

// delayUnits maps the Russian units people type (36ч, 5д, 90мин) to the Latin ones.
var delayUnits = strings.NewReplacer("мин", "m", "м", "m", "ч", "h", "д", "d", " ", "")

// digits maps the Eastern Arabic-Indic and Persian digits that Afghan and Pakistani phone
// keyboards type to ASCII ones.
var digits = strings.NewReplacer(
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9")

// ParseWhen reads a typed point in time, for reply-by times and scheduled broadcasts: a delay
// from now ("36h", "5d", "90m", "1d12h"; Russian units too) or a UTC date and time
// ("2026-03-05 14:00"; a date alone means its last minute). Callers check past and too far.
func ParseWhen(s string, now time.Time) (time.Time, bool) {
	s = digits.Replace(strings.ToLower(strings.TrimSpace(s)))
	if m := delayPattern.FindStringSubmatch(delayUnits.Replace(s)); m != nil && (m[1] != "" || m[2] != "" || m[3] != "") {
		d, _ := strconv.Atoi(m[1])
		h, _ := strconv.Atoi(m[2])
		min, _ := strconv.Atoi(m[3])
		return now.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(min)*time.Minute), true
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02t15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			if layout == "2006-01-02" {
				t = t.Add(24*time.Hour - time.Minute)
			}
			return t, true
		}
	}
	return time.Time{}, false
}
