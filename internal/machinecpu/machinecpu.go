// Package machinecpu reads the machine's CPU time from Linux's /proc/stat,
// for load measurements that must count every process on the machine (the
// clients, the server, PostgreSQL's backends and the kernel's network work)
// and not only their own.
package machinecpu

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc/stat's times on Linux (USER_HZ).
const userHZ = 100

// Reading is the machine's cumulative CPU time at one moment.
type Reading struct {
	// Busy is user, nice, system, irq and softirq time over all CPUs.
	Busy time.Duration
	// Steal is time the hypervisor gave to other guests.
	Steal time.Duration
	// Total is all of the above plus idle and iowait time.
	Total time.Duration
}

// Read returns the current reading.
func Read() (Reading, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return Reading{}, err
	}
	return parse(string(data))
}

func parse(stat string) (Reading, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return Reading{}, errors.New("machinecpu: /proc/stat does not start with a cpu line")
	}
	var v [8]time.Duration // user nice system idle iowait irq softirq steal
	for i := range v {
		n, err := strconv.ParseUint(f[i+1], 10, 63)
		if err != nil {
			return Reading{}, fmt.Errorf("machinecpu: /proc/stat field %d: %w", i+1, err)
		}
		v[i] = time.Duration(n) * time.Second / userHZ
	}
	r := Reading{Busy: v[0] + v[1] + v[2] + v[5] + v[6], Steal: v[7]}
	for _, x := range v {
		r.Total += x
	}
	return r, nil
}

// Since is what the machine did between from and r.
func (r Reading) Since(from Reading) Reading {
	return Reading{Busy: r.Busy - from.Busy, Steal: r.Steal - from.Steal, Total: r.Total - from.Total}
}

// StealShare is the share of the machine's time stolen, 0 to 1.
func (r Reading) StealShare() float64 {
	if r.Total <= 0 {
		return 0
	}
	return float64(r.Steal) / float64(r.Total)
}
