package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/ghaction/runnertest"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "codearts-logs-bin")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "codearts-logs")
	cmd := exec.Command("go", "build", "-o", binPath, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic("go build: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestBinaryAsTheRunnerStartsIt runs the built binary with no arguments,
// inputs as INPUT_<NAME> (hyphens kept), every input of action.yml present
// with its default, and file commands in files, as the runner does.
func TestBinaryAsTheRunnerStartsIt(t *testing.T) {
	t.Parallel()
	const record, token = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c", "runner-style-token-4f1e9b"
	fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: "/api", Token: token})
	fake.AddRecord(record,
		fakecodearts.StageSpec{Task: "stage1", Name: "Code CheckOut", Status: "SUCCESS", Log: []byte("[INFO] cloned\n")},
		fakecodearts.StageSpec{Task: "stage2", Name: "Maven", Status: "FAILED", Log: []byte("[INFO] compiling\n[ERROR] Foo.java:[3,1] cannot find symbol\n[INFO] BUILD FAILURE\n")},
	)
	srv := httptest.NewServer(fake)
	defer srv.Close()

	ws, files := t.TempDir(), t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + files,
		"GITHUB_ACTIONS=true", "CI=true",
		"GITHUB_WORKSPACE=" + ws,
		"GITHUB_OUTPUT=" + filepath.Join(files, "output"),
		"GITHUB_STEP_SUMMARY=" + filepath.Join(files, "summary"),
	}
	meta := readAction(t)
	for _, name := range meta.InputOrder {
		v := meta.Inputs[name].Default
		switch name {
		case "record-id":
			v = record
		case "endpoint":
			v = srv.URL + "/api"
		case "token":
			v = token
		}
		env = append(env, "INPUT_"+strings.ToUpper(name)+"="+v)
	}
	cmd := exec.Command(binPath)
	cmd.Dir = ws
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	stdout := string(out)
	if strings.Count(stdout, token) != strings.Count(stdout, "::add-mask::"+token) {
		t.Error("token printed outside its ::add-mask:: command")
	}
	if cmds := runnertest.Parse(stdout); len(cmds) == 0 || cmds[0].Name != "add-mask" || cmds[0].Data != token {
		t.Errorf("the token must be masked before anything else is printed: %+v", cmds[:min(len(cmds), 1)])
	}
	dir := filepath.Join(ws, "codearts-build-logs")
	for name, want := range map[string]string{"stage1.log": "[INFO] cloned\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q %v", name, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); err != nil {
		t.Error(err)
	}
	outputs := readOutputs(t, filepath.Join(files, "output"))
	if outputs["failed-tasks"] != "stage2" || outputs["path"] != dir {
		t.Errorf("outputs = %v", outputs)
	}
	var logs []map[string]any
	if err := json.Unmarshal([]byte(outputs["logs"]), &logs); err != nil || len(logs) != 2 {
		t.Errorf("logs output %q: %v", outputs["logs"], err)
	}
	sum, _ := os.ReadFile(filepath.Join(files, "summary"))
	if !strings.Contains(string(sum), "Foo.java:[3,1] cannot find symbol") || !strings.Contains(string(sum), "Code CheckOut") {
		t.Errorf("job summary:\n%s", sum)
	}
}

func TestBinaryBadInputExits2(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binPath, "--record-id", "nope", "--region", "cn-north-4")
	cmd.Env = []string{"CODEARTS_TOKEN=x"}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("err = %v, want exit 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "input record-id") {
		t.Errorf("output = %s", out)
	}
}

type actionMeta struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Image string `yaml:"image"`
	} `yaml:"runs"`
	InputOrder  []string `yaml:"-"`
	OutputOrder []string `yaml:"-"`
}

func readAction(t *testing.T) actionMeta {
	t.Helper()
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m actionMeta
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var node yaml.Node
	yaml.Unmarshal(b, &node)
	keys := func(i int) (out []string) {
		for j, k := range node.Content[0].Content[i+1].Content {
			if j%2 == 0 {
				out = append(out, k.Value)
			}
		}
		return out
	}
	for i, n := range node.Content[0].Content {
		switch n.Value {
		case "inputs":
			m.InputOrder = keys(i)
		case "outputs":
			m.OutputOrder = keys(i)
		}
	}
	return m
}

