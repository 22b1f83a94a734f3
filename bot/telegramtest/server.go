package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultToken is the token NewServer uses unless WithToken is given. The
// part before the colon is the bot's user id, as with real tokens.
const DefaultToken = "7000000001:AAtestTOKENfocalbotEmulator-0123456789"

// DefaultBotUsername is the bot's username unless WithBotUsername is given.
const DefaultBotUsername = "focalbot_test_bot"

const maxBody = 64 << 20

// Option configures NewServer.
type Option func(*config)

type config struct {
	token       string
	username    string
	firstName   string
	addr        string
	callLog     bool
	limits      Limits
	startUpdate int64
}

// WithToken sets the token the server accepts; others get 401.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBotUsername sets the username getMe reports.
func WithBotUsername(username string) Option { return func(c *config) { c.username = username } }

// WithBotName sets the first name getMe reports.
func WithBotName(name string) Option { return func(c *config) { c.firstName = name } }

// WithAddr listens on addr instead of 127.0.0.1:0, e.g. for the sandbox.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithLimits starts the server with flood limits already set.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithoutCallLog stops recording each request for Calls, so long benchmarks
// do not grow memory; CallCount and Stats keep working.
func WithoutCallLog() Option { return func(c *config) { c.callLog = false } }

// WithFirstUpdateID sets the first update_id handed out, to test offset
// handling with ids that do not start at 1.
func WithFirstUpdateID(id int64) Option { return func(c *config) { c.startUpdate = id } }

// Call is one request the server received.
type Call struct {
	Method string            // canonical Bot API name, e.g. "sendMessage"
	Params map[string]string // JSON-valued fields stay JSON text, as sent
	Files  map[string]string // uploaded file parts: field name -> file name
	Time   time.Time
	Status int // HTTP status answered; 0 if the client went away first
	Error  string
}

// Server is an in-process Telegram Bot API. All methods are safe for
// concurrent use.
type Server struct {
	cfg     config
	botID   int64
	start   time.Time
	ln      net.Listener
	hs      *http.Server
	url     string
	closed  chan struct{}
	once    sync.Once
	latency atomic.Int64

	mu sync.Mutex

	users  map[int64]*User
	groups map[int64]*Group
	chats  map[int64]*chatState

	nextUpdateID int64
	queue        []queuedUpdate // unconfirmed, ascending update_id
	redeliver    []queuedUpdate
	allUpdates   map[int64]queuedUpdate
	updWake      chan struct{}
	allowed      map[string]bool
	webhookURL   string
	wh           webhookState

	callbacks    map[string]*callbackState
	nextCallback int64
	files        map[string]fileInfo
	nextFile     int64
	nextAlbum    int64
	commands     map[string][]Command

	limits    Limits
	globalWin window
	blocked   map[int64]bool
	failN     int
	failCode  int
	failOn    map[string]failRule
	left      []int64

	stats     Stats
	calls     []Call
	callCount map[string]int
	seq       int64
	changed   chan struct{}
}

type queuedUpdate struct {
	id        int64
	kind      string
	raw       json.RawMessage
	delivered bool
}

type callbackState struct {
	chatID   int64
	answered bool
}

type fileInfo struct {
	kind   string // "photo" or "document"
	name   string
	size   int64
	unique string
}

// NewServer starts an emulator listening on 127.0.0.1 on a free port. It
// panics if it cannot listen, since nothing useful can follow.
func NewServer(opts ...Option) *Server {
	cfg := config{token: DefaultToken, username: DefaultBotUsername, firstName: "FocalBot", addr: "127.0.0.1:0", callLog: true, startUpdate: 1}
	for _, o := range opts {
		o(&cfg)
	}
	botID, _ := strconv.ParseInt(strings.SplitN(cfg.token, ":", 2)[0], 10, 64)
	s := &Server{
		cfg:          cfg,
		botID:        botID,
		start:        time.Now(),
		closed:       make(chan struct{}),
		users:        map[int64]*User{},
		groups:       map[int64]*Group{},
		chats:        map[int64]*chatState{},
		nextUpdateID: cfg.startUpdate,
		allUpdates:   map[int64]queuedUpdate{},
		updWake:      make(chan struct{}),
		callbacks:    map[string]*callbackState{},
		files:        map[string]fileInfo{},
		commands:     map[string][]Command{},
		limits:       cfg.limits,
		globalWin:    window{d: time.Second},
		blocked:      map[int64]bool{},
		failOn:       map[string]failRule{},
		stats:        Stats{ByMethod: map[string]int{}},
		callCount:    map[string]int{},
		changed:      make(chan struct{}),
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: listen %s: %v", cfg.addr, err))
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s
}

// URL is the base URL to pass to bot.WithServerURL.
func (s *Server) URL() string { return s.url }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// BotID is the bot's user id (the token's numeric prefix).
func (s *Server) BotID() int64 { return s.botID }

// BotUsername is the username getMe reports.
func (s *Server) BotUsername() string { return s.cfg.username }

// HTTPClient returns a client tuned for many concurrent requests to the
// emulator; the default transport keeps only 2 idle connections per host,
// which makes a high-rate benchmark churn through ephemeral ports.
func (s *Server) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// Close releases pending long polls and stops the server.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.hs.Shutdown(ctx); err != nil {
			_ = s.hs.Close()
		}
	})
}

// Handler exposes the API handler so it can be mounted elsewhere (the
// sandbox mounts it next to its web UI). Requests must keep the
// /bot<TOKEN>/<method> path.
func (s *Server) Handler() http.Handler { return s }

// apiError is a Telegram error answer.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func (e *apiError) Error() string { return e.desc }

func badRequest(detail string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + detail}
}

func forbidden(detail string) *apiError {
	return &apiError{code: http.StatusForbidden, desc: "Forbidden: " + detail}
}

