package download

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestRedactReader(t *testing.T) {
	t.Parallel()
	secret := "MIIToken-0123456789"
	in := "start " + secret + " middle " + secret + secret + " end " + secret
	want := strings.ReplaceAll(in, secret, Redacted)
	for _, size := range []int{1, 2, 3, 7, 19, 20, 64, 4096} {
		got, err := io.ReadAll(iotest.OneByteReader(newRedactReader(strings.NewReader(in), []string{secret, ""})))
		if err != nil || string(got) != want {
			t.Fatalf("one-byte reads: %q %v", got, err)
		}
		r := newRedactReader(strings.NewReader(in), []string{secret})
		var out bytes.Buffer
		buf := make([]byte, size)
		for {
			n, err := r.Read(buf)
			out.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if out.String() != want {
			t.Errorf("reads of %d: %q", size, out.String())
		}
	}
}

func TestRedactReaderKeepsErrorsAndPassesThrough(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	r := newRedactReader(io.MultiReader(strings.NewReader("abc tok-secret"), iotest.ErrReader(boom)), []string{"tok-secret"})
	got, err := io.ReadAll(r)
	if !errors.Is(err, boom) || string(got) != "abc ***" {
		t.Errorf("got %q, %v", got, err)
	}
	src := strings.NewReader("x")
	if newRedactReader(src, []string{"ab", ""}) != io.Reader(src) {
		t.Error("no usable secret: the reader must be returned as is")
	}
}
