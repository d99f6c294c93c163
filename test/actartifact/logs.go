package actartifact

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Logs returns n bytes of build-log-like text quickly: lines drawn from a
// pool of varied lines, each with its own timestamp and counter, so that
// deflate finds repetition without the text being trivial.
func Logs(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1))
	words := []string{"[INFO]", "[WARNING]", "[ERROR]", "Downloading", "Downloaded", "Compiling", "module",
		"com.example.service", "from", "https://repo.example.com/maven2/org/apache/", "BUILD", "SUCCESS",
		"npm", "warn", "deprecated", "src/main/java/com/example/App.java:", "Tests", "run:", "Failures:",
		"Skipped:", "Time", "elapsed:", "sec", "gcc", "-O2", "-Wall", "-c", "ld:", "linking", "target"}
	pool := make([][]byte, 2048)
	for i := range pool {
		var l []byte
		for range 4 + r.IntN(12) {
			if r.IntN(5) == 0 {
				l = fmt.Appendf(l, " %x", r.Uint32())
			} else {
				l = append(l, ' ')
				l = append(l, words[r.IntN(len(words))]...)
			}
		}
		pool[i] = append(l, '\n')
	}
	out := make([]byte, 0, n+256)
	for line := 0; len(out) < n; line++ {
		// One line per millisecond: 2026-11-27T08:mm:ss.mmmZ #line text
		ms := line % 1000
		out = append(out, "2026-11-27T08:"...)
		out = append(out, digits2(line/60000%60)...)
		out = append(out, ':')
		out = append(out, digits2(line/1000%60)...)
		out = append(out, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', ' ', '#')
		out = strconv.AppendInt(out, int64(line), 10)
		out = append(out, pool[r.IntN(len(pool))]...)
	}
	return out[:n]
}

func digits2(n int) []byte { return []byte{byte('0' + n/10), byte('0' + n%10)} }
