package alert

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// delayPart is one number and unit of a typed delay ("36h", "5 дн.", "36 soat").
var delayPart = regexp.MustCompile(`^\s*(\d{1,5})\s*([\p{L}\p{M}]+)\.?`)

// delayUnits maps every unit a locale tells people to type, and the words they are short for,
// to d, h or m: in Latin, Cyrillic (ru uk kk ky tg), Georgian and Arabic script (ps fa-AF ur).
// A test (TestParseWhenEveryLocaleUnit) reads the locale files' examples against it.
var delayUnits = func() map[string]byte {
	m := map[string]byte{}
	for unit, words := range map[byte]string{
		'd': "d day days д дн день дня дней днів дні доба діб күн kun gün gun рӯз руз დღე დღ დღის روز روزه ورځ ورځې ورځو دن دنوں",
		'h': "h hr hrs hour hours ч час часа часов год година години годин сағ сағат саат соат soat sagat saat სთ საათი საათ ساعت ساعته ساعتونه گھنٹے گھنٹہ گھنٹا گھنٹوں",
		'm': "m min mins minute minutes м мин минут минуты хв хвилин хвилини мүн мүнөт дақ дақиқа daq daqiqa minut dəq dəqiqə წთ წუთი دقیقه دقیقې دقیقو منٹ",
	} {
		for _, w := range strings.Fields(words) {
			m[w] = unit
		}
	}
	return m
}()

// marks are the invisible direction marks and joiners a right-to-left keyboard may type.
var marks = strings.NewReplacer("\u200e", "", "\u200f", "", "\u2068", "", "\u2069", "", "\u200c", "", "\u200d", "")

// parseDelay reads "36h", "1d12h", "5 дн", "90 хв": numbers with units, days before hours
// before minutes, each at most once.
func parseDelay(s string) (time.Duration, bool) {
	var d time.Duration
	next := "dhm" // the units still allowed, in order
	for s != "" {
		m := delayPart.FindStringSubmatch(s)
		if m == nil {
			return 0, false
		}
		s = strings.TrimSpace(s[len(m[0]):])
		unit, ok := delayUnits[m[2]]
		i := strings.IndexByte(next, unit)
		if !ok || i < 0 || (unit != 'm' && len(m[1]) > 4) {
			return 0, false
		}
		next = next[i+1:]
		n, _ := strconv.Atoi(m[1])
		d += time.Duration(n) * map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute}[unit]
	}
	return d, next != "dhm"
}

// digits maps the Eastern Arabic-Indic and Persian digits that Afghan and Pakistani phone
// keyboards type to ASCII ones.
var digits = strings.NewReplacer(
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9")

// ParseWhen reads a typed point in time, for reply-by times and scheduled broadcasts: a delay
// from now ("36h", "5d", "90m", "1d12h"; the units of every locale too: 36ч, 5 дн, 36сағ,
// 5 kun, 36 საათი, 5 روز) or a date and time in loc, the typer's zone (the member's Zone)
// ("2026-03-05 14:00"; a date alone means its last minute). Callers check past and too far,
// and their prompts name the zone (ZoneName). It is here, below Telegram, so that the chat
// (handlers/ui.ParseWhen) and the Mini App (bot/console, through bot/rfi) read a typed time
// by the same rule.
func ParseWhen(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	s = digits.Replace(marks.Replace(strings.ToLower(strings.TrimSpace(s))))
	if d, ok := parseDelay(s); ok {
		return now.Add(d), true
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02t15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if layout == "2006-01-02" {
				t = time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 0, 0, loc) // a DST day is not 24 hours
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
