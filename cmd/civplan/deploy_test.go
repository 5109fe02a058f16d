package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The systemd unit in deploy/ starts `civplan serve` with flags this build has, and every
// variable it uses is set in deploy/civplan.env.
func TestDeployUnitMatchesServeFlags(t *testing.T) {
	unit, err := os.ReadFile("../../deploy/civplan@.service")
	if err != nil {
		t.Fatal(err)
	}
	exec := regexp.MustCompile(`(?m)^ExecStart=((?:.*\\\n)*.*)$`).FindStringSubmatch(string(unit))
	if exec == nil {
		t.Fatal("no ExecStart in deploy/civplan@.service")
	}
	line := strings.ReplaceAll(exec[1], "\\\n", " ")
	env := map[string]string{}
	f, err := os.Open("../../deploy/civplan.env")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		l := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			env[k] = v
		}
	}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(line, -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("ExecStart uses ${%s}, which deploy/civplan.env does not set", m[1])
		}
	}
	_, help, _ := runCLI(t, "serve", "--help")
	flags := regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(line, -1)
	if len(flags) < 5 {
		t.Fatalf("ExecStart has %d flags: %q", len(flags), line)
	}
	for _, m := range flags {
		if !regexp.MustCompile(`(?m)^  -` + m[1] + `\b`).MatchString(help) {
			t.Errorf("ExecStart passes --%s, which `civplan serve --help` does not list", m[1])
		}
	}
	if env["CIVPLAN_OPEN_READS"] == "auto" {
		t.Error("civplan.env: --open-reads auto behind a proxy on loopback opens reads to everyone")
	}
}

// deploy/haproxy.cfg is valid for Debian's haproxy (installed by `make test`), and both backends
// list the same replicas.
func TestDeployHAProxyConfig(t *testing.T) {
	out, err := exec.Command("haproxy", "-c", "-f", "../../deploy/haproxy.cfg").CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -c -f deploy/haproxy.cfg: %v\n%s", err, out)
	}
	raw, err := os.ReadFile("../../deploy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	servers := map[string][]string{}
	backend := ""
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "backend":
			backend = f[1]
		case len(f) >= 3 && f[0] == "server":
			servers[backend] = append(servers[backend], f[1]+" "+f[2])
		}
	}
	a, b := servers["civplan"], servers["civplan_stale"]
	sort.Strings(a)
	sort.Strings(b)
	if len(a) == 0 || strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("backends civplan %v and civplan_stale %v should list the same replicas", a, b)
	}
}
