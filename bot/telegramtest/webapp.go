package telegramtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// InitData is what Telegram hands a Mini App opened by this user from a web_app button at
// authDate: the query string of window.Telegram.WebApp.initData, signed as Telegram signs it
// (secret_key = HMAC-SHA-256(key "WebAppData", the bot's token); hash = hex HMAC-SHA-256 of
// the data-check string — every other field as key=value, sorted, joined by newlines — under
// secret_key).
func (u *User) InitData(authDate time.Time) string {
	return SignInitData(u.srv.Token(), u.id, u.firstName, u.lang, authDate)
}

// SignInitData signs initData for a user with a bot's token, as Telegram does.
func SignInitData(token string, userID int64, firstName, lang string, authDate time.Time) string {
	user, _ := json.Marshal(map[string]any{"id": userID, "first_name": firstName, "language_code": lang})
	v := url.Values{}
	v.Set("user", string(user))
	v.Set("auth_date", strconv.FormatInt(authDate.Unix(), 10))
	v.Set("query_id", "AAH"+strconv.FormatInt(userID, 36)+strconv.FormatInt(authDate.UnixNano(), 36))
	v.Set("hash", InitDataHash(token, v))
	return v.Encode()
}

// InitDataHash is the hash Telegram puts in initData with fields v (its own "hash" ignored).
func InitDataHash(token string, v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + v.Get(k)
	}
	secret := hmac.New(sha256.New, []byte("WebAppData"))
	secret.Write([]byte(token))
	h := hmac.New(sha256.New, secret.Sum(nil))
	h.Write([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h.Sum(nil))
}
