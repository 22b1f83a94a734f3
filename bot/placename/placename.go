// Package placename matches place names as the network's officers type them, in whatever script
// they write: Latin with or without diacritics (Almaty, Aşgabat, Qoʻqon), Cyrillic in Russian and
// in the national alphabets (Алматы, Тошкент, Қорғас, Хуҷанд), Georgian (ფოთი), and Arabic script
// (کراچی, تورخم). Two names match when their keys are equal: the key transliterates Cyrillic and
// Georgian to Latin and folds the spellings that transliteration systems disagree on (kh/h, q/k,
// y/i, doubled letters). What no rule can bridge — Тошкент for Tashkent, Ашхабад for Ashgabat,
// Arabic script — comes from names.csv, the alternative names shipped with the places.
package placename

import (
	_ "embed"
	"encoding/csv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:embed names.csv
var namesCSV string

// Key is the form in which two names of one place compare equal. It is empty for a name with no
// letter or digit.
func Key(name string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(latinLetters.Replace(strings.ToLower(name))) {
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Lm, r) {
			continue // diacritics (é → e, й → и, ё → е) and the Uzbek ʻ and ʼ
		}
		if t, ok := translit[r]; ok {
			b.WriteString(t)
			continue
		}
		if t, ok := arabicForms[r]; ok {
			r = t
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
		// Spaces, hyphens, apostrophes (ʻ ʼ ' ’) and other punctuation are left out: "Alma-Ata"
		// and "Almaata", "Qoʻqon" and "Qoqon" are one name.
	}
	// Until nothing changes: folding "cx" gives "ch", which folds again.
	k := b.String()
	for {
		next := squeeze(spellings.Replace(k))
		if next == k {
			return k
		}
		k = next // shorter, or as long with fewer foldable letters: this ends
	}
}

// latinLetters spells the letters of the Azerbaijani, Turkmen, Turkish and Uzbek Latin alphabets
// whose diacritic changes the sound as the other transliterations write it: Aşgabat is Ashgabat,
// Gəncə Gyandzha. Other diacritics are dropped.
var latinLetters = strings.NewReplacer("ş", "sh", "ç", "ch", "ž", "zh", "ğ", "gh", "ə", "a", "ı", "i", "ň", "n")

// spellings folds what Latin transliterations of one name disagree on, longest first: Хоргос is
// Khorgos or Horgos, Қорғас Qorghas or Korgas, Джизак Djizak, Dzhizak or Jizzakh.
var spellings = strings.NewReplacer(
	"shch", "sh", "dzh", "j", "dj", "j", "zh", "j", "kh", "h", "gh", "g", "ch", "c",
	"q", "k", "x", "h", "y", "i", "w", "v", "ou", "u", "ts", "c",
)

// squeeze writes doubled letters once: Jizzakh and Джизак, Alma-Ata and Almaty's "aa".
func squeeze(s string) string {
	var b strings.Builder
	var last rune
	for _, r := range s {
		if r != last {
			b.WriteRune(r)
		}
		last = r
	}
	return b.String()
}

// translit spells Cyrillic (Russian, Ukrainian and the national alphabets of Kazakh, Kyrgyz,
// Tajik and Uzbek) and Georgian letters in Latin. Letters whose diacritic NFKD removes (й, ё, ї,
// ӣ, ӯ) arrive here as their base letter.
var translit = map[rune]string{
	// Russian and Ukrainian
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y",
	'ь': "", 'э': "e", 'ю': "yu", 'я': "ya", 'є': "ye", 'і': "i", 'ґ': "g",
	// Kazakh, Kyrgyz, Tajik, Uzbek Cyrillic
	'ә': "a", 'ғ': "gh", 'қ': "q", 'ң': "ng", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h", 'ҳ': "h",
	'ҷ': "j", 'ў': "o",
	// Georgian (Mkhedruli), national system of romanisation
	'ა': "a", 'ბ': "b", 'გ': "g", 'დ': "d", 'ე': "e", 'ვ': "v", 'ზ': "z", 'თ': "t", 'ი': "i",
	'კ': "k", 'ლ': "l", 'მ': "m", 'ნ': "n", 'ო': "o", 'პ': "p", 'ჟ': "zh", 'რ': "r", 'ს': "s",
	'ტ': "t", 'უ': "u", 'ფ': "p", 'ქ': "k", 'ღ': "gh", 'ყ': "q", 'შ': "sh", 'ჩ': "ch", 'ც': "ts",
	'ძ': "dz", 'წ': "ts", 'ჭ': "ch", 'ხ': "kh", 'ჯ': "j", 'ჰ': "h",
}

// arabicForms writes the letters that Arabic, Persian, Pashto and Urdu encode differently in one
// form, so that کراچی typed on an Arabic keyboard (كراچي) is the same name.
var arabicForms = map[rune]rune{
	'ك': 'ک', 'ي': 'ی', 'ى': 'ی', 'ې': 'ی', 'ۍ': 'ی', 'ے': 'ی', 'ە': 'ه', 'ہ': 'ه', 'ۀ': 'ه', 'ة': 'ه',
	'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا',
}

var alternatives struct {
	once     sync.Once
	byLocode map[string][]string // LOCODE → its alternative names, as written
	byKey    map[string][]string // key of an alternative name → LOCODEs
}

func loadAlternatives() {
	alternatives.byLocode = map[string][]string{}
	alternatives.byKey = map[string][]string{}
	r := csv.NewReader(strings.NewReader(namesCSV))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		panic("placename: names.csv: " + err.Error()) // embedded at build time: a test catches it
	}
	for _, row := range rows[1:] {
		locode, name := row[0], row[1]
		alternatives.byLocode[locode] = append(alternatives.byLocode[locode], name)
		k := Key(name)
		if !contains(alternatives.byKey[k], locode) {
			alternatives.byKey[k] = append(alternatives.byKey[k], locode)
		}
	}
}

// Alternatives lists the alternative names of a place, as written in names.csv.
func Alternatives(locode string) []string {
	alternatives.once.Do(loadAlternatives)
	return alternatives.byLocode[locode]
}

// Locodes lists the places that have an alternative name with the key of name, in the order of
// names.csv.
func Locodes(name string) []string {
	alternatives.once.Do(loadAlternatives)
	return alternatives.byKey[Key(name)]
}

// Matches reports whether typed names a place called name (and, for a place with a LOCODE, any of
// its alternative names).
func Matches(typed, name, locode string) bool {
	k := Key(typed)
	if k == "" {
		return false
	}
	if Key(name) == k {
		return true
	}
	return locode != "" && contains(Locodes(typed), locode)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
