package odin

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

var (
	sourceMu    sync.Mutex
	sourceLines = map[string][]string{}
)

// sourceArgument returns the source text of the first argument of the call to function made by the caller of
// the package-level function calling sourceArgument, or "line N" when the source cannot be read (a binary
// built elsewhere), as the Python library does.
func sourceArgument(function string) string {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return "line 0"
	}
	fallback := fmt.Sprintf("line %d", line)
	lines := readSource(file)
	if line < 1 || line > len(lines) {
		return fallback
	}
	end := line + 20
	if end > len(lines) {
		end = len(lines)
	}
	if text := firstArgument(strings.Join(lines[line-1:end], "\n"), function); text != "" {
		return text
	}
	return fallback
}

func readSource(file string) []string {
	sourceMu.Lock()
	defer sourceMu.Unlock()
	if lines, ok := sourceLines[file]; ok {
		return lines
	}
	data, err := os.ReadFile(file)
	var lines []string
	if err == nil {
		lines = strings.Split(string(data), "\n")
	}
	sourceLines[file] = lines
	return lines
}

// firstArgument finds the first call of function in text ("Watch(" not preceded by a letter) and returns its
// first argument with runs of white space made single spaces, or "" when there is none.
func firstArgument(text, function string) string {
	start := -1
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], function+"(")
		if i < 0 {
			return ""
		}
		i += from
		if i == 0 || !isIdentByte(text[i-1]) {
			start = i + len(function) + 1
			break
		}
		from = i + 1
	}
	if start < 0 {
		return ""
	}
	depth := 0
	for i := start; i < len(text); i++ {
		switch c := text[i]; c {
		case '"', '\'', '`':
			i = skipQuoted(text, i)
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return strings.Join(strings.Fields(text[start:i]), " ")
			}
			depth--
		case ',':
			if depth == 0 {
				return strings.Join(strings.Fields(text[start:i]), " ")
			}
		}
	}
	return ""
}

// skipQuoted returns the index of the quote closing the literal that opens at text[open].
func skipQuoted(text string, open int) int {
	quote := text[open]
	for i := open + 1; i < len(text); i++ {
		switch {
		case text[i] == '\\' && quote != '`':
			i++
		case text[i] == quote:
			return i
		}
	}
	return len(text)
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
