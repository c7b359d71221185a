package main

// rsdata token: create, list and revoke the datastore API's bearer tokens
// of a running rsdata, through its API, with an Admin token (RSDATA_TOKEN,
// else RSDATA_ADMIN_TOKEN, else the one generated in the data dir).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rsdata/rsdata/internal/app"
	"github.com/rsdata/rsdata/internal/config"
)

const tokenUsage = `usage: rsdata token create NAME ROLE | list | revoke ID  [flags]
ROLE is Member, Editor, Manager or Admin. The flags are serve's (--data-dir, --listen, ...),
to find the running rsdata; RSDATA_TOKEN, when set, is the Admin token used`

func token(ctx context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	action, rest := args[0], args[1:]
	if action == "-h" || action == "-help" || action == "--help" {
		return flag.ErrHelp
	}
	want := map[string]int{"create": 2, "list": 0, "revoke": 1}
	n, ok := want[action]
	if !ok {
		return fmt.Errorf("unknown token action %q\n%s", action, tokenUsage)
	}
	if len(rest) < n || (n > 0 && strings.HasPrefix(rest[0], "-")) {
		return fmt.Errorf("token %s needs %d argument(s)\n%s", action, n, tokenUsage)
	}
	pos, flags := rest[:n], rest[n:]
	cfg, err := config.Load(flags, getenv)
	if err != nil {
		return err
	}
	ce, err := app.ReadClientEnv(cfg)
	if err != nil {
		return err
	}
	secret := getenv("RSDATA_TOKEN")
	if secret == "" {
		if secret, err = app.ReadAdminToken(cfg); err != nil {
			return err
		}
	}
	call := func(method, path string, body any, out any) error {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, ce.Endpoint+path, rd)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("rsdata at %s: %w", ce.Endpoint, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode >= 300 {
			var e struct{ Detail string }
			_ = json.Unmarshal(b, &e)
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, e.Detail)
		}
		if out != nil {
			return json.Unmarshal(b, out)
		}
		return nil
	}
	type tok struct {
		ID      int64      `json:"id"`
		Name    string     `json:"name"`
		Role    string     `json:"role"`
		Created time.Time  `json:"created"`
		Revoked *time.Time `json:"revoked"`
		Token   string     `json:"token"`
	}
	switch action {
	case "create":
		var t tok
		if err := call("POST", "/api/tokens", map[string]string{"name": pos[0], "role": pos[1]}, &t); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d (%s, %s), shown only now:\n%s\n", t.ID, t.Name, t.Role, t.Token)
	case "list":
		var all []tok
		if err := call("GET", "/api/tokens", nil, &all); err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tROLE\tCREATED\tREVOKED")
		for _, t := range all {
			revoked := "-"
			if t.Revoked != nil {
				revoked = t.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Created.Format(time.RFC3339), revoked)
		}
		return w.Flush()
	case "revoke":
		if err := call("DELETE", "/api/tokens/"+pos[0], nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %s revoked\n", pos[0])
	}
	return nil
}
