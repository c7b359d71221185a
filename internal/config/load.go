package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Load builds the configuration from defaults, the config file (--config
// or RSDATA_CONFIG), the environment and args, each overriding the ones
// before it, then validates it. For -h or --help it returns flag.ErrHelp
// and the caller prints Usage.
func Load(args []string, getenv func(string) string) (Config, error) {
	cfg, err := parse(args, getenv)
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func parse(args []string, getenv func(string) string) (Config, error) {
	cfg := Default(getenv)
	fs := flag.NewFlagSet("rsdata", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	flags := newSource(&cfg)
	for i := range options {
		o := &options[i]
		if !o.noFlag && o.bind != nil {
			fs.Var(flags.value(o), o.name, o.help)
		}
	}
	if err := checkFlags(fs, args); err != nil {
		return cfg, err
	}
	// The file comes first so that the environment and flags override it,
	// but its name may be a flag.
	path := findConfigFlag(args)
	if path == "" {
		path = getenv("RSDATA_CONFIG")
	}
	if path != "" {
		if err := loadFile(path, &cfg); err != nil {
			return cfg, err
		}
		cfg.ConfigFile = path
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return cfg, nil
}

// source sets options from one place (the file, the environment or the
// flags): the first value it sets for a list replaces the lower sources'.
type source struct {
	cfg  *Config
	seen map[*option]bool
}

func newSource(cfg *Config) *source { return &source{cfg: cfg, seen: map[*option]bool{}} }

func (s *source) set(o *option, v string) error {
	s.clear(o)
	return o.bind(s.cfg).Set(v)
}

// clear empties a list the first time this source sets it.
func (s *source) clear(o *option) {
	if r, ok := o.bind(s.cfg).(interface{ reset() }); ok && !s.seen[o] {
		r.reset()
	}
	s.seen[o] = true
}

// value is o as a flag.Value that sets through s.
func (s *source) value(o *option) flag.Value { return sourceValue{s, o} }

type sourceValue struct {
	s *source
	o *option
}

func (v sourceValue) Set(x string) error { return v.s.set(v.o, x) }
func (v sourceValue) String() string {
	if v.s == nil {
		return "" // the flag package's zero value
	}
	return v.o.bind(v.s.cfg).String()
}
func (v sourceValue) IsBoolFlag() bool {
	if v.o == nil {
		return false
	}
	b, ok := v.o.bind(&Config{}).(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// checkFlags refuses an unknown flag naming the nearest known one, before
// the file or the environment is read.
func checkFlags(fs *flag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return nil
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return nil
		}
		f := fs.Lookup(name)
		if f == nil {
			var names []string
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
			msg := fmt.Sprintf("unknown flag --%s", name)
			if n, ok := Nearest(name, names); ok {
				msg += fmt.Sprintf("; did you mean --%s?", n)
			} else if o := lookup(name); o != nil && o.noFile {
				msg += fmt.Sprintf("; it is not a flag: set %s", o.envName())
			} else if o != nil {
				msg += fmt.Sprintf("; it is not a flag: set %q in the config file", o.name)
			}
			return errors.New(msg)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if !hasValue {
			i++
		}
	}
	return nil
}

func findConfigFlag(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, p := range []string{"--config=", "-config="} {
			if strings.HasPrefix(a, p) {
				return strings.TrimPrefix(a, p)
			}
		}
		if (a == "--config" || a == "-config") && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// lookup finds an option by its name.
func lookup(name string) *option {
	for i := range options {
		if options[i].name == name {
			return &options[i]
		}
	}
	return nil
}

// fileKey finds the option a config-file key sets, and whether the key is
// its legacy snake_case spelling.
func fileKey(key string) (o *option, legacy bool) {
	for i := range options {
		o := &options[i]
		switch {
		case o.noFile:
		case o.name == key:
			return o, false
		case o.legacyKey() == key:
			return o, true
		}
	}
	return nil, false
}

// loadFile applies a JSON object whose keys are option names (or their
// legacy snake_case spellings) to cfg, and reports every unknown key.
func loadFile(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("config file %s: want a JSON object: %w", path, err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var known []string
	for i := range options {
		if o := &options[i]; !o.noFile {
			known = append(known, o.name)
		}
	}
	src := newSource(cfg)
	given := map[*option]string{}
	var errs []error
	for _, k := range keys {
		o, legacy := fileKey(k)
		if o == nil {
			msg := fmt.Sprintf("unknown key %q", k)
			if n, ok := Nearest(strings.ReplaceAll(k, "_", "-"), known); ok {
				msg += fmt.Sprintf(" (did you mean %q?)", n)
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		if other, ok := given[o]; ok {
			errs = append(errs, fmt.Errorf("keys %q and %q are the same setting", other, k))
			continue
		}
		given[o] = k
		if err := setFromJSON(src, o, raw[k], legacy && o.legacyInverted); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// setFromJSON sets o from a file value: a string, number or boolean, or
// for a list an array of them; null leaves it as it is.
func setFromJSON(src *source, o *option, raw json.RawMessage, inverted bool) error {
	if o.fromFile != nil {
		return o.fromFile(src.cfg, raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	items := []any{v}
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		if !o.list {
			return errors.New("takes one value, not a list")
		}
		items = t
		src.clear(o) // so that [] empties the list
	}
	for _, it := range items {
		var s string
		switch t := it.(type) {
		case string:
			s = t
		case json.Number:
			s = t.String()
		case bool:
			s = strconv.FormatBool(t != inverted)
		default:
			return fmt.Errorf("want a string, a number or a boolean, not %s", raw)
		}
		if err := src.set(o, s); err != nil {
			return err
		}
	}
	return nil
}

func decodeEngines(c *Config, raw []byte) error {
	var es []Engine
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&es); err != nil {
		return err
	}
	c.Engines = append(c.Engines, es...)
	return nil
}

// applyEnv sets every option whose variable is set and not empty; lists
// are comma-separated.
func applyEnv(cfg *Config, getenv func(string) string) error {
	src := newSource(cfg)
	var errs []error
	for i := range options {
		o := &options[i]
		name := o.envName()
		if name == "" || o.bind == nil {
			continue
		}
		v := getenv(name)
		if v == "" {
			continue
		}
		vals := []string{v}
		if o.list {
			vals = strings.Split(v, ",")
		}
		for _, x := range vals {
			if err := src.set(o, strings.TrimSpace(x)); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// Usage writes the options: each flag with its variable, default and help,
// then the settings that are not flags, then the precedence.
func Usage(w io.Writer, getenv func(string) string) {
	settings := Settings(getenv)
	fmt.Fprintln(w, "Flags (each also an environment variable and a config-file key):")
	flagText := func(s Setting) string {
		t := s.Flag
		if s.Arg != "" {
			t += " " + s.Arg
		}
		if s.Repeatable {
			t += " (repeatable)"
		}
		return t
	}
	width := 0
	for _, s := range settings {
		width = max(width, len(flagText(s)))
	}
	for _, s := range settings {
		if s.Flag == "" {
			continue
		}
		line := "  " + flagText(s)
		if s.Env != "" {
			line = fmt.Sprintf("  %-*s  env %s", width, flagText(s), s.Env)
		}
		fmt.Fprintln(w, line)
		help := s.Help
		if s.Default != "" {
			help += " (default " + s.Default + ")"
		}
		fmt.Fprintf(w, "        %s\n", help)
	}
	fmt.Fprintln(w, "\nEnvironment only:")
	for _, s := range settings {
		if s.Flag == "" && s.FileKey == "" && s.Env != "" {
			fmt.Fprintf(w, "  %s\n        %s\n", s.Env, s.Help)
		}
	}
	fmt.Fprintln(w, "\nConfig file only:")
	for _, s := range settings {
		if s.Flag == "" && s.FileKey != "" {
			fmt.Fprintf(w, "  %q\n        %s\n", s.FileKey, s.Help)
		}
	}
	fmt.Fprintln(w, `
Precedence: flags, then environment variables, then the config file, then defaults.
Config-file keys are the flag names ("data-dir"); the snake_case keys of earlier
versions ("data_dir") are accepted too. Repeatable flags are JSON arrays in the
file and comma-separated in the environment.`)
}

// Nearest returns the candidate closest to word by edit distance, if it is
// close enough to be a likely misspelling.
func Nearest(word string, candidates []string) (string, bool) {
	best, bestD := "", -1
	for _, c := range candidates {
		if d := editDistance(word, c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD >= 0 && bestD <= max(2, len(word)/3)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
