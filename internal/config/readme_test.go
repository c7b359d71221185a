package config

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestREADMEConfiguration keeps the README's Configuration section in step
// with the options table: every flag and variable is named there, and its
// example config file has every key, loads, and holds the defaults.
func TestREADMEConfiguration(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	section := readme[strings.Index(readme, "\n## Configuration\n"):]
	section = section[:strings.Index(section[1:], "\n## ")+1]

	const intro = "The config file, every key with its default"
	i := strings.Index(section, intro)
	if i < 0 {
		t.Fatalf("the Configuration section has no %q example", intro)
	}
	example := section[i:]
	example = example[strings.Index(example, "```json\n")+len("```json\n"):]
	example = example[:strings.Index(example, "```")]
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(example), &keys); err != nil {
		t.Fatalf("the example config file is not JSON: %v\n%s", err, example)
	}
	for _, s := range Settings(noEnv) {
		if s.FileKey != "" && keys[s.FileKey] == nil {
			t.Errorf("the example config file has no %q", s.FileKey)
		}
		for _, name := range []string{s.Flag, s.Env} {
			if name != "" && !strings.Contains(section, "`"+name) {
				t.Errorf("the Configuration section does not name %s", name)
			}
		}
	}
	cfg, err := parse([]string{"--config", writeFile(t, example)}, noEnv)
	if err != nil {
		t.Fatalf("the example config file does not load: %v", err)
	}
	def := Default(noEnv)
	cfg.ConfigFile, cfg.DataDir, def.DataDir = "", "", ""
	if !reflect.DeepEqual(cfg, def) {
		t.Errorf("the example config file is not the defaults:\n got %+v\nwant %+v", cfg, def)
	}
}