func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var name, delim string
	var val []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case delim == "":
			name, delim, _ = strings.Cut(line, "<<")
			val = nil
		case line == delim:
			out[name] = strings.Join(val, "\n")
			delim = ""
		default:
			val = append(val, line)
		}
	}
	return out
}

// TestActionYAMLMatchesInputs keeps action.yml equal to the inputs the
// program declares (config.Inputs: names, order, defaults, required,
// descriptions) and the outputs it sets (config.Outputs).
func TestActionYAMLMatchesInputs(t *testing.T) {
	t.Parallel()
	m := readAction(t)
	if m.Runs.Using != "docker" || m.Runs.Image != "Dockerfile" {
		t.Errorf("runs = %+v", m.Runs)
	}
	var names []string
	for _, in := range config.Inputs {
		names = append(names, in.Name)
		got, ok := m.Inputs[in.Name]
		if !ok {
			t.Errorf("action.yml lacks input %s", in.Name)
			continue
		}
		if got.Default != in.Default || got.Required != in.Required || got.Description != in.Description {
			t.Errorf("input %s: action.yml %+v, program %+v", in.Name, got, in)
		}
	}
	if strings.Join(m.InputOrder, ",") != strings.Join(names, ",") {
		t.Errorf("action.yml inputs %v, program %v", m.InputOrder, names)
	}
	var outs []string
	for _, o := range config.Outputs {
		outs = append(outs, o.Name)
		got, ok := m.Outputs[o.Name]
		if !ok {
			t.Errorf("action.yml lacks output %s", o.Name)
			continue
		}
		if got.Description != o.Description {
			t.Errorf("output %s: action.yml says %q, program %q", o.Name, got.Description, o.Description)
		}
	}
	if strings.Join(m.OutputOrder, ",") != strings.Join(outs, ",") {
		t.Errorf("action.yml outputs %v, program %v", m.OutputOrder, outs)
	}
}

// readmeTable returns the rows of the first Markdown table after heading,
// each row's cells with the surrounding spaces trimmed and `\|` unescaped.
func readmeTable(t *testing.T, readme, heading string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	var rows [][]string
	inTable := false
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		if strings.HasPrefix(line, "|---") {
			continue
		}
		line = strings.ReplaceAll(strings.Trim(line, "|"), "\\|", "\x00")
		var cells []string
		for _, c := range strings.Split(line, "|") {
			cells = append(cells, strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|"))
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		t.Fatalf("README section %q has no table", heading)
	}
	return rows[1:] // without the header row
}

// diffRows reports each row that differs between two tables.
func diffRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w []string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s, row %d:\n got  %q\n want %q", what, i+1, g, w)
		}
	}
}

// TestReadmeDocumentsEveryInputAndOutput keeps the README's tables equal to
// the program's declarations, row for row and in the same order: the
// inputs table to config.Inputs and the outputs table to config.Outputs
// (which the test above keeps equal to action.yml).
func TestReadmeDocumentsEveryInputAndOutput(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	var want [][]string
	for _, in := range config.Inputs {
		def := ""
		switch {
		case in.Required:
			def = "required"
		case in.Default != "":
			def = "`" + in.Default + "`"
		}
		want = append(want, []string{"`" + in.Name + "`", def, in.Description})
	}
	diffRows(t, "README inputs table (want config.Inputs)", readmeTable(t, readme, "## Inputs"), want)
	want = nil
	for _, o := range config.Outputs {
		want = append(want, []string{"`" + o.Name + "`", o.Description})
	}
	diffRows(t, "README outputs table (want config.Outputs)", readmeTable(t, readme, "## Outputs"), want)
	// The two commands a newcomer needs come first.
	// The two commands a newcomer needs come first, and only them: the
	// first code block is `go run . demo` and the test command.
	var cmds []string
	if _, rest, ok := strings.Cut(readme, "```sh\n"); ok {
		block, _, _ := strings.Cut(rest, "```")
		for _, l := range strings.Split(strings.TrimSpace(block), "\n") {
			cmd, _, _ := strings.Cut(l, "#")
			cmds = append(cmds, strings.TrimSpace(cmd))
		}
	}
	if strings.Join(cmds, "\n") != "go run . demo\nbash .ci/run" || strings.Index(readme, "```sh") > 200 {
		t.Errorf("README does not start with exactly the demo and test commands: %q", cmds)
	}
}

