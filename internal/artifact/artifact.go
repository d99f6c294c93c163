// Package artifact uploads a folder as one zip artifact through the GitHub
// Actions artifact service v4, as actions/upload-artifact@v4 does: Twirp
// JSON calls to CreateArtifact and FinalizeArtifact around an upload of the
// zip as Azure blob blocks to a signed URL.
//
// The zip is built while it is uploaded: files are deflated in parallel
// segments (for logs, smaller than upload-artifact's zlib level 6) into
// temporary files, then copied in order into the zip, which is cut into
// blocks as it is written. Memory use is a few blocks and compressor
// states, whatever the size of the folder.
//
// The protocol is not documented by GitHub; it is read from its client,
// https://github.com/actions/toolkit/tree/main/packages/artifact (the
// client of actions/upload-artifact@v4), and checked against the server of
// https://github.com/nektos/act (pkg/artifacts) in test/actartifact.
package artifact

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Service holds what the runner provides for the artifact service.
type Service struct {
	ResultsURL       string // ACTIONS_RESULTS_URL
	RuntimeToken     string // ACTIONS_RUNTIME_TOKEN, a secret
	ServerURL        string // GITHUB_SERVER_URL
	Repository       string // GITHUB_REPOSITORY, owner/name
	RunID            string // GITHUB_RUN_ID
	MaxRetentionDays int    // GITHUB_RETENTION_DAYS; 0 when unknown
}

// FromEnv reads the service from the environment through getenv. It
// reports false when the service is unavailable: no results URL or no
// runtime token (GitHub Enterprise Server, or outside GitHub Actions).
func FromEnv(getenv func(string) string) (Service, bool) {
	s := Service{
		ResultsURL:   strings.TrimSpace(getenv("ACTIONS_RESULTS_URL")),
		RuntimeToken: strings.TrimSpace(getenv("ACTIONS_RUNTIME_TOKEN")),
		ServerURL:    strings.TrimSpace(getenv("GITHUB_SERVER_URL")),
		Repository:   strings.TrimSpace(getenv("GITHUB_REPOSITORY")),
		RunID:        strings.TrimSpace(getenv("GITHUB_RUN_ID")),
	}
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("GITHUB_RETENTION_DAYS"))); err == nil && n > 0 {
		s.MaxRetentionDays = n
	}
	return s, s.ResultsURL != "" && s.RuntimeToken != ""
}

