package bot

import (
	"context"
	"testing"
	"time"
)

// A chat's queue holds at most maxQueuedPerChat jobs; another chat is not affected.
func TestSequencerQueueBounded(t *testing.T) {
	s := newSequencer(2)
	release := make(chan struct{})
	block := func(context.Context) bool { <-release; return true }
	for i := range maxQueuedPerChat {
		if !s.submitAt(1, time.Time{}, block) {
			t.Fatalf("job %d refused", i)
		}
	}
	if s.submitAt(1, time.Time{}, block) {
		t.Error("a job past the bound was queued")
	}
	if !s.submitAt(2, time.Time{}, func(context.Context) bool { return true }) {
		t.Error("another chat's job was refused")
	}
	close(release)
	s.close(10 * time.Second)
	if s.submitAt(3, time.Time{}, block) {
		t.Error("a job was queued after close")
	}
}
