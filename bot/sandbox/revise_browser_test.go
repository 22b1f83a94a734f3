package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"focalbot/bot/alert"
	"focalbot/bot/store"
)

// With CONFIDENTIAL_CONTENT a returned alert is revised in the Mini App as a phone does it:
// Revise on the alert's page opens the form with the alert's files; ticking Remove beside one
// and typing are saved as the revision's draft by the page's script, a file chosen goes up at
// once and the form comes back as it was, and Submit resubmits the alert with the new set of
// files. No JavaScript error in the page or in the Mini App, and on a 360 px phone the alert
// and the form read without scrolling sideways, labels above their fields.
func TestBrowserMiniAppRevise(t *testing.T) {
	sb := startConfidentialSandbox(t)
	ctx := context.Background()
	st := sb.Store
	author, analystM := persona(t, sb, kazakh), persona(t, sb, analyst)
	now := sb.App.Clock.Now()
	c := alert.Content{Classification: alert.ClassUrgent, Conveyance: "container", Quantity: "40 kg",
		Route:       []alert.Place{{Role: "loading", Country: "KZ", Locode: "KZALA", Name: "Almaty"}, {Role: "destination", Country: "UZ", Locode: "UZTAS", Name: "Tashkent"}},
		Identifiers: []alert.Identifier{{Kind: "container", Value: "MSKU 123456-5", Norm: "MSKU1234565"}}, Text: "Check the rear wall", Lang: "en"}
	id, ref := submittedAlert(t, sb, author, c, now)
	old := &store.AppFile{MemberID: author.ID, Name: "scan-old.png", ContentType: "image/png", CreatedAt: now}
	if err := store.InsertAppFile(ctx, st.DB, old, []byte("old scan")); err != nil {
		t.Fatal(err)
	}
	if err := store.AttachDraftFiles(ctx, st.DB, author.ID, id); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideAlert(ctx, st.DB, id, 1, store.AlertReturned, analystM.ID, "Weigh it again", "", now); err != nil {
		t.Fatal(err)
	}
	upload := filepath.Join(t.TempDir(), "seal-new.pdf")
	if err := os.WriteFile(upload, []byte("%PDF-1.4 seal photo"), 0o600); err != nil {
		t.Fatal(err)
	}

	p := openPage(t, sb)
	p.SetWindowSize(phoneWidth, phoneHeight)
	p.as(kazakh)
	p.send("/alert " + ref)
	p.openWebApp("the alert", "/app/alerts/"+ref, "app-alert")
	p.PhoneLayout("returned-alert")
	p.clickWhere("Revise", `return document.getElementById("app-revise")`)
	p.waitFor("the revise form", wait, nil, `return !!document.getElementById("in-quantity")`)
	p.PhoneLayout("revise")
	oldBox := `input[name=remove][value="m` + strconv.FormatInt(old.ID, 10) + `"]`
	p.click(p.find(oldBox))
	p.js(nil, `document.getElementById("in-quantity").value = ""`)
	p.typeInto(p.find("#in-quantity"), "12 kg")
	saved := func(what string, cond func(map[string]string) bool) {
		t.Helper()
		for deadline := time.Now().Add(wait); ; time.Sleep(50 * time.Millisecond) {
			d, err := store.RevisionDraft(ctx, st.DB, author.ID, id)
			if err == nil && cond(d) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the revision's draft never held %s: %v %v", what, d, err)
			}
		}
	}
	saved("the mark and the quantity", func(d map[string]string) bool {
		return d["quantity"] == "12 kg" && d["remove"] == "m"+strconv.FormatInt(old.ID, 10)
	})

	// A file chosen goes up at once; the form comes back with it, as typed and marked.
	p.typeInto(p.find("#in-file"), upload)
	var files string
	p.waitFor("the uploaded file", wait, &files, `var f = document.getElementById("app-files"); return f && f.innerText.indexOf("seal-new.pdf") >= 0 ? f.innerText : null`)
	var marked bool
	var quantity string
	p.js(&marked, `return document.querySelector(arguments[0]).checked`, oldBox)
	p.js(&quantity, `return document.getElementById("in-quantity").value`)
	if !marked || quantity != "12 kg" {
		t.Errorf("after the upload the form lost the draft: marked %v, quantity %q", marked, quantity)
	}
	p.PhoneLayout("revise-uploaded")
	p.noErrors()

	p.click(p.find("#app-submit"))
	var done string
	p.waitFor("the resubmission", wait, &done, `var m = document.getElementById("message"); return m ? m.innerText : null`)
	if !strings.Contains(done, ref) {
		t.Errorf("after resubmitting: %q", done)
	}
	p.noErrors()
	got, err := store.AlertByID(ctx, st.DB, id)
	if err != nil || got.State != store.AlertSubmitted || got.Revision != 2 || got.Content.Quantity != "12 kg" {
		t.Fatalf("the revised alert: %+v, %v", got, err)
	}
	kept, err := store.AlertAppFiles(ctx, st.DB, id)
	if err != nil || len(kept) != 1 || kept[0].Name != "seal-new.pdf" {
		t.Errorf("the revision's files: %+v, %v", kept, err)
	}
	if _, err := store.RevisionDraft(ctx, st.DB, author.ID, id); err == nil {
		t.Error("the revision's draft outlived the resubmission")
	}
	p.must(p.do("POST", p.path("/frame/parent"), map[string]any{}, nil))
	p.noErrors()
}