func TestDockerfileRules(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, bad := range []string{"USER ", "RUN --mount", "COPY --chmod", "$BUILDPLATFORM", "apt-get", "apk "} {
		if strings.Contains(df, bad) {
			t.Errorf("Dockerfile uses %q", bad)
		}
	}
	for _, want := range []string{"FROM scratch", "CGO_ENABLED=0", "ca-certificates.crt", `ENTRYPOINT ["/codearts-logs"]`, "FROM golang:" + goMinor()} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// goMinor is the Go version of go.mod's go line (the builder image tag).
func goMinor() string {
	b, _ := os.ReadFile("go.mod")
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(b))
	if m == nil {
		return runtime.Version()
	}
	return m[1]
}

// TestWorkflowYAMLUsesTheAction parses every YAML example of the README and
// every workflow in .github/workflows as YAML (a plain scalar with ": " in a
// run: line is a parse error that GitHub reports only when the workflow
// runs), and checks each step that uses this action: its with: keys are
// inputs of action.yml and the outputs read from it are outputs of it.
func TestWorkflowYAMLUsesTheAction(t *testing.T) {
	t.Parallel()
	m := readAction(t)
	docs := map[string]string{}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```yaml\n(.*?)^```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 3 {
		t.Fatalf("README has %d yaml blocks, want the token, auth-action and outputs examples", len(blocks))
	}
	for i, b := range blocks {
		docs[fmt.Sprintf("README.md yaml block %d", i+1)] = b[1]
	}
	workflows, _ := filepath.Glob(".github/workflows/*.yml")
	if len(workflows) == 0 {
		t.Fatal("no workflows found")
	}
	for _, w := range workflows {
		b, err := os.ReadFile(w)
		if err != nil {
			t.Fatal(err)
		}
		docs[w] = string(b)
	}

	ours := regexp.MustCompile(`^(codearts-tools/codearts-logs@|docker://ghcr\.io/codearts-tools/codearts-logs:)`)
	outputRef := regexp.MustCompile(`steps\.([A-Za-z_][\w-]*)\.outputs\.([\w-]+)`)
	uses := 0
	for name, doc := range docs {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
			t.Errorf("%s is not valid YAML: %v", name, err)
			continue
		}
		ids := map[string]bool{}
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.MappingNode {
				step := map[string]*yaml.Node{}
				for i := 0; i+1 < len(n.Content); i += 2 {
					step[n.Content[i].Value] = n.Content[i+1]
				}
				if u := step["uses"]; u != nil && ours.MatchString(u.Value) {
					uses++
					if id := step["id"]; id != nil {
						ids[id.Value] = true
					}
					with := step["with"]
					if with == nil {
						t.Errorf("%s line %d: the action is used without with:", name, n.Line)
					} else {
						for i := 0; i < len(with.Content); i += 2 {
							if _, ok := m.Inputs[with.Content[i].Value]; !ok {
								t.Errorf("%s line %d: with: %s is not an input of action.yml", name, with.Content[i].Line, with.Content[i].Value)
							}
						}
					}
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&root)
		for _, ref := range outputRef.FindAllStringSubmatch(doc, -1) {
			if _, ok := m.Outputs[ref[2]]; ids[ref[1]] && !ok {
				t.Errorf("%s reads output %s, which action.yml does not declare", name, ref[2])
			}
		}
	}
	if uses < 3 {
		t.Errorf("found %d steps using the action in the README and workflows, want at least 3", uses)
	}
}
