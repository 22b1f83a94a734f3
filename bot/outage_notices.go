package bot

import (
	"context"
	"time"

	"github.com/go-telegram/bot/models"

	"focalbot/bot/i18n"
	"focalbot/bot/store"
)

// The notice that the database is away, across a change of the lease (#19).
//
// While the database is out of reach every instance looks at Telegram's queue (the lease's
// Unreachable hook): they all see the same unconfirmed updates, and each would tell their
// senders once, so that with two instances everyone was told twice. Now only an instance that
// is not standing by tells then (the one that held the lease, or one that never saw another
// hold it: a restart); a standby remembers the update as owed. Told and owed updates are
// written to outage_notices as soon as the database answers, before the lease is sought
// (Lease.BeforeTry). The instance that then handles an owed update, still untold, first tells
// its sender that the database is back: so someone whose update was seen only by a standby, or
// whose telling died with the instance that held the lease, is still told, once it is back.
//
// Trade-off: while the lease holder is gone during an outage, people who write are told only
// when the database is back (the standby cannot know whether the holder is alive and has told
// them), and someone told by a holder that then died gets the notice that it is back as well.

// outageGrace is how long the handling of an owed update waits for the other instances to
// write what they told (each writes at its first try after the database is back; tries are
// half a second apart, but a try may follow a look at Telegram's queue and the notices it
// sends). 1.5 s was too short on a loaded machine: the holder's record came after the standby
// had taken the lease and told its senders that the database was back, a second notice to
// people already told. Only updates owed a notice wait, and only right after an outage.
const outageGrace = 3 * time.Second

// outageMemo is an update told or owed while the database was away, not yet written.
type outageMemo = store.OutageNotice

// notSavedPolled is notSaved for the updates the poller saw (its batch not saved, or a look at
// Telegram's queue while the database is away): a standby leaves them to the holder.
func (a *App) notSavedPolled(ctx context.Context, us []*models.Update) {
	if !a.lease.Standby() {
		a.notSaved(ctx, us)
		return
	}
	for _, u := range us {
		c := chatOf(u)
		if c == nil || *c == 0 || groupTraffic(u) {
			continue
		}
		lang := i18n.Default
		if s := senderOf(u); s != nil {
			lang = a.I18n.Match(s.LanguageCode)
		}
		a.outageMemos.LoadOrStore(u.ID, outageMemo{UpdateID: u.ID, ChatID: *c, Lang: lang})
	}
}

// rememberTold records that the sender of an update was told, to be written once the database
// is back.
func (a *App) rememberTold(u *models.Update, chatID int64, lang string) {
	a.outageMemos.Store(u.ID, outageMemo{UpdateID: u.ID, ChatID: chatID, Lang: lang, Told: true})
}

// writeOutageMemos writes what this instance told or left untold while the database was away;
// what is written is forgotten here, what is not is tried again at the next call.
func (a *App) writeOutageMemos(ctx context.Context) {
	var ns []store.OutageNotice
	a.outageMemos.Range(func(_, v any) bool {
		ns = append(ns, v.(outageMemo))
		return true
	})
	if len(ns) == 0 {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := store.RecordOutageNotices(wctx, a.Store.DB, ns); err != nil {
		return // the database is still away
	}
	for _, n := range ns {
		a.outageMemos.CompareAndDelete(n.UpdateID, n)
	}
}

// loadOwed marks which of the updates about to be handled are owed the notice. When some are,
// it first waits outageGrace, once for the batch (only right after an outage), for the other
// instances to write what they told.
func (a *App) loadOwed(ctx context.Context, ids []int64) {
	owed, err := store.OwedOutageNotices(ctx, a.Store.DB, ids)
	if err != nil {
		a.Log.Warn("owed outage notices not read", "err", err)
		return
	}
	if len(owed) == 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(outageGrace):
	}
	for _, id := range owed {
		a.owed.Store(id, true)
	}
}

// tellBack tells the sender of an update owed the notice, before it is handled, that the
// database was away when they wrote and is back; unless another instance has recorded telling
// them (loadOwed gave them outageGrace to).
func (a *App) tellBack(ctx context.Context, id int64) {
	chatID, lang, ok, err := store.ClaimOutageNotice(ctx, a.Store.DB, id)
	if err != nil || !ok {
		return
	}
	if _, err := a.Send(ctx, chatID, "reply", a.I18n.T(lang, "error_unavailable_back", nil), nil); err != nil {
		a.Log.Warn("notice that the database is back not sent", "chat_id", chatID, "err", err)
	}
}