// request is one decoded API call.
type request struct {
	method string
	p      map[string]string
	files  map[string]upload
}

type upload struct {
	name string
	size int64
}

func (q *request) str(k string) string { return q.p[k] }

func (q *request) has(k string) bool { _, ok := q.p[k]; return ok }

func (q *request) integer(k string) (int64, bool) {
	v, ok := q.p[k]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

func (q *request) boolean(k string) bool {
	v := strings.ToLower(q.p[k])
	return v == "true" || v == "1"
}

type handlerFunc func(s *Server, ctx context.Context, q *request) (any, *apiError)

// sendMethods are the calls that deliver a new message: FailNext, Stats.Sent
// and all flood limits apply to them.
var sendMethods = map[string]bool{
	"sendMessage": true, "sendPhoto": true, "sendDocument": true, "copyMessage": true, "forwardMessage": true,
}

var methodNames = map[string]string{}

func init() {
	for name := range handlers {
		methodNames[strings.ToLower(name)] = name
	}
}

func canonicalMethod(m string) string {
	if c, ok := methodNames[strings.ToLower(m)]; ok {
		return c
	}
	return m
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r) // files.go
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok {
		writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	method = strings.TrimPrefix(method, "test/")
	if token != s.cfg.token {
		writeError(w, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	name, known := methodNames[strings.ToLower(method)]
	if !known {
		name = method
	}
	q, perr := parseRequest(r)
	q.method = name
	if perr != nil {
		s.finish(w, name, q, nil, perr)
		return
	}
	if d := time.Duration(s.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.record(q, 0, "client gone")
			return
		case <-s.closed:
			t.Stop()
		}
	}
	if !known {
		s.finish(w, name, q, nil, &apiError{code: http.StatusNotFound, desc: "Not Found"})
		return
	}
	s.mu.Lock()
	ferr := s.injectedFailure(name)
	s.mu.Unlock()
	if ferr != nil {
		s.finish(w, name, q, nil, ferr)
		return
	}
	res, aerr := handlers[name](s, r.Context(), q)
	if aerr == nil && r.Context().Err() != nil && name == "getUpdates" {
		s.record(q, 0, "client gone")
		return
	}
	s.finish(w, name, q, res, aerr)
}

func (s *Server) finish(w http.ResponseWriter, method string, q *request, res any, aerr *apiError) {
	status := http.StatusOK
	desc := ""
	if aerr != nil {
		status, desc = aerr.code, aerr.desc
	}
	s.record(q, status, desc)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`{"ok":true,"result":`)
	if raw, ok := res.(json.RawMessage); ok {
		buf.Write(raw)
	} else if err := json.NewEncoder(&buf).Encode(res); err != nil {
		writeError(w, &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error"})
		return
	}
	buf.WriteByte('}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) record(q *request, status int, desc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	s.stats.ByMethod[q.method]++
	s.callCount[q.method]++
	switch {
	case status == http.StatusTooManyRequests:
		s.stats.TooManyRequests++
	case status == http.StatusForbidden:
		s.stats.Forbidden++
	case status == http.StatusBadRequest:
		s.stats.BadRequests++
	case status >= 500:
		s.stats.ServerErrors++
	}
	if !s.cfg.callLog {
		return
	}
	c := Call{Method: q.method, Params: q.p, Time: time.Now(), Status: status, Error: desc}
	if len(q.files) > 0 {
		c.Files = make(map[string]string, len(q.files))
		for k, f := range q.files {
			c.Files[k] = f.name
		}
	}
	s.calls = append(s.calls, c)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := struct {
		OK          bool   `json:"ok"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
		Parameters  *struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters,omitempty"`
	}{OK: false, ErrorCode: e.code, Description: e.desc}
	if e.retryAfter > 0 {
		body.Parameters = &struct {
			RetryAfter int `json:"retry_after"`
		}{e.retryAfter}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	w.WriteHeader(e.code)
	_, _ = w.Write(b)
}

// parseRequest accepts every body encoding the Bot API accepts. The
// multipart case must tolerate an empty body: go-telegram/bot sends methods
// without parameters as a multipart content type with no parts and no
// closing boundary.
func parseRequest(r *http.Request) (*request, *apiError) {
	q := &request{p: map[string]string{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			q.p[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return q, badRequest("can't read request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return q, nil
	}
	mt, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), mp["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return q, badRequest("can't parse multipart request body")
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return q, badRequest("can't parse multipart request body")
			}
			if part.FileName() != "" {
				if q.files == nil {
					q.files = map[string]upload{}
				}
				q.files[part.FormName()] = upload{name: part.FileName(), size: int64(len(data))}
				continue
			}
			q.p[part.FormName()] = string(data)
		}
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return q, badRequest("can't parse JSON request body")
		}
		for k, v := range m {
			switch v := v.(type) {
			case nil:
			case string:
				q.p[k] = v
			case json.Number:
				q.p[k] = v.String()
			case bool:
				q.p[k] = strconv.FormatBool(v)
			default:
				b, _ := json.Marshal(v)
				q.p[k] = string(b)
			}
		}
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return q, badRequest("can't parse request body")
		}
		for k, v := range vals {
			if len(v) > 0 {
				q.p[k] = v[0]
			}
		}
	}
	return q, nil
}

// Calls returns the requests received for method (case-insensitive), or all
// requests if method is "", oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	want := canonicalMethod(method)
	for _, c := range s.calls {
		if method == "" || c.Method == want {
			out = append(out, c)
		}
	}
	return out
}

// CallCount is the number of requests received for method, whatever their
// outcome; it works even WithoutCallLog.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callCount[canonicalMethod(method)]
}

// notifyLocked wakes everything waiting in WaitFor. Caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
