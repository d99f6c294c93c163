// Package demo serves a built-in fake CodeArts Build service with a sample
// record (three stages, the Maven one failing) on a loopback port, so that
// `codearts-logs demo` shows the whole flow without an account.
package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

//go:embed logs/*.log
var logs embed.FS

// RecordID is the sample record's ID.
const RecordID = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"

// JobID is the sample job, whose builds `codearts-logs demo --run` starts:
// the same three stages, run over a few seconds with a live log.
const JobID = "0d3e0a5c1b2f4e6a8c9d0e1f2a3b4c5d"

// BuildNumber is the number the sample job's started build gets.
const BuildNumber = 42

// Token is the sample service's token. It is not a secret: it only opens
// the loopback fake.
const Token = "demo-token-for-the-built-in-fake-service"

// Service is a running demo service.
type Service struct {
	Endpoint string // http://127.0.0.1:PORT/demo-codearts
	srv      *http.Server
}

// Start serves the sample record on 127.0.0.1 until Close.
func Start() (*Service, error) {
	fake := fakecodearts.New(fakecodearts.Options{
		Prefix:  "/demo-codearts",
		Token:   Token,
		Latency: 120 * time.Millisecond,
	})
	stages := []struct {
		task, name, status string
		dur                time.Duration
		faults             []fakecodearts.Fault
	}{
		{"stage1", "Code CheckOut", "SUCCESS", 5120 * time.Millisecond, nil},
		// The first request is throttled, to show a retry honouring Retry-After.
		{"stage2", "Npm Lint & Test", "SUCCESS", 48300 * time.Millisecond,
			[]fakecodearts.Fault{{Status: 429, Code: "APIGW.0308", Msg: "The throttling threshold has been reached", RetryAfter: "1"}}},
		{"stage3", "Maven Build", "FAILED", 96700 * time.Millisecond, nil},
	}
	var specs []fakecodearts.StageSpec
	for i, s := range stages {
		body, err := logs.ReadFile("logs/" + s.task + ".log")
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		specs = append(specs, fakecodearts.StageSpec{
			Task: s.task, Name: s.name, Status: s.status, Sequence: i + 1, Duration: s.dur,
			Log: body, Faults: s.faults,
		})
	}
	fake.AddRecord(RecordID, specs...)
	fake.AddJob(JobID, liveJob(specs))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: cannot listen on loopback: %w", err)
	}
	s := &Service{
		Endpoint: "http://" + ln.Addr().String() + "/demo-codearts",
		srv:      &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second},
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			// Serve only fails here if the listener breaks; the client will report it.
			_ = err
		}
	}()
	return s, nil
}

// Close stops the service.
func (s *Service) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// liveJob is the sample job: the build it starts has no record for its
// first record-info poll, then its stages run one after the other over the
// full-stages polls (the Maven one failing), while its log grows.
func liveJob(specs []fakecodearts.StageSpec) fakecodearts.JobSpec {
	timelines := [][]string{
		{"RUNNING", "SUCCESS"},
		{"INIT", "RUNNING", "RUNNING", "SUCCESS"},
		{"INIT", "INIT", "INIT", "RUNNING", "RUNNING", "FAILED"},
	}
	stages := make([]fakecodearts.StageSpec, len(specs))
	var pieces []string
	for i, sp := range specs {
		sp.Statuses = timelines[i]
		sp.Faults = nil
		stages[i] = sp
		pieces = append(pieces, livePieces(sp.Log, 2)...)
	}
	return fakecodearts.JobSpec{Starts: []fakecodearts.BuildSpec{{
		Number:      BuildNumber,
		NoRecordFor: 1,
		Stages:      stages,
		LogPieces:   pieces,
	}}}
}

// liveNotable picks the lines of a stage log that the live view shows:
// the step's start and end, the tools' verdicts and the first errors.
var liveNotable = regexp.MustCompile(`该步骤开始执行|该步骤执行完成|git version|npm test|Tests:|BUILD (SUCCESS|FAILURE)|COMPILATION ERROR|\[11,40\]|exit code`)

// livePieces is the live log of one stage in n pieces, cut in the middle
// of lines (at an ASCII byte, as the real service may cut anywhere) so
// that the follower has to join them.
func livePieces(log []byte, n int) []string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, line := range strings.SplitAfter(string(log), "\n") {
		key := line
		if i := strings.Index(line, "] "); i > 0 {
			key = line[i:] // the same message twice (Maven repeats its errors) is shown once
		}
		if liveNotable.MatchString(line) && !seen[key] {
			seen[key] = true
			b.WriteString(line)
		}
	}
	text := b.String()
	var out []string
	for k := n; k > 1; k-- {
		cut := len(text) / k
		for cut < len(text) && (text[cut] >= 0x80 || text[cut] == '\n') {
			cut++
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	return append(out, text)
}
