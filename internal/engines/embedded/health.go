package embedded

import (
	"fmt"
	"os"
	"strings"
)

// State is what supervision knows of a server's postmaster.
type State string

const (
	// Running: the postmaster runs (it may still refuse connections;
	// reachability is a separate check).
	Running State = "running"
	// Stopped: the postmaster is stopped by a signal (SIGSTOP, a
	// debugger): it holds its port but answers nothing.
	Stopped State = "stopped"
	// Restarting: it exited unexpectedly and supervision is starting it
	// again.
	Restarting State = "restarting"
	// ShutDown: rsdata stopped it, or it never started.
	ShutDown State = "shut down"
)

// State reports the postmaster's state.
func (i *Instance) State() State {
	i.mu.Lock()
	stopping, restarting, cmd := i.stopping, i.restarting, i.cmd
	i.mu.Unlock()
	switch {
	case stopping || cmd == nil || cmd.Process == nil:
		return ShutDown
	case restarting:
		return Restarting
	case processStopped(cmd.Process.Pid):
		return Stopped
	}
	return Running
}

// processStopped reads the process's state from /proc (Linux): T is
// stopped by a signal, t by a tracer. Elsewhere it reports false.
func processStopped(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	// The state follows the parenthesised command name.
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	return s[i+2] == 'T' || s[i+2] == 't'
}

// Server is one server of a site, by its name ("control",
// "cluster-local", "workgroup-default").
type Server struct {
	Name     string
	Instance *Instance
}

// Servers lists the site's running servers in the order they started.
func (s *Site) Servers() []Server {
	out := make([]Server, 0, len(s.servers))
	for _, inst := range s.servers {
		out = append(out, Server{Name: inst.opts.Name, Instance: inst})
	}
	return out
}
