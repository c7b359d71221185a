// Command rsdata is a self-hosted, drop-in compatible Amazon Redshift Data
// API: point an unmodified AWS client at it and run real SQL on PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/rsdata/rsdata/internal/app"
	"github.com/rsdata/rsdata/internal/config"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rsdata:", err)
		os.Exit(1)
	}
}

// command is one of rsdata's commands.
type command struct {
	name, args, summary string
	// configured commands take the configuration's flags.
	configured bool
	run        func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

var commands = []command{
	{name: "serve", args: "[flags]", summary: "run the server", configured: true, run: serve},
	{name: "env", args: "[flags]", summary: "print the export line for the AWS CLI and SDKs: eval \"$(rsdata env)\"", configured: true, run: env},
	{name: "token", args: "create|list|revoke ...", summary: "manage the datastore API's bearer tokens of a running rsdata", configured: true, run: token},
	{name: "version", summary: "print the version, the VCS revision and the Go version (also rsdata --version)", run: version},
}

func usage(w io.Writer) {
	fmt.Fprint(w, "rsdata: a self-hosted Amazon Redshift Data API on PostgreSQL\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-26s %s\n", strings.TrimSpace("rsdata "+c.name+" "+c.args), c.summary)
	}
	fmt.Fprintf(w, "  %-26s %s\n", "rsdata help [command]", "print this, or a command's flags")
	fmt.Fprint(w, "\nEvery command takes -h. serve and env read the same flags, environment\nvariables (RSDATA_*) and config file: rsdata serve -h lists them.\n")
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("no command given")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return nil
	case "-version", "--version":
		args[0] = "version"
	case "help":
		return help(args[1:], getenv, stdout)
	}
	c := lookupCommand(args[0])
	if c == nil {
		usage(stderr)
		names := make([]string, len(commands))
		for i, c := range commands {
			names[i] = c.name
		}
		if n, ok := config.Nearest(args[0], names); ok {
			return fmt.Errorf("unknown command %q; did you mean %q?", args[0], n)
		}
		return fmt.Errorf("unknown command %q", args[0])
	}
	err := c.run(ctx, args[1:], getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		commandHelp(stdout, c, getenv)
		return nil
	}
	return err
}

func lookupCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// commandHelp prints c's usage and, for commands that read the
// configuration, every flag with its variable.
func commandHelp(w io.Writer, c *command, getenv func(string) string) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", strings.TrimSpace("rsdata "+c.name+" "+c.args), c.summary)
	if c.configured {
		fmt.Fprintln(w)
		config.Usage(w, getenv)
	}
}

// noArgs refuses arguments to a command that takes none, and answers -h.
func noArgs(args []string) error {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return flag.ErrHelp
		}
	}
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments: %v", args)
	}
	return nil
}

func help(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		usage(stdout)
		return nil
	}
	c := lookupCommand(args[0])
	if c == nil || len(args) > 1 {
		return fmt.Errorf("help: unknown command %q", strings.Join(args, " "))
	}
	commandHelp(stdout, c, getenv)
	return nil
}

// version prints the module version and what the Go toolchain recorded of
// the build: VCS revision, time and whether the tree was modified.
func version(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	if err := noArgs(args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, versionLine(debug.ReadBuildInfo()))
	return nil
}

// versionLine formats what debug.ReadBuildInfo returns. (Builds in a git
// worktree, or with -buildvcs=false, carry no vcs settings.)
func versionLine(bi *debug.BuildInfo, ok bool) string {
	parts := []string{"rsdata"}
	if !ok {
		return strings.Join(append(parts, "(unknown)", runtime.Version()), " ")
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	parts = append(parts, v)
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified":
			parts = append(parts, s.Key+"="+s.Value)
		}
	}
	return strings.Join(append(parts, bi.GoVersion), " ")
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv)
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	var handler slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if cfg.LogFormat == "json" {
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(handler)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Stdout: stdout, ShowSecrets: isTerminal(stdout), Listen: true})
	if err != nil {
		return err
	}
	return a.Serve(ctx, nil)
}

// env prints the export line of the rsdata that uses the configured data
// dir: its root credentials, region and the address it listens on (from
// its lock file while it runs, else the configured one).
func env(_ context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	cfg, err := config.Load(args, getenv)
	if err != nil {
		return err
	}
	ce, err := app.ReadClientEnv(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, ce.ExportLine())
	return nil
}

// isTerminal reports whether w is a terminal (a character device; /dev/null
// is one too, and harmless). Secrets printed anywhere else, such as a file
// or a pipe to a log collector, would be kept there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
