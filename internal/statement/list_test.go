package statement

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rsdata/rsdata/internal/results"
)

func limits(page, row int, result int64) results.Limits {
	return results.Limits{PageBytes: page, MaxRowBytes: row, MaxResultBytes: result, Separator: ","}
}

func TestListStatements(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{})
		ctx := context.Background()
		var ids []string
		for i := range 5 {
			r := req("select 1")
			if i == 2 {
				r.SQLs = []string{"fail"}
			}
			r.Name = "job"
			ids = append(ids, execute(t, e, r).ID)
			synctest.Wait()
			time.Sleep(time.Second)
		}
		running := execute(t, e, req("sleep 1h"))
		synctest.Wait()

		// Default: FINISHED only, newest first, in pages of MaxResults.
		var seen []string
		token := ""
		for pages := 0; ; pages++ {
			list, next, err := e.List(ctx, ListRequest{Owner: alice, MaxResults: 2, NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range list {
				seen = append(seen, st.ID)
			}
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("List never ends")
			}
			token = next
		}
		want := []string{ids[4], ids[3], ids[1], ids[0]}
		if len(seen) != len(want) {
			t.Fatalf("listed %v, want %v", seen, want)
		}
		for i := range want {
			if seen[i] != want[i] {
				t.Fatalf("listed %v, want %v", seen, want)
			}
		}

		// The store still says SUBMITTED of the running statement; List
		// shows its live status.
		list, _, err := e.List(ctx, ListRequest{Owner: alice, Status: "STARTED"})
		if err != nil || len(list) != 1 || list[0].ID != running.ID || list[0].Status != Started {
			t.Fatalf("STARTED: %v %v", err, list)
		}
		if list, _, _ := e.List(ctx, ListRequest{Owner: alice, Status: "SUBMITTED"}); len(list) != 0 {
			t.Fatalf("SUBMITTED lists a started statement: %v", list)
		}
		if list, _, _ := e.List(ctx, ListRequest{Owner: alice, Status: "ALL"}); len(list) != 6 {
			t.Fatalf("ALL lists %d statements", len(list))
		}
		if list, _, _ := e.List(ctx, ListRequest{Owner: alice, Status: "FAILED"}); len(list) != 1 || list[0].ID != ids[2] {
			t.Fatalf("FAILED: %v", list)
		}
		if list, _, _ := e.List(ctx, ListRequest{Owner: bob, Status: "ALL"}); len(list) != 0 {
			t.Fatalf("bob lists %d of alice's statements", len(list))
		}
		if _, _, err := e.List(ctx, ListRequest{Owner: alice, NextToken: "not-a-token"}); !errors.Is(err, ErrBadToken) {
			t.Fatalf("bad token: %v", err)
		}
	})
}

func TestResultPages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := start(t, Options{Limits: limits(40, 1024, 1<<20)})
		ctx := context.Background()
		st := execute(t, e, req("rows 7"))
		synctest.Wait()
		got := wantStatus(t, e, st.ID, Finished, "")
		if got.ResultRows != 7 || got.Pages < 2 {
			t.Fatalf("rows %d pages %d", got.ResultRows, got.Pages)
		}
		token, n := "", 0
		for {
			p, err := e.Result(ctx, st.ID, alice, FormatJSON, token)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if len(p.Records) == 0 {
				t.Fatalf("page %d is empty", n)
			}
			if token = p.NextToken; token == "" {
				break
			}
		}
		if n != got.Pages {
			t.Fatalf("read %d pages of %d", n, got.Pages)
		}
		if _, err := e.Result(ctx, st.ID, alice, FormatJSON, results.NextToken(e.opts.Tokens, st.ID, got.Pages)); !errors.Is(err, ErrBadToken) {
			t.Fatalf("token past the last page: %v", err)
		}
		other := execute(t, e, req("select 1"))
		synctest.Wait()
		if _, err := e.Result(ctx, other.ID, alice, FormatJSON, results.NextToken(e.opts.Tokens, st.ID, 1)); !errors.Is(err, ErrBadToken) {
			t.Fatalf("another statement's token: %v", err)
		}
	})
}
