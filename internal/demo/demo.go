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
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

//go:embed logs/*.log
var logs embed.FS

// RecordID is the sample record's ID.
const RecordID = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"

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
