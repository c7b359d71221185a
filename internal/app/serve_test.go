package app_test

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/rsdata/rsdata/internal/config"
	"github.com/rsdata/rsdata/internal/testutil/apptest"
)

// bannerProbe is the App's stdout: when the banner's last line arrives it
// asks the printed endpoint for /healthz, to learn whether requests were
// already being answered while the banner was still being printed.
type bannerProbe struct {
	mu       sync.Mutex
	endpoint string
	probeErr error
}

var bannerEndpoint = regexp.MustCompile(`^Data API endpoint: (\S+)\n$`)

func (p *bannerProbe) Write(b []byte) (int, error) {
	m := bannerEndpoint.FindSubmatch(b)
	if m == nil {
		return len(b), nil
	}
	client := &http.Client{Timeout: 300 * time.Millisecond}
	resp, err := client.Get(string(m[1]) + "/healthz")
	if err == nil {
		resp.Body.Close()
	}
	p.mu.Lock()
	p.endpoint, p.probeErr = string(m[1]), err
	p.mu.Unlock()
	return len(b), nil
}

// TestServeAnswersOnlyAfterItsBanner: a script that waits for the endpoint to
// answer and then reads the printed credentials must find them printed.
func TestServeAnswersOnlyAfterItsBanner(t *testing.T) {
	probe := &bannerProbe{}
	env := apptest.Start(t, apptest.Options{
		Stdout:    probe,
		Configure: func(c *config.Config) { c.Listen = "127.0.0.1:0" },
	})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- env.App.Serve(ctx, func(addr string) { ready <- addr }) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-served:
		t.Fatalf("Serve returned before serving: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not report its address within 30s")
	}
	probe.mu.Lock()
	endpoint, probeErr := probe.endpoint, probe.probeErr
	probe.mu.Unlock()
	if endpoint != "http://"+addr {
		t.Fatalf("banner named endpoint %q; Serve listens on %s", endpoint, addr)
	}
	if probeErr == nil {
		t.Error("the endpoint answered /healthz while the banner was still being printed")
	}
	resp, err := http.Get(endpoint + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz after the banner: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz after the banner: %s", resp.Status)
	}
}
