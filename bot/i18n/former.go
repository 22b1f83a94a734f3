package i18n

import "strings"

// A member whose personal data was erased (focalbot members forget) keeps, as their name, a
// token that every message renders in the reader's language: "a former member (KZ)". It starts
// with an invisible separator, which no typed name does.
const formerPrefix = "\u2063former-member:"

// FormerMemberName is the name kept for a forgotten member of country ("" for none).
func FormerMemberName(country string) string { return formerPrefix + country }

// formerMember reports whether s is such a name, and the country in it.
func formerMember(s string) (string, bool) { return strings.CutPrefix(s, formerPrefix) }

// FormerMemberLabel renders such a name in lang; any other name is returned as it is.
func (b *Bundle) FormerMemberLabel(lang, name string) string {
	cc, ok := formerMember(name)
	if !ok {
		return name
	}
	if cc == "" {
		return b.T(lang, "former_member_nocountry", nil)
	}
	return b.T(lang, "former_member", map[string]any{"Country": cc})
}

// IsFormerMember reports whether name is the name kept for a forgotten member: it renders with
// their country already, and is passed to messages whole.
func IsFormerMember(name string) bool {
	_, ok := formerMember(name)
	return ok
}
