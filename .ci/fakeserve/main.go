// Command fakeserve serves the fake CodeArts service on loopback with
// generated logs, for the end-to-end benchmark (.ci/bench-e2e.sh). It is
// under .ci/ so that `go test ./...` does not build it.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

func main() {
	record := flag.String("record", "2cc26382-b2cb-4234-8eb0-b37d362f4d4c", "record id")
	stages := flag.Int("stages", 4, "number of stages")
	size := flag.Int64("size", 64<<20, "bytes per stage log")
	failAt := flag.Int("fail-stage", 0, "stage whose log ends with a Maven failure (0 = none)")
	latency := flag.Duration("latency", 0, "delay before every answer (a distant server)")
	rate := flag.Int64("rate", 0, "bytes per second per download, 0 = unlimited (a WAN link)")
	flag.Parse()
	token := os.Getenv("CODEARTS_TOKEN")
	if token == "" {
		log.Fatal("set CODEARTS_TOKEN")
	}
	fake := fakecodearts.New(fakecodearts.Options{Prefix: "/cb", Token: token, Latency: *latency})
	var specs []fakecodearts.StageSpec
	for i := 1; i <= *stages; i++ {
		spec := fakecodearts.StageSpec{Task: fmt.Sprintf("stage%d", i), Name: fmt.Sprintf("Step %d", i), Sequence: i,
			LogGen: fakecodearts.GeneratedLog(*size), LogSize: *size}
		if i == *failAt {
			spec.Status = "FAILED"
			spec.LogGen = failingLog(*size, []byte(failureTail))
		}
		if *rate > 0 {
			spec.LogGen = throttled(spec.LogGen, *rate)
		}
		specs = append(specs, spec)
	}
	fake.AddRecord(*record, specs...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s/cb\n", ln.Addr())
	log.Fatal(http.Serve(ln, fake))
}

// failureTail ends the failing stage's log.
const failureTail = "[2024/09/24 03:18:49.000 GMT+08:00] [ERROR] COMPILATION ERROR\n[2024/09/24 03:18:49.000 GMT+08:00] [INFO] BUILD FAILURE\n"

// failingLog generates size bytes of log ending with tail. The generated
// part is cut to fit, most likely in the middle of a line: its last byte
// becomes a line feed so that tail starts a line of its own, and the total
// stays exactly size (LogSize, sent as Content-Length).
func failingLog(size int64, tail []byte) func(io.Writer) error {
	if int64(len(tail)) > size {
		tail = tail[int64(len(tail))-size:]
	}
	head := size - int64(len(tail))
	gen := fakecodearts.GeneratedLog(head)
	return func(w io.Writer) error {
		var written int64
		err := gen(writerFunc(func(p []byte) (int, error) {
			if last := head - 1 - written; last >= 0 && last < int64(len(p)) && p[last] != '\n' {
				p = slices.Clone(p) // the generator's buffer is not ours
				p[last] = '\n'
			}
			n, err := w.Write(p)
			written += int64(n)
			return n, err
		}))
		if err != nil {
			return err
		}
		_, err = w.Write(tail)
		return err
	}
}

// throttled limits a generator to rate bytes per second.
func throttled(gen func(io.Writer) error, rate int64) func(io.Writer) error {
	return func(w io.Writer) error {
		start := time.Now()
		var sent int64
		return gen(writerFunc(func(p []byte) (int, error) {
			total := len(p)
			for len(p) > 0 {
				n := min(len(p), 16<<10)
				if _, err := w.Write(p[:n]); err != nil {
					return 0, err
				}
				sent += int64(n)
				p = p[n:]
				if ahead := time.Duration(sent*int64(time.Second)/rate) - time.Since(start); ahead > 0 {
					time.Sleep(ahead)
				}
			}
			return total, nil
		}))
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
