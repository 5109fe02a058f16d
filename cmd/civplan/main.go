// Command civplan serves and manages civplan: `civplan serve`, `civplan import`, `civplan token`.
// It only wires: flags → store → domain packages → HTTP server or printed result.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// usageError marks a bad command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `civplan — geospatial planning for civil-affairs departments

usage:
  civplan serve   [--addr 127.0.0.1:8080] [--db civplan.db] [--open-reads=auto|true|false] [--cors ORIGINS]
                  [--rate-limit N] [--burst N] [--max-lag 2s]
  civplan import  facilities|divisions FILE [--db civplan.db] [--format csv|geojson] [--crs wgs84|gcj02|bd09] [--replace]
  civplan token   create --name NAME --role viewer|planner|admin | list | revoke ID   [--db civplan.db]
  civplan coverage [--report coverage|gaps|clusters|scorecard|accessibility] --kind KIND [--division CODE] [--mode M]
                   [--radius-m R] [--group-by LEVEL] [--rural] [--method 2sfca|e2sfca]
                   [--format csv|xlsx|json|geojson] [--villages] [--out FILE] [--db civplan.db]
  civplan export  --out FILE|DIR [--format gpkg|geojson|geojsonseq|csv|xlsx] [--crs wgs84|cgcs2000|gk3|epsg:4545..4548|gcj02] [--layers L,…] [--db civplan.db]
  civplan siting  --objective lscp|mclp|pcenter|upgrade [--kind KIND] [--p N | --target 0.8] [--division CODE] [--mode M]
                   [--radius-m R] [--weight elderly|villages] [--exclude CODES] [--candidates FILE] [--capacity-beds N]
                   [--plan ID] [--save NAME] [--format text|json|geojson] [--out FILE] [--db civplan.db]
  civplan scenario create --file S.json | list | show ID | impact ID|--file F|--replay CSV [--format json|geojson|csv|xlsx]
                   | report ID|--file F|--replay CSV --out R.html   [--kind K --mode M --seat-growth-m M] [--db civplan.db]
  civplan backup  FILE [--db civplan.db]              (online, safe while serving)
  civplan restore FILE [--db civplan.db] [--force]    (refused while the database is open)
  civplan audit   [--since T] [--action A] [--actor N] [--format jsonl|csv] [--out FILE] [--db civplan.db]
  civplan version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit status: 0 ok, 1 failed, 2 usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd := args[0]; cmd {
	case "version":
		fmt.Fprintln(stdout, "civplan", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		run, ok := commands()[cmd]
		if !ok {
			err = usageError{fmt.Sprintf("unknown command %q (see civplan help)", cmd)}
			break
		}
		err = run(args[1:], stdout, stderr)
	}
	if err == nil {
		return 0
	}
	var hr helpRequest
	if errors.As(err, &hr) {
		printHelp(stdout, args[0], hr.fs)
		return 0
	}
	fmt.Fprintf(stderr, "civplan %s: %s\n", args[0], oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

const version = "0.1.0"

// command runs one subcommand with its own arguments.
type command func(args []string, stdout, stderr io.Writer) error

// commands is the subcommand table; each subcommand lives in its own file.
func commands() map[string]command {
	return map[string]command{
		"serve":    cmdServe,
		"import":   cmdImport,
		"token":    cmdToken,
		"coverage": cmdCoverage,
		"backup":   cmdBackup,
		"restore":  cmdRestore,
		"audit":    cmdAudit,
		"siting":   cmdSiting,
		"export":   cmdExport,
		"scenario": cmdScenario,
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// parseArgs parses flags that may stand before, between or after positional arguments and
// returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpRequest{fs}
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// helpRequest is returned when a command's flags ask for help (-h, --help): run prints the
// command's synopsis and every flag with its description to standard output and exits 0, before
// the command has opened or created anything.
type helpRequest struct{ fs *flag.FlagSet }

func (h helpRequest) Error() string { return "help requested" }

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "--h", "-help", "--help":
		return true
	}
	return false
}

// printHelp writes cmd's lines of the usage text, then each flag of fs with its default and
// description.
func printHelp(w io.Writer, cmd string, fs *flag.FlagSet) {
	in := false
	for _, line := range strings.Split(usage, "\n") {
		switch {
		case strings.HasPrefix(line, "  civplan "+cmd+" "):
			in = true
		case strings.HasPrefix(line, "  civplan "), !strings.HasPrefix(line, "   "):
			in = false
		}
		if in {
			fmt.Fprintln(w, strings.TrimPrefix(line, "  "))
		}
	}
	fmt.Fprintln(w, "\nflags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
