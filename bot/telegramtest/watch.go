package telegramtest

import (
	"context"
	"errors"
	"sort"
)

// This file is what a viewer of the whole emulator needs — the sandbox's web page shows every
// chat at once and waits for anything to happen in any of them — beyond the per-chat views
// tests use.

// Entity is a formatting span of a message's visible text (see Message.Plain), offsets and
// lengths in UTF-16 code units, as Telegram reports it to clients.
type Entity = entity

// Entities are the formatting spans of the message's visible text, as a Telegram client
// receives them and renders the message from: the markup the bot sent is never shown as is.
func (m Message) Entities() []Entity { return append([]Entity(nil), m.entities...) }

// ErrClosed is returned by waits that end because the server was closed.
var ErrClosed = errors.New("telegramtest: server closed")

// Seq is the sequence number of the newest event in any chat, 0 before the first.
func (s *Server) Seq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// EventsSince waits until some chat has an event newer than since, then returns the events of
// every chat newer than since, in sequence order. It returns early with ctx's error, or
// ErrClosed when the server closes.
func (s *Server) EventsSince(ctx context.Context, since int64) ([]Event, error) {
	for {
		s.mu.Lock()
		if s.seq > since {
			out := s.eventsSinceLocked(since)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.closed:
			return nil, ErrClosed
		}
	}
}

func (s *Server) eventsSinceLocked(since int64) []Event {
	var out []Event
	for _, c := range s.chats {
		// A chat's events are in ascending sequence order: skip the old ones by halving.
		i := sort.Search(len(c.events), func(i int) bool { return c.events[i].Seq > since })
		out = append(out, c.events[i:]...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// ChatMessage returns one message of any chat by chat and message id, the bot's or a user's,
// in its current state.
func (s *Server) ChatMessage(chatID int64, messageID int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return Message{}, false
	}
	m, ok := c.msgs[messageID]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// FileKind says whether a file_id the server handed out is a "photo" or a "document"; ""
// for an unknown id. Copies and forwards keep their source's file, so their Kind alone does
// not say how to show them.
func (s *Server) FileKind(fileID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[fileID].kind
}
