package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sampler watches a server process and its descendants (the embedded
// PostgreSQL servers and their backends) through Linux's /proc.
type sampler struct {
	pid      int
	stopOnce sync.Once
	done     chan struct{}
	wg       sync.WaitGroup

	mu sync.Mutex
	// Peaks over the samples, in kB.
	serverRSS   int64
	childAnon   int64
	childRSS    int64
	maxChildren int
	samples     int
}

func startSampler(pid int, every time.Duration) (*sampler, error) {
	if _, err := readStatus(pid); err != nil {
		return nil, fmt.Errorf("--server-pid %d: %w", pid, err)
	}
	s := &sampler{pid: pid, done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s, nil
}

func (s *sampler) stop() {
	s.stopOnce.Do(func() { close(s.done) })
	s.wg.Wait()
}

func (s *sampler) sample() {
	st, err := readStatus(s.pid)
	if err != nil {
		return
	}
	var anon, rss int64
	kids := descendants(s.pid)
	for _, k := range kids {
		if ks, err := readStatus(k); err == nil {
			anon += ks["RssAnon"]
			rss += ks["VmRSS"]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	s.serverRSS = max(s.serverRSS, st["VmRSS"])
	s.childAnon = max(s.childAnon, anon)
	s.childRSS = max(s.childRSS, rss)
	s.maxChildren = max(s.maxChildren, len(kids))
}

// report prints the peaks; call after stop, while the server still runs.
func (s *sampler) report(w io.Writer) {
	st, err := readStatus(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		fmt.Fprintf(w, "server pid %d: VmHWM (peak RSS since start) %.1f MB; peak sampled VmRSS %.1f MB; VmRSS now %.1f MB\n",
			s.pid, mb(st["VmHWM"]), mb(s.serverRSS), mb(st["VmRSS"]))
	}
	fmt.Fprintf(w, "child processes (up to %d, PostgreSQL): peak sampled sum of RssAnon %.1f MB, of VmRSS %.1f MB (VmRSS counts shared buffers once per process); %d samples\n",
		s.maxChildren, mb(s.childAnon), mb(s.childRSS), s.samples)
}

func mb(kB int64) float64 { return float64(kB) / 1024 }

// readStatus returns the kB-valued fields of /proc/PID/status.
func readStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasSuffix(val, " kB") {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(val, " kB")), 10, 64); err == nil {
			out[name] = n
		}
	}
	return out, nil
}

// descendants returns the pids of every process below pid.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentOf(p); ok {
			children[pp] = append(children[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// parentOf reads the parent pid from /proc/PID/stat, whose second field
// (the command name, in parentheses) may itself contain spaces.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(fields[1])
	return pp, err == nil
}
