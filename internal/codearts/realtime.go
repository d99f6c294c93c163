package codearts

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// DefaultLogPiece is the length asked of each real-time-log call. The
// service's default is 1,000,000 bytes; a smaller piece keeps each answer
// (and this process) small while a busy build is followed.
const DefaultLogPiece = 256 << 10

// maxLogAnswer caps a real-time-log answer: a piece's content escaped as a
// JSON string can be several times its length.
const maxLogAnswer = 8 << 20

// LogPiece is one answer of the real-time log.
type LogPiece struct {
	Content string // the log text from Offset on (server text)
	Start   int64  // current_offset
	Next    int64  // offset: where the next call starts, in bytes
	More    bool   // has_more_data: ask again (later)
}

// RealTimeLog returns the build's log from offset on, at most length bytes
// (GET {endpoint}/v3/jobs/{job_id}/{build_no}/real-time-log?offset=&length=).
// An answer whose next offset is before the asked one, or that does not
// move on although it has content, is an *APIError: following it would
// print lines twice.
func (c *Client) RealTimeLog(ctx context.Context, jobID string, build int, offset, length int64) (LogPiece, error) {
	if length <= 0 {
		length = DefaultLogPiece
	}
	q := url.Values{"offset": {strconv.FormatInt(offset, 10)}, "length": {strconv.FormatInt(length, 10)}}
	u := c.url(q, "v3", "jobs", jobID, strconv.Itoa(build), "real-time-log")
	var out LogPiece
	_, err := c.do(ctx, "real-time-log", u, func(resp *http.Response) error {
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return c.newAPIError(resp)
		}
		tracked := &trackingReader{r: resp.Body}
		data, err := io.ReadAll(io.LimitReader(tracked, maxLogAnswer+1))
		if err != nil {
			return &bodyError{err: err}
		}
		if len(data) > maxLogAnswer {
			return c.withRequestID(&APIError{Status: resp.StatusCode, Message: "real-time-log answer larger than 8 MiB"}, resp)
		}
		if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
			return c.unexpected(resp, "real-time-log", data)
		}
		var doc struct {
			answerHead
			Result *struct {
				Content       *string  `json:"content"`
				CurrentOffset flexInt  `json:"current_offset"`
				Offset        *flexInt `json:"offset"`
				HasMoreData   flexBool `json:"has_more_data"`
			} `json:"result"`
		}
		if err := c.parseAnswer(resp, "real-time-log", data, &doc); err != nil {
			return err
		}
		r := doc.Result
		if r == nil || r.Offset == nil {
			return c.unexpected(resp, "real-time-log", data)
		}
		content := ""
		if r.Content != nil {
			content = *r.Content
		}
		next := int64(*r.Offset)
		if next < offset || (next == offset && content != "") {
			e := &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("unexpected real-time-log response: asked from offset %d, answered next offset %d with %d bytes", offset, next, len(content))}
			return c.withRequestID(e, resp)
		}
		out = LogPiece{Content: content, Start: int64(r.CurrentOffset), Next: next, More: bool(r.HasMoreData)}
		return nil
	})
	if err != nil {
		return LogPiece{}, err
	}
	return out, nil
}

// MaxLiveLine bounds a line of the live log: a longer one is passed on in
// pieces of this size, so a log without line breaks cannot grow memory.
const MaxLiveLine = 64 << 10

// LiveLog follows a build's real-time log piece by piece, chaining the
// offsets, and hands out whole lines only: a piece that ends in the middle
// of a line keeps that part until the rest arrives, so no line is handed
// out twice or cut in two (except lines over MaxLiveLine). It is not safe
// for concurrent use.
type LiveLog struct {
	c       *Client
	job     string
	build   int
	next    int64
	partial []byte
	// Piece is the length asked of each call (0: DefaultLogPiece).
	Piece int64
}

// NewLiveLog starts following the build's log from its beginning.
func (c *Client) NewLiveLog(jobID string, build int) *LiveLog {
	return &LiveLog{c: c, job: jobID, build: build}
}

// Offset is where the next call starts.
func (l *LiveLog) Offset() int64 { return l.next }

// Poll asks for the next piece and returns the lines it completes (without
// their line ends) and whether the service has more data. On error nothing
// is consumed: the next Poll asks from the same offset.
func (l *LiveLog) Poll(ctx context.Context) (lines []string, more bool, err error) {
	p, err := l.c.RealTimeLog(ctx, l.job, l.build, l.next, l.Piece)
	if err != nil {
		return nil, false, err
	}
	l.next = p.Next
	return l.split(p.Content), p.More, nil
}

func (l *LiveLog) split(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			l.partial = append(l.partial, s...)
			s = ""
		} else {
			l.partial = append(l.partial, s[:i]...)
			s = s[i+1:]
			lines = append(lines, strings.TrimSuffix(string(l.partial), "\r"))
			l.partial = l.partial[:0]
		}
		for len(l.partial) > MaxLiveLine {
			lines = append(lines, string(l.partial[:MaxLiveLine]))
			l.partial = append(l.partial[:0], l.partial[MaxLiveLine:]...)
		}
	}
	return lines
}

// Flush returns the last line when the log did not end with a line break
// (once the build is over and no more data comes), and "" otherwise.
func (l *LiveLog) Flush() string {
	s := strings.TrimSuffix(string(l.partial), "\r")
	l.partial = l.partial[:0]
	return s
}