// invalidNameChars are the characters @actions/artifact refuses in names.
var invalidNameChars = []struct{ char, shown string }{
	{`"`, `double quote "`},
	{":", "colon :"},
	{"<", "less than <"},
	{">", "greater than >"},
	{"|", "vertical bar |"},
	{"*", "asterisk *"},
	{"?", "question mark ?"},
	{"\r", `carriage return \r`},
	{"\n", `line feed \n`},
	{`\`, `backslash \`},
	{"/", "forward slash /"},
}

// ValidateName checks an artifact name as upload-artifact does: it must
// not be empty and must not contain " : < > | * ? \r \n \ or /.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("artifact name is empty")
	}
	for _, c := range invalidNameChars {
		if strings.Contains(name, c.char) {
			shown := make([]string, len(invalidNameChars))
			for i, c := range invalidNameChars {
				shown[i] = c.shown
			}
			return fmt.Errorf("artifact name %q contains a %s; these are not allowed: %s",
				name, c.shown, strings.Join(shown, ", "))
		}
	}
	return nil
}

// Options says what to upload and how.
type Options struct {
	Name string // artifact name, see ValidateName
	// Dir is the folder to zip: its regular files, nested folders
	// included, named relative to it with forward slashes. Symbolic links
	// are never followed: a link (even to a regular file), a device, a pipe
	// or a socket is skipped, so a workspace file x.log -> /proc/self/environ
	// cannot put the job's environment in the artifact. A file replaced
	// between listing and reading (by a link, say) makes the upload fail.
	Dir string
	// Files, when non-nil, are the files to zip instead of all of Dir's:
	// names relative to Dir, with forward or OS slashes, zipped under that
	// name (cleaned, forward slashes). Each must be a regular file inside
	// Dir: not absolute, no "..", neither it nor a folder on its way a
	// symbolic link; any other name is an error naming it, and nothing is
	// uploaded. A name given twice is zipped once. An empty non-nil list is
	// ErrNoFiles.
	Files []string
	// RetentionDays is the artifact's retention; 0 = the repository's
	// default. It is clamped to Service.MaxRetentionDays.
	RetentionDays int
	Transport     http.RoundTripper // nil = a clone of http.DefaultTransport
	UserAgent     string            // "" = "codearts-logs"
	BlockSize     int               // bytes per blob block; 0 = 8 MiB
	Workers       int               // parallel compressors; 0 = runtime.GOMAXPROCS(0)
	// RetryMax is the number of retries of a request; 0 = 5, negative = none.
	RetryMax     int
	RetryWaitMin time.Duration // 0 = 1 s
	RetryWaitMax time.Duration // 0 = 30 s
	// Now is the clock of the retention date and of the retry decisions
	// (a retry whose wait would pass ctx's deadline is not made); nil =
	// time.Now.
	Now func() time.Time
	// Sleep waits between the attempts of a request; nil = a real timer.
	// It must return ctx's error early when ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
	// AddMask is called with every secret the upload learns (the signed
	// URL's sig value) before anything could print it.
	AddMask func(secret string)
	// Warnf reports what the upload adjusted, such as a clamped retention.
	Warnf func(format string, args ...any)
	// OnRetry, when set, is called before each wait between attempts of a
	// request: op names it as Error.Op does ("CreateArtifact",
	// "FinalizeArtifact", "upload block 3", "commit block list"), attempt
	// is the attempt that failed (1-based), err its error, wait the pause
	// before the next attempt. err never contains the runtime token or the
	// signed URL. Calls are never concurrent, but block uploads call it
	// from another goroutine than Upload's.
	OnRetry func(op string, attempt int, err error, wait time.Duration)
	// TempDir holds the compressed pieces while zipping; "" means
	// os.TempDir(). The action passes RUNNER_TEMP, which the runner mounts
	// into the container.
	TempDir string

	zip zipConfig // tests may set segSize and level; workers comes from Workers
}

// Result describes the uploaded artifact.
type Result struct {
	ID     int64
	Name   string
	Size   int64  // zip size in bytes
	SHA256 string // hex digest of the zip
	URL    string // page of the artifact on GitHub; "" when unknown
	Files  int    // entries in the zip
}

// DefaultBlockSize is the block size @actions/artifact uses.
const DefaultBlockSize = 8 << 20

func (o *Options) defaults() {
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			o.Transport = t.Clone()
		}
	}
	if o.UserAgent == "" {
		o.UserAgent = "codearts-logs"
	}
	if o.BlockSize <= 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case o.RetryMax == 0:
		o.RetryMax = 5
	case o.RetryMax < 0:
		o.RetryMax = 0
	}
	if o.RetryWaitMin <= 0 {
		o.RetryWaitMin = time.Second
	}
	if o.RetryWaitMax <= 0 {
		o.RetryWaitMax = 30 * time.Second
	}
	if o.RetryWaitMax < o.RetryWaitMin {
		o.RetryWaitMax = o.RetryWaitMin
	}
	o.zip.workers = o.Workers
	if o.zip.segSize <= 0 {
		o.zip.segSize = segmentSize
	}
	if o.zip.level == 0 {
		o.zip.level = compressionLevel
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AddMask == nil {
		o.AddMask = func(string) {}
	}
	if o.Warnf == nil {
		o.Warnf = func(string, ...any) {}
	}
}

// createRequest is CreateArtifactRequest; no other field may be sent (act
// answers 500 to unknown fields).
type createRequest struct {
	RunID     string `json:"workflow_run_backend_id"`
	JobID     string `json:"workflow_job_run_backend_id"`
	Name      string `json:"name"`
	ExpiresAt string `json:"expires_at,omitempty"`
	Version   int    `json:"version"`
}

// finalizeRequest is FinalizeArtifactRequest; size is an int64, a string
// in proto3 JSON.
type finalizeRequest struct {
	RunID string `json:"workflow_run_backend_id"`
	JobID string `json:"workflow_job_run_backend_id"`
	Name  string `json:"name"`
	Size  string `json:"size"`
	Hash  string `json:"hash"`
}

// Upload zips o.Dir (o.Files of it, when set) and uploads it as the
// artifact o.Name. Nothing is
// requested when the name, the service or the folder is invalid. The
// returned errors never contain the runtime token or the signed URL; an
// *Error carries the service's answer.
func Upload(ctx context.Context, svc Service, o Options) (Result, error) {
	o.defaults()
	job, files, err := prepare(svc, o)
	if err != nil {
		return Result{}, err
	}
	text := newCleaner(svc.RuntimeToken)
	retry := newRetrier(&o, text)
	tw := &twirpClient{base: job.base, token: svc.RuntimeToken, ua: o.UserAgent, retry: retry}

	signed, err := createArtifact(ctx, tw, job, o, svc.MaxRetentionDays)
	if err != nil {
		return Result{}, err
	}
	for _, secret := range signedURLSecrets(signed) {
		o.AddMask(secret)
		text.add(secret)
	}
	res, err := uploadZip(ctx, retry, signed, files, o)
	if err != nil {
		return Result{}, fmt.Errorf("upload artifact %q: %w", o.Name, err)
	}
	if res.ID, err = finalizeArtifact(ctx, tw, job, o.Name, res); err != nil {
		return Result{}, err
	}
	res.URL = artifactURL(svc, res.ID)
	return res, nil
}

// backendJob is where an artifact belongs: the service's origin and the
// run's and job's backend IDs from the runtime token.
type backendJob struct {
	base, runID, jobID string
}

// prepare checks the options and the service before any request and lists
// the files to zip.
func prepare(svc Service, o Options) (backendJob, []entry, error) {
	if err := ValidateName(o.Name); err != nil {
		return backendJob{}, nil, err
	}
	if o.RetentionDays < 0 {
		return backendJob{}, nil, fmt.Errorf("retention-days %d is negative", o.RetentionDays)
	}
	base, err := origin(svc.ResultsURL)
	if err != nil {
		return backendJob{}, nil, err
	}
	if svc.RuntimeToken == "" {
		return backendJob{}, nil, errors.New("no runtime token (ACTIONS_RUNTIME_TOKEN): the artifact service is not available")
	}
	runID, jobID, err := backendIDs(svc.RuntimeToken)
	if err != nil {
		return backendJob{}, nil, err
	}
	if o.Dir == "" {
		return backendJob{}, nil, errors.New("no folder to upload")
	}
	files, err := collectFiles(o.Dir, o.Files)
	if err != nil {
		return backendJob{}, nil, err
	}
	return backendJob{base: base, runID: runID, jobID: jobID}, files, nil
}

// createArtifact asks the service for the artifact and returns its signed
// upload URL.
func createArtifact(ctx context.Context, tw *twirpClient, job backendJob, o Options, maxRetention int) (string, error) {
	create := createRequest{RunID: job.runID, JobID: job.jobID, Name: o.Name, Version: 4,
		ExpiresAt: expiresAt(o, maxRetention)}
	fields, err := tw.call(ctx, "CreateArtifact", create)
	if err != nil {
		return "", fmt.Errorf("create artifact %q: %w", o.Name, err)
	}
	signed, err := stringField(fields, "signed_upload_url")
	if err != nil || signed == "" {
		return "", fmt.Errorf("create artifact %q: CreateArtifact: no signed upload URL in the answer", o.Name)
	}
	return signed, nil
}

// uploadZip zips the files straight into blob blocks at the signed URL and
// returns the zip's size and hash.
func uploadZip(ctx context.Context, retry *retrier, signed string, files []entry, o Options) (Result, error) {
	uctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw := newBlockWriter(uctx, retry, signed, o.UserAgent, o.BlockSize)
	zc := o.zip
	zc.tempDir = o.TempDir
	if err := writeZip(ctx, bw, files, zc); err != nil {
		// A failed block upload stops the zip: then report its cause. So
		// does the end of ctx, which stops the uploader too: wait for it,
		// as it may know what the service said before. Otherwise (a file
		// could not be read) stop the uploader without waiting for its
		// retries.
		failed := bw.failed()
		if failed == nil && ctx.Err() == nil {
			cancel()
		}
		uerr := bw.Close(false)
		switch {
		case failed != nil:
			err = failed
		case ctx.Err() != nil && uerr != nil:
			err = uerr
		}
		return Result{}, err
	}
	if err := bw.Close(true); err != nil {
		return Result{}, err
	}
	return Result{Name: o.Name, Size: bw.size, SHA256: hex.EncodeToString(bw.sum.Sum(nil)), Files: len(files)}, nil
}

// finalizeArtifact tells the service the upload is complete and returns
// the artifact's ID.
func finalizeArtifact(ctx context.Context, tw *twirpClient, job backendJob, name string, res Result) (int64, error) {
	fin := finalizeRequest{RunID: job.runID, JobID: job.jobID, Name: name,
		Size: strconv.FormatInt(res.Size, 10), Hash: "sha256:" + res.SHA256}
	fields, err := tw.call(ctx, "FinalizeArtifact", fin)
	if err != nil {
		return 0, fmt.Errorf("finalize artifact %q: %w", name, err)
	}
	id, err := int64Field(fields, "artifact_id")
	if err != nil {
		return 0, fmt.Errorf("finalize artifact %q: FinalizeArtifact: %w", name, err)
	}
	return id, nil
}

// origin returns scheme://host of the results URL: the Twirp paths are
// absolute, as in @actions/artifact (new URL('/twirp/…', resultsUrl)).
func origin(resultsURL string) (string, error) {
	if resultsURL == "" {
		return "", errors.New("no results URL (ACTIONS_RESULTS_URL): the artifact service is not available")
	}
	u, err := url.Parse(resultsURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("results URL (ACTIONS_RESULTS_URL) %q is not an http(s) URL", resultsURL)
	}
	return u.Scheme + "://" + u.Host, nil
}

// expiresAt returns the expires_at value: "" for the repository default,
// else now + days in RFC 3339, days clamped to maxDays with a warning.
func expiresAt(o Options, maxDays int) string {
	days := o.RetentionDays
	if days == 0 {
		return ""
	}
	if maxDays > 0 && days > maxDays {
		o.Warnf("retention-days %d is more than this repository allows; using %d", days, maxDays)
		days = maxDays
	}
	return o.Now().UTC().AddDate(0, 0, days).Format(time.RFC3339)
}

// signedURLSecrets returns what of the signed URL must be masked: its sig
// parameter, raw and decoded; a URL without one is secret as a whole.
func signedURLSecrets(signed string) []string {
	var secrets []string
	if i := strings.IndexByte(signed, '?'); i >= 0 {
		for _, kv := range strings.Split(signed[i+1:], "&") {
			k, v, _ := strings.Cut(kv, "=")
			if k != "sig" || v == "" {
				continue
			}
			secrets = append(secrets, v)
			if d, err := url.QueryUnescape(v); err == nil && d != v {
				secrets = append(secrets, d)
			}
		}
	}
	if len(secrets) == 0 {
		secrets = append(secrets, signed)
	}
	return secrets
}

// artifactURL is the artifact's page on GitHub, "" when a part is missing.
func artifactURL(svc Service, id int64) string {
	if svc.ServerURL == "" || svc.Repository == "" || svc.RunID == "" || id <= 0 {
		return ""
	}
	return fmt.Sprintf("%s/%s/actions/runs/%s/artifacts/%d",
		strings.TrimRight(svc.ServerURL, "/"), svc.Repository, svc.RunID, id)
}
