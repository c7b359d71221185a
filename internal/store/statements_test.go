package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// TestCreateWithClientToken covers the client-token rules Create applies in
// its single round trip: a token in use returns its statement and stores
// nothing, for single statements and batches alike; an expired token is
// taken over.
func TestCreateWithClientToken(t *testing.T) {
	db := openTestDB(t)
	s, ctx := db.store, context.Background()
	since := base.Add(-time.Hour)
	createWith := func(st *statement.Statement, token string, since time.Time) string {
		t.Helper()
		existing, err := s.Statements().Create(ctx, st, token, since)
		if err != nil {
			t.Fatal(err)
		}
		return existing
	}
	stored := func(id string) bool {
		t.Helper()
		_, err := s.Statements().Get(ctx, id)
		if err != nil && !errors.Is(err, statement.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	first := submitted("00000000-0000-0000-0000-000000000001", "", cluster, false)
	if got := createWith(first, "tok", since); got != "" || !stored(first.ID) {
		t.Fatalf("first use of a token: existing %q, stored %v", got, stored(first.ID))
	}
	again := submitted("00000000-0000-0000-0000-000000000002", "", cluster, false)
	if got := createWith(again, "tok", since); got != first.ID || stored(again.ID) {
		t.Fatalf("token in use: existing %q (want %s), second statement stored %v", got, first.ID, stored(again.ID))
	}
	batch := submitted("00000000-0000-0000-0000-000000000003", "", cluster, false)
	batch.Batch = true
	for i := range 2 {
		sub := *batch
		sub.ID, sub.Parent, sub.SubIndex, sub.Batch = batch.ID+":"+string(rune('1'+i)), batch.ID, i+1, false
		batch.Subs = append(batch.Subs, &sub)
	}
	if got := createWith(batch, "tok", since); got != first.ID || stored(batch.ID) || stored(batch.Subs[0].ID) {
		t.Fatalf("batch with a token in use: existing %q, stored %v/%v", got, stored(batch.ID), stored(batch.Subs[0].ID))
	}
	// Once the token is older than the caller's tokenSince it is taken over.
	if got := createWith(batch, "tok", base.Add(time.Hour)); got != "" || !stored(batch.ID) || !stored(batch.Subs[1].ID) {
		t.Fatalf("expired token: existing %q, stored %v/%v", got, stored(batch.ID), stored(batch.Subs[1].ID))
	}
	other := submitted("00000000-0000-0000-0000-000000000004", "", cluster, false)
	other.Owner.Principal = "arn:aws:iam::123456789012:user/other"
	if got := createWith(other, "tok", since); got != "" || !stored(other.ID) {
		t.Fatalf("another principal's token: existing %q, stored %v", got, stored(other.ID))
	}
}

// TestUpdateWithLastPage checks that the state announcing a result and the
// result's last page are stored together, and that neither is stored for
// a statement that does not exist.
func TestUpdateWithLastPage(t *testing.T) {
	db := openTestDB(t)
	s, ctx := db.store, context.Background()
	for _, withEvent := range []bool{false, true} {
		st := submitted("00000000-0000-0000-0000-00000000001"+map[bool]string{false: "0", true: "1"}[withEvent], "", cluster, withEvent)
		create(t, s, st)
		st.Status, st.HasResultSet, st.Pages, st.ResultRows, st.EndedAt = statement.Finished, true, 1, 1, base
		data := []byte("compressed page of " + st.ID)
		if err := s.Statements().Update(ctx, st, &results.LastPage{N: 0, Data: data}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Statements().Get(ctx, st.ID)
		if err != nil || got.Status != statement.Finished || got.Pages != 1 {
			t.Fatalf("withEvent %v: stored state %+v, %v", withEvent, got, err)
		}
		page, err := s.Statements().Page(ctx, st.ID, 0)
		if err != nil || !bytes.Equal(page, data) {
			t.Fatalf("withEvent %v: stored page %q, %v", withEvent, page, err)
		}
	}
	ghost := submitted("00000000-0000-0000-0000-000000000020", "", cluster, false)
	if err := s.Statements().Update(ctx, ghost, &results.LastPage{Data: []byte("x")}); !errors.Is(err, statement.ErrNotFound) {
		t.Fatalf("Update of a missing statement: %v", err)
	}
	if _, err := s.Statements().Page(ctx, ghost.ID, 0); !errors.Is(err, results.ErrPageNotFound) {
		t.Fatalf("page of a missing statement: %v", err)
	}
}
