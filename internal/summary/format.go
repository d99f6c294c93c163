package summary

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// dash stands for a value that is unknown or does not apply.
const dash = "—"

// FormatSize renders a byte count in binary units: 512 B, 1.5 KiB, 12.3 MiB.
func FormatSize(n int64) string {
	const unit = 1024
	switch {
	case n < unit:
		return strconv.FormatInt(n, 10) + " B"
	case n < unit*unit:
		return fmt.Sprintf("%.1f KiB", float64(n)/unit)
	case n < unit*unit*unit:
		return fmt.Sprintf("%.1f MiB", float64(n)/(unit*unit))
	default:
		return fmt.Sprintf("%.1f GiB", float64(n)/(unit*unit*unit))
	}
}

// formatDuration renders a duration to the second: 45s, 1m05s, 2h03m07s;
// "<1s" below a second and a dash when unknown (zero or negative).
func formatDuration(d time.Duration) string {
	if d <= 0 {
		return dash
	}
	if d < time.Second {
		return "<1s"
	}
	d = d.Round(time.Second)
	h := int64(d / time.Hour)
	m := int64(d % time.Hour / time.Minute)
	s := int64(d % time.Minute / time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// formatCount renders a count with thousands separators: 1,234,567.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural returns "1 stage", "2 stages".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return formatCount(n) + " " + word + "s"
}

// linkURL returns u when it is an absolute http(s) URL that can be used as
// a Markdown link destination as is (no spaces, brackets, quotes or
// non-ASCII characters), and false otherwise; the caller then shows no link.
func linkURL(u string) (string, bool) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return "", false
	}
	s := p.String()
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("<>()[]|`\"'\\", c) >= 0 {
			return "", false
		}
	}
	return s, true
}

// errText is an error's text, "" for none: errors reach the summary as
// errors (their text already free of secrets) and become text only here.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// httpDetail renders a download error's HTTP status and Huawei error code,
// e.g. "HTTP 404, CB.00060211"; empty when the server answered neither.
func httpDetail(st *stageView, codeFn func(string) string) string {
	var parts []string
	if st.httpStatus != 0 {
		parts = append(parts, "HTTP "+strconv.Itoa(st.httpStatus))
	}
	if strings.TrimSpace(st.errCode) != "" {
		parts = append(parts, codeFn(st.errCode))
	}
	return strings.Join(parts, ", ")
}
