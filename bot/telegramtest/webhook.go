package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Webhook delivery. After setWebhook the emulator POSTs each update to the URL, as Telegram
// does: one request per update, JSON body, the secret_token given to setWebhook in the
// X-Telegram-Bot-Api-Secret-Token header. An update counts as delivered on a 2xx answer;
// any other answer, or none, and the same update is posted again after a pause (Telegram
// waits longer, and gives up after a while; the emulator keeps trying until the webhook is
// deleted). Updates go one at a time in update_id order, so a chat's updates reach the bot
// in order, as with max_connections=1.

// SecretMode chooses what the emulator puts in the secret header of its webhook requests.
type SecretMode int

const (
	SecretRight   SecretMode = iota // the secret_token given to setWebhook (Telegram's way)
	SecretWrong                     // another value of the same length
	SecretMissing                   // no header at all
)

// WebhookAttempt is one POST of an update to the webhook.
type WebhookAttempt struct {
	UpdateID int64
	Status   int    // HTTP status answered; 0 when there was no answer
	Error    string // the transport error when there was no answer
	Time     time.Time
}

type webhookState struct {
	secret   string
	allowed  []string
	maxConns int
	mode     SecretMode
	running  bool
	retry    time.Duration
	attempts []WebhookAttempt
	lastErr  string
	lastErrT time.Time
}

const webhookHeader = "X-Telegram-Bot-Api-Secret-Token"

// SetWebhookSecretMode makes the following webhook requests carry the right secret, a wrong
// one, or none.
func (s *Server) SetWebhookSecretMode(m SecretMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wh.mode = m
	s.wakeLocked()
}

// SetWebhookRetry sets the pause before an update is posted again after a failed attempt
// (100 ms unless set).
func (s *Server) SetWebhookRetry(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wh.retry = d
}

// WebhookAttempts lists every POST to the webhook so far, oldest first.
func (s *Server) WebhookAttempts() []WebhookAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WebhookAttempt(nil), s.wh.attempts...)
}

// WebhookSecret is the secret_token last given to setWebhook.
func (s *Server) WebhookSecret() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wh.secret
}

// WebhookURL is the URL last set with setWebhook, "" if none. While it is set getUpdates
// answers 409, as Telegram does, and updates are posted to it.
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL
}

func handleSetWebhook(s *Server, _ context.Context, q *request) (any, *apiError) {
	url := q.str("url")
	if url == "" {
		return handleDeleteWebhook(s, nil, q)
	}
	// Telegram takes only https; the emulator takes http too, since the bot under test
	// listens without TLS.
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := q.str("secret_token")
	if len(secret) > 256 || strings.Trim(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		return nil, badRequest("bad webhook: secret token contains unallowed characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = url
	s.wh.secret = secret
	s.wh.allowed = nil
	if v, ok := q.p["allowed_updates"]; ok {
		var kinds []string
		if json.Unmarshal([]byte(v), &kinds) == nil {
			s.wh.allowed = kinds
			s.allowed = nil
			if len(kinds) > 0 {
				s.allowed = map[string]bool{}
				for _, k := range kinds {
					s.allowed[k] = true
				}
			}
		}
	}
	s.wh.maxConns = 40
	if n, ok := q.integer("max_connections"); ok && n >= 1 && n <= 100 {
		s.wh.maxConns = int(n)
	}
	if q.boolean("drop_pending_updates") {
		s.queue = nil
		s.redeliver = nil
	}
	if !s.wh.running {
		s.wh.running = true
		go s.deliverWebhook()
	}
	s.wakeLocked()
	return true, nil
}

func handleDeleteWebhook(s *Server, _ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = ""
	s.wh.secret = ""
	if q.boolean("drop_pending_updates") {
		s.queue = nil
		s.redeliver = nil
	}
	s.wakeLocked()
	return true, nil
}

func handleGetWebhookInfo(s *Server, _ context.Context, _ *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := wireWebhookInfo{URL: s.webhookURL, PendingUpdateCount: len(s.queue) + len(s.redeliver)}
	if s.webhookURL != "" {
		info.MaxConnections = s.wh.maxConns
		info.AllowedUpdates = s.wh.allowed
		if s.wh.lastErr != "" {
			info.LastErrorDate = s.wh.lastErrT.Unix()
			info.LastErrorMessage = s.wh.lastErr
		}
	}
	return info, nil
}

// nextWebhookLocked is the update to post next: one to redeliver first, then the oldest
// queued of a kind asked for. Caller holds s.mu.
func (s *Server) nextWebhookLocked() (queuedUpdate, bool) {
	for _, u := range s.redeliver {
		if s.allowed == nil || s.allowed[u.kind] {
			return u, true
		}
	}
	filtered := s.queue[:0]
	for _, u := range s.queue {
		if s.allowed == nil || s.allowed[u.kind] {
			filtered = append(filtered, u)
		}
	}
	s.queue = filtered
	if len(s.queue) == 0 {
		return queuedUpdate{}, false
	}
	return s.queue[0], true
}

// deliveredLocked forgets an update the webhook accepted. Caller holds s.mu.
func (s *Server) deliveredLocked(id int64) {
	for i, u := range s.redeliver {
		if u.id == id {
			s.redeliver = append(s.redeliver[:i], s.redeliver[i+1:]...)
			return
		}
	}
	i := sort.Search(len(s.queue), func(i int) bool { return s.queue[i].id >= id })
	if i < len(s.queue) && s.queue[i].id == id {
		s.queue = append(s.queue[:i], s.queue[i+1:]...)
	}
}

// deliverWebhook posts updates while a webhook is set.
func (s *Server) deliverWebhook() {
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		s.mu.Lock()
		url := s.webhookURL
		if url == "" {
			s.wh.running = false
			s.mu.Unlock()
			return
		}
		u, ok := s.nextWebhookLocked()
		wake := s.updWake
		secret, mode, retry := s.wh.secret, s.wh.mode, s.wh.retry
		s.mu.Unlock()
		if !ok {
			select {
			case <-wake:
			case <-s.closed:
				return
			}
			continue
		}
		if retry <= 0 {
			retry = 100 * time.Millisecond
		}
		a := WebhookAttempt{UpdateID: u.id, Time: time.Now()}
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(u.raw))
		req.Header.Set("Content-Type", "application/json")
		switch mode {
		case SecretRight:
			if secret != "" {
				req.Header.Set(webhookHeader, secret)
			}
		case SecretWrong:
			wrong := []byte(secret)
			if len(wrong) == 0 {
				wrong = []byte("wrong")
			}
			for i := range wrong {
				if wrong[i] == 'x' {
					wrong[i] = 'y'
				} else {
					wrong[i] = 'x'
				}
			}
			req.Header.Set(webhookHeader, string(wrong))
		}
		resp, err := client.Do(req)
		if err != nil {
			a.Error = err.Error()
		} else {
			a.Status = resp.StatusCode
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		s.mu.Lock()
		s.wh.attempts = append(s.wh.attempts, a)
		accepted := a.Status >= 200 && a.Status < 300
		if accepted {
			s.deliveredLocked(u.id)
		} else {
			s.wh.lastErrT = a.Time
			if a.Status != 0 {
				s.wh.lastErr = "Wrong response from the webhook: " + http.StatusText(a.Status)
			} else {
				s.wh.lastErr = "Connection refused"
			}
		}
		s.mu.Unlock()
		if !accepted {
			select {
			case <-time.After(retry):
			case <-s.closed:
				return
			}
		}
	}
}
