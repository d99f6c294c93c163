package artifact

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

// azureVersion is the Azure Blob Storage REST version sent as x-ms-version.
const azureVersion = "2023-11-03"

// blobURL appends query parameters to the signed upload URL without
// touching what is already there: the signature covers it byte for byte.
func blobURL(signed, params string) string {
	sep := "&"
	if !strings.Contains(signed, "?") {
		sep = "?"
	} else if strings.HasSuffix(signed, "?") || strings.HasSuffix(signed, "&") {
		sep = ""
	}
	return signed + sep + params
}

// blockID returns the base64 id of block i. Azure wants ids of one length
// within a blob; 24 bytes encode to 32 characters without padding.
func blockID(i int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "codearts-logs-%010d", i))
}

// blockWriter is the io.Writer the zip is written to: it hashes and counts
// the bytes, cuts them into blocks and hands full blocks to one uploader
// goroutine, so compression and upload overlap with two block buffers at
// most.
type blockWriter struct {
	ctx       context.Context
	retry     *retrier
	signed    string
	ua        string
	blockSize int

	sum  hash.Hash
	size int64
	buf  []byte
	ids  []string

	allocated int
	queue     chan []byte
	free      chan []byte
	done      chan struct{} // closed when the uploader stops
	err       error         // the uploader's error, read after done
}

func newBlockWriter(ctx context.Context, retry *retrier, signed, ua string, blockSize int) *blockWriter {
	b := &blockWriter{
		ctx: ctx, retry: retry, signed: signed, ua: ua, blockSize: blockSize,
		sum:   sha256.New(),
		queue: make(chan []byte),
		free:  make(chan []byte, 2),
		done:  make(chan struct{}),
	}
	go b.upload()
	return b
}

// upload puts the queued blocks in order, one at a time: act appends blocks
// in arrival order, and Azure does not care.
func (b *blockWriter) upload() {
	defer close(b.done)
	for data := range b.queue {
		i := len(b.ids)
		id := blockID(i)
		if err := b.putBlock(i, id, data); err != nil {
			b.err = err // the writer sees done closed and stops
			return
		}
		b.ids = append(b.ids, id)
		b.free <- data[:0]
	}
}

func (b *blockWriter) putBlock(i int, id string, data []byte) error {
	op := fmt.Sprintf("upload block %d", i)
	u := blobURL(b.signed, "comp=block&blockid="+url.QueryEscape(id))
	return b.put(op, u, "application/octet-stream", data, nil)
}

// Write implements io.Writer.
func (b *blockWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if b.buf == nil {
			buf, err := b.getBuf()
			if err != nil {
				return total - len(p), err
			}
			b.buf = buf
		}
		n := min(len(p), b.blockSize-len(b.buf))
		b.buf = append(b.buf, p[:n]...)
		b.sum.Write(p[:n])
		b.size += int64(n)
		p = p[n:]
		if len(b.buf) == b.blockSize {
			if err := b.send(); err != nil {
				return total - len(p), err
			}
		}
	}
	return total, nil
}

func (b *blockWriter) getBuf() ([]byte, error) {
	select {
	case buf := <-b.free:
		return buf, nil
	default:
	}
	if b.allocated < 2 {
		b.allocated++
		return make([]byte, 0, b.blockSize), nil
	}
	select {
	case buf := <-b.free:
		return buf, nil
	case <-b.done:
		return nil, b.err
	case <-b.ctx.Done():
		return nil, b.ctx.Err()
	}
}

func (b *blockWriter) send() error {
	select {
	case b.queue <- b.buf:
		b.buf = nil
		return nil
	case <-b.done:
		return b.err
	case <-b.ctx.Done():
		return b.ctx.Err()
	}
}

// failed returns the uploader's error if it has stopped on one.
func (b *blockWriter) failed() error {
	select {
	case <-b.done:
		return b.err
	default:
		return nil
	}
}

// Close sends the last partial block, waits for the uploads and commits the
// block list. It must be called once, also after a failed Write, to stop
// the uploader.
func (b *blockWriter) Close(commit bool) error {
	var err error
	if commit && len(b.buf) > 0 {
		err = b.send()
	}
	close(b.queue)
	<-b.done
	if err == nil {
		err = b.err
	}
	if err != nil || !commit {
		return err
	}
	return b.commit()
}

// commit puts the block list, which makes the blob out of the blocks.
func (b *blockWriter) commit() error {
	var body bytes.Buffer
	body.WriteString(`<?xml version="1.0" encoding="utf-8"?><BlockList>`)
	for _, id := range b.ids {
		body.WriteString("<Latest>")
		xml.EscapeText(&body, []byte(id))
		body.WriteString("</Latest>")
	}
	body.WriteString("</BlockList>")
	u := blobURL(b.signed, "comp=blocklist")
	return b.put("commit block list", u, "application/xml", body.Bytes(),
		http.Header{"X-Ms-Blob-Content-Type": {"application/zip"}})
}

// put sends one blob request with retries. Errors never contain the URL.
func (b *blockWriter) put(op, u, contentType string, data []byte, extra http.Header) error {
	req, err := retryablehttp.NewRequestWithContext(b.ctx, http.MethodPut, u, data)
	if err != nil {
		return fmt.Errorf("%s: invalid signed upload URL", op)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Ms-Version", azureVersion)
	req.Header.Set("User-Agent", b.ua)
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := b.retry.do(op, req, func(resp *http.Response, body []byte) error {
		return blobError(b.retry.text, op, resp, body)
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return blobError(b.retry.text, op, resp, body)
}

// blobError reads an Azure error answer:
// <Error><Code>…</Code><Message>…</Message></Error>.
func blobError(text *cleaner, op string, resp *http.Response, body []byte) *Error {
	e := &Error{Op: op, Status: resp.StatusCode, Code: text.line(resp.Header.Get("X-Ms-Error-Code"), maxCodeLen)}
	var x struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.Unmarshal(body, &x) == nil {
		if e.Code == "" {
			e.Code = text.line(x.Code, maxCodeLen)
		}
		e.Message = text.line(x.Message, maxMessageLen)
	}
	e.Usage = isUsageMessage(e.Message) || e.Code == "QuotaExceeded"
	return e
}
