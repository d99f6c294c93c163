// Command benchupload measures the artifact uploader against act's v4
// artifact server on a local port. It is run by .ci/bench-artifact.sh,
// not by CI.
//
//	benchupload -generate DIR -files 3 -mib 100   # write realistic logs
//	benchupload -dir DIR -store STORE             # zip + upload DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nektos/act/pkg/artifacts"
	"github.com/sirupsen/logrus"

	"github.com/codearts-tools/codearts-logs/internal/artifact"
	"github.com/codearts-tools/codearts-logs/internal/heapwatch"
	"github.com/codearts-tools/codearts-logs/test/actartifact"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchupload:", err)
		os.Exit(1)
	}
}

func run() error {
	generate := flag.String("generate", "", "write logs into this folder and exit")
	files := flag.Int("files", 3, "number of log files to generate")
	mib := flag.Int("mib", 100, "size of each generated log, MiB")
	dir := flag.String("dir", "", "folder to upload")
	store := flag.String("store", "", "folder where act stores the artifact")
	blockSize := flag.Int("block", artifact.DefaultBlockSize, "block size, bytes")
	workers := flag.Int("workers", 0, "parallel compressors (0 = GOMAXPROCS)")
	flag.Parse()

	if *generate != "" {
		return generateLogs(*generate, *files, *mib)
	}
	if *dir == "" || *store == "" {
		return fmt.Errorf("-dir and -store are required")
	}
	logrus.SetLevel(logrus.PanicLevel)

	addr, stopServer, err := serveAct(*store)
	if err != nil {
		return err
	}
	defer stopServer()
	in, err := dirSize(*dir)
	if err != nil {
		return err
	}

	peak := heapwatch.Start(20 * time.Millisecond) // the Go heap while the upload runs
	svc := artifact.Service{
		ResultsURL:   "http://" + addr,
		RuntimeToken: "eyJhbGciOiJub25lIn0." + "eyJzY3AiOiJBY3Rpb25zLlJlc3VsdHM6MToxIn0" + ".x", // scp Actions.Results:1:1
	}
	start := time.Now()
	res, err := artifact.Upload(context.Background(), svc, artifact.Options{
		Name: "bench", Dir: *dir, BlockSize: *blockSize, Workers: *workers,
	})
	elapsed := time.Since(start)
	w := *workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	heap := peak()
	if err != nil {
		return err
	}
	fmt.Printf("input_bytes=%d zip_bytes=%d seconds=%.3f mb_per_s=%.1f workers=%d heap_inuse_peak_mib=%.1f zip=%s\n",
		in, res.Size, elapsed.Seconds(), float64(in)/1e6/elapsed.Seconds(), w,
		float64(heap)/(1<<20), filepath.Join(*store, "1", "bench", "bench.zip"))
	return nil
}

// generateLogs writes files realistic logs of mib MiB each into dir.
func generateLogs(dir string, files, mib int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range files {
		name := filepath.Join(dir, fmt.Sprintf("stage%d.log", i+1))
		if err := os.WriteFile(name, actartifact.Logs(uint64(i+1), mib<<20), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// serveAct starts act's v4 artifact server, storing in store, on a local
// port; it returns its address and the function that stops it.
func serveAct(store string) (addr string, stop func(), err error) {
	router := httprouter.New()
	artifacts.RoutesV4(router, store, actartifact.DiskFS{}, actartifact.DiskFS{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with srv.Close
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// dirSize is the size of the files below dir, in bytes.
func dirSize(dir string) (int64, error) {
	var in int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		in += info.Size()
		return err
	})
	return in, err
}
