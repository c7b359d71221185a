package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// lockFileName is the data dir's lock: held (flock) by the rsdata that uses
// the dir, for its whole life, and holding that process's pid and address
// so a second one can say who has it.
const lockFileName = "rsdata.lock"

// holder is what the lock file records.
type holder struct {
	PID    int    `json:"pid"`
	Listen string `json:"listen,omitempty"`
}

// dataDirLock is a held lock on a data dir.
type dataDirLock struct {
	path string
	lock *flock.Flock
}

// lockDataDir takes the data dir's lock or fails at once naming the
// process that holds it.
func lockDataDir(dir string) (*dataDirLock, error) {
	path := filepath.Join(dir, lockFileName)
	l := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if !ok {
		var h holder
		b, _ := os.ReadFile(path)
		_ = json.Unmarshal(b, &h)
		who := "another rsdata"
		if h.PID > 0 {
			who += fmt.Sprintf(" (pid %d", h.PID)
			if h.Listen != "" {
				who += ", listening on " + h.Listen
			}
			who += ")"
		}
		return nil, fmt.Errorf("data dir %s is in use by %s; stop it or choose another --data-dir (lock file %s)", dir, who, path)
	}
	d := &dataDirLock{path: path, lock: l}
	if err := d.record(""); err != nil {
		_ = l.Unlock()
		return nil, err
	}
	return d, nil
}

// record writes this process's pid and listen address into the lock file.
func (d *dataDirLock) record(listen string) error {
	if d == nil {
		return nil
	}
	b, _ := json.Marshal(holder{PID: os.Getpid(), Listen: listen})
	if err := os.WriteFile(d.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("lock data dir: %w", err)
	}
	return nil
}

// release gives the lock up; the file stays (removing it would race with
// a process about to lock it).
func (d *dataDirLock) release() {
	if d != nil {
		_ = d.lock.Unlock()
	}
}
