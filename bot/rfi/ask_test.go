package rfi_test

import (
	"errors"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/rfi"
)

// Typed reply-by times: delays and dates in the typer's zone; the past, the unreadable and the
// far future are refused with their own message, the unreadable naming the zone.
func TestParseReplyBy(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	almaty, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      string
		loc     *time.Location
		want    time.Time
		wantErr string
	}{
		{"36h", time.UTC, now.Add(36 * time.Hour), ""},
		{" 5D ", time.UTC, now.Add(5 * 24 * time.Hour), ""},
		{"12ч", time.UTC, now.Add(12 * time.Hour), ""},
		{"2д", time.UTC, now.Add(48 * time.Hour), ""},
		{"2026-03-05 14:00", time.UTC, time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), ""},
		{"2026-03-05T14:00", time.UTC, time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), ""},
		{"2026-03-05", time.UTC, time.Date(2026, 3, 5, 23, 59, 0, 0, time.UTC), ""},
		{"2026-03-05 14:00", almaty, time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC), ""},
		{"0h", time.UTC, time.Time{}, "rfi_reply_by_past"},
		{"2026-03-02 09:00", time.UTC, time.Time{}, "rfi_reply_by_past"},
		{"2026-03-02 13:00", almaty, time.Time{}, "rfi_reply_by_past"},
		{"2026-03-01", time.UTC, time.Time{}, "rfi_reply_by_past"},
		{"31d", time.UTC, time.Time{}, "rfi_reply_by_far"},
		{"tomorrow", time.UTC, time.Time{}, "rfi_reply_by_bad_zone"},
		{"", time.UTC, time.Time{}, "rfi_reply_by_bad_zone"},
		{"2026-02-30 10:00", time.UTC, time.Time{}, "rfi_reply_by_bad_zone"},
		{"-5h", time.UTC, time.Time{}, "rfi_reply_by_bad_zone"},
	}
	for _, tt := range tests {
		got, err := rfi.ParseReplyBy(tt.in, now, tt.loc)
		var p *alert.Problem
		errID := ""
		if errors.As(err, &p) {
			errID = p.ID
		} else if err != nil {
			t.Errorf("%q: %v is not a Problem", tt.in, err)
		}
		if errID != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("%q in %s: got %v %q, want %v %q", tt.in, tt.loc, got, errID, tt.want, tt.wantErr)
		}
	}
	_, err = rfi.ParseReplyBy("soon", now, almaty)
	if p, ok := err.(*alert.Problem); !ok || p.Data["Zone"] != "UTC+5" {
		t.Errorf("an unreadable time in Almaty: %v, want its zone named UTC+5", err)
	}
}
