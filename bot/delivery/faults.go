package delivery

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"syscall"

	tg "github.com/go-telegram/bot"
	"github.com/lib/pq"

	"focalbot/bot/store"
)

// ErrPermanent marks a renderer's error that trying again cannot cure (a malformed object, a
// setting missing): the row fails at once. A renderer's error is otherwise tried again.
var ErrPermanent = errors.New("permanent")

// Transient reports whether err comes from the database or the network not serving for a
// while, not from the work itself: the database unavailable, restarting, read-only or in
// recovery, a connection dropped or refused, a timeout, a serialization failure. The same
// work may succeed once it is back, so a row failing so is queued again with backoff, however
// often it happens.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if store.Unavailable(err) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", "40", "53", "57", "58": // connection, rollback, resources, operator intervention, system
			return true
		}
		return pe.Code == "25006" || pe.Code == "55P03" // read-only transaction (a standby); lock not available
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &ne)
}

// permanent reports whether err is known never to succeed on a retry: the object is gone
// (store.ErrNotFound), the renderer says so (ErrPermanent), or Telegram refused the request
// itself (400, 403).
func permanent(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, ErrPermanent) ||
		errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, tg.ErrorForbidden) || isMigrate(err)
}
