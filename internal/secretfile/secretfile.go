// Package secretfile reads and writes the small JSON files in the data
// directory that hold secrets (root credentials, master passwords, the
// control store's password): readable by their owner only, replaced
// atomically so a crash never leaves half a file.
package secretfile

import (
	"encoding/json"
	"errors"
	"os"
)

// Read decodes the JSON file at path into v. A missing file is not an
// error: v is left as it is.
func Read(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Write stores v as indented JSON at path, mode 0600, atomically.
func Write(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
