package odin

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// YAMLError is a job file this library cannot read, with the line it is on.
type YAMLError struct {
	Line    int
	Message string
}

func (e *YAMLError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

func yamlErrorf(line int, format string, args ...any) *YAMLError {
	return &YAMLError{Line: line, Message: fmt.Sprintf(format, args...)}
}

// Plain scalars are typed as PyYAML types them (YAML 1.1), so a job reads the same values in every language.
var (
	yamlBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlTrue  = regexp.MustCompile(`^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$`)
	yamlNull  = regexp.MustCompile(`^(?:~|null|Null|NULL)?$`)
	yamlInt   = regexp.MustCompile(`^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$`)
	yamlFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlKey   = regexp.MustCompile(`:(?: |$)`)
)

// ParseYAML reads the YAML that job files use (block mappings and sequences, flow lists and maps, plain,
// quoted and block scalars, comments) into map[string]any, []any, string, int64, float64, bool and nil.
// Anchors, tags and several documents are refused with a *YAMLError naming the line.
func ParseYAML(text string) (value any, err error) {
	p, err := newYAMLParser(text)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			yerr, ok := r.(*YAMLError)
			if !ok {
				panic(r)
			}
			value, err = nil, yerr
		}
	}()
	if len(p.lines) == 0 {
		return nil, nil
	}
	value = p.block(p.lines[0].indent)
	if p.i < len(p.lines) {
		return nil, yamlErrorf(p.lines[p.i].n, "unexpected indentation")
	}
	return value, nil
}

type yamlLine struct {
	n      int
	indent int
	text   string
	raw    string
}

type yamlParser struct {
	lines []yamlLine
	raw   []string
	i     int
}

func newYAMLParser(text string) (*yamlParser, error) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	p := &yamlParser{raw: strings.Split(text, "\n")}
	for k, raw := range p.raw {
		n := k + 1
		lead := raw[:len(raw)-len(strings.TrimLeft(raw, " \t"))]
		if strings.Contains(lead, "\t") {
			return nil, yamlErrorf(n, "tabs cannot indent YAML")
		}
		line := strings.TrimRight(stripComment(raw), " \t")
		if n == 1 && line == "---" {
			continue
		}
		if line == "---" || line == "..." {
			return nil, yamlErrorf(n, "only one YAML document is supported")
		}
		if strings.TrimSpace(line) != "" {
			trimmed := strings.TrimLeft(line, " ")
			p.lines = append(p.lines, yamlLine{n: n, indent: len(line) - len(trimmed), text: trimmed, raw: raw})
		}
	}
	return p, nil
}

func isSequenceItem(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

func (p *yamlParser) block(indent int) any {
	first := p.lines[p.i]
	refuse(first)
	if isSequenceItem(first.text) {
		return p.sequence(indent)
	}
	if _, _, ok := splitKey(first.text, first.n); ok {
		return p.mapping(indent)
	}
	p.i++
	return p.scalar(first.text, first, indent)
}

var yamlRefused = regexp.MustCompile(`^[&*!]|: [&*!]|^- [&*!]`)

func refuse(line yamlLine) {
	if yamlRefused.MatchString(line.text) {
		panic(yamlErrorf(line.n, "anchors, aliases and tags are not supported"))
	}
	if strings.HasPrefix(line.text, "? ") {
		panic(yamlErrorf(line.n, "complex keys are not supported"))
	}
}

func (p *yamlParser) mapping(indent int) map[string]any {
	out := map[string]any{}
	for p.i < len(p.lines) && p.lines[p.i].indent == indent {
		line := p.lines[p.i]
		refuse(line)
		key, rest, ok := splitKey(line.text, line.n)
		if !ok {
			panic(yamlErrorf(line.n, "expected \"key: value\", found %q", line.text))
		}
		if _, dup := out[key]; dup {
			panic(yamlErrorf(line.n, "key '%s' appears twice", key))
		}
		p.i++
		out[key] = p.value(rest, line, indent, true)
	}
	return out
}

func (p *yamlParser) sequence(indent int) []any {
	out := []any{}
	for p.i < len(p.lines) && p.lines[p.i].indent == indent && isSequenceItem(p.lines[p.i].text) {
		line := p.lines[p.i]
		rest := strings.TrimSpace(line.text[1:])
		if _, _, ok := splitKey(rest, line.n); ok && rest != "" && !strings.ContainsAny(rest[:1], "[{\"'") {
			// "- key: value" opens a mapping whose keys line up with "key"
			inner := indent + strings.Index(line.text, rest)
			p.lines[p.i] = yamlLine{n: line.n, indent: inner, text: rest, raw: line.raw}
			out = append(out, p.mapping(inner))
			continue
		}
		p.i++
		out = append(out, p.value(rest, line, indent, false))
	}
	return out
}

// value reads what follows "key:" or "-": inline text, a nested block, or (for a key) a sequence at the same
// indentation.
func (p *yamlParser) value(rest string, line yamlLine, indent int, isKey bool) any {
	if rest != "" {
		return p.scalar(rest, line, indent)
	}
	if p.i < len(p.lines) {
		next := p.lines[p.i]
		if next.indent > indent {
			return p.block(next.indent)
		}
		if isKey && next.indent == indent && isSequenceItem(next.text) {
			return p.sequence(indent)
		}
	}
	return nil
}

var yamlBlockScalar = regexp.MustCompile(`^([|>])([-+]?)$`)

func (p *yamlParser) scalar(text string, line yamlLine, indent int) any {
	if m := yamlBlockScalar.FindStringSubmatch(text); m != nil {
		return p.blockScalar(m[1], m[2], indent)
	}
	value, end := flowValue(text, 0, line.n, false)
	if extra := strings.TrimSpace(text[end:]); extra != "" {
		panic(yamlErrorf(line.n, "unexpected text after a value: %q", extra))
	}
	return value
}

func (p *yamlParser) blockScalar(style, chomp string, indent int) string {
	start := p.i
	width := -1
	for p.i < len(p.lines) && p.lines[p.i].indent > indent {
		if width < 0 || p.lines[p.i].indent < width {
			width = p.lines[p.i].indent
		}
		p.i++
	}
	if p.i == start {
		return ""
	}
	var body []string
	for n := p.lines[start].n; n <= p.lines[p.i-1].n; n++ {
		raw := strings.TrimRight(p.raw[n-1], " \t")
		if len(raw) >= width {
			raw = raw[width:]
		} else {
			raw = ""
		}
		body = append(body, raw)
	}
	text := strings.Join(body, "\n")
	if style == ">" {
		text = foldLines(body)
	}
	if chomp != "-" {
		text += "\n"
	}
	return text
}

// foldLines folds a ">" block: a line break between two lines of text becomes a space, each empty line a
// newline.
func foldLines(lines []string) string {
	var out strings.Builder
	for k, line := range lines {
		switch {
		case line == "":
			out.WriteString("\n")
		case k > 0 && lines[k-1] != "":
			out.WriteString(" " + line)
		default:
			out.WriteString(line)
		}
	}
	return out.String()
}

// stripComment drops a comment (" #..." outside quotes) from a line.
func stripComment(text string) string {
	var quote byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			if i == 0 || strings.ContainsRune(" \t[{,:-", rune(text[i-1])) {
				quote = c
			}
		case c == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t'):
			return text[:i]
		}
	}
	return text
}

// splitKey finds "key: value" in a line; ok is false when the line is not a mapping entry.
func splitKey(text string, line int) (key, rest string, ok bool) {
	var i int
	if text != "" && (text[0] == '"' || text[0] == '\'') {
		key, i = quotedScalar(text, 0, line)
		if i >= len(text) || text[i] != ':' {
			return "", "", false
		}
	} else {
		loc := yamlKey.FindStringIndex(text)
		if loc == nil {
			return "", "", false
		}
		i = loc[0]
		key = strings.TrimSpace(text[:i])
		if key != "" && strings.ContainsAny(key[:1], "[{") {
			return "", "", false
		}
	}
	if i+1 < len(text) && text[i+1] != ' ' {
		return "", "", false
	}
	return key, strings.TrimSpace(text[i+1:]), true
}

var yamlEscapes = map[byte]string{'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v",
	'f': "\f", 'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\", 'N': "\u0085", '_': "\u00a0",
	'L': "\u2028", 'P': "\u2029"}
var yamlHexWidth = map[byte]int{'x': 2, 'u': 4, 'U': 8}

// quotedScalar reads the quoted scalar opening at text[start]; it returns the value and the index after it.
func quotedScalar(text string, start, line int) (string, int) {
	quote := text[start]
	var out strings.Builder
	for i := start + 1; i < len(text); i++ {
		c := text[i]
		switch {
		case quote == '\'' && c == '\'':
			if i+1 < len(text) && text[i+1] == '\'' {
				out.WriteByte('\'')
				i++
				continue
			}
			return out.String(), i + 1
		case quote == '"' && c == '"':
			return out.String(), i + 1
		case quote == '"' && c == '\\' && i+1 < len(text):
			i++
			e := text[i]
			if width, ok := yamlHexWidth[e]; ok {
				code, err := strconv.ParseUint(text[i+1:min(i+1+width, len(text))], 16, 32)
				if err != nil || i+1+width > len(text) || !utf8.ValidRune(rune(code)) {
					panic(yamlErrorf(line, "bad escape \\%c", e))
				}
				out.WriteRune(rune(code))
				i += width
			} else if s, ok := yamlEscapes[e]; ok {
				out.WriteString(s)
			} else {
				panic(yamlErrorf(line, "unknown escape \\%c", e))
			}
		default:
			out.WriteByte(c)
		}
	}
	panic(yamlErrorf(line, "a quoted string must end on the line it starts (multi-line strings are not supported)"))
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

var (
	flowStop  = regexp.MustCompile(`[,\]}]|:(?: |$)|:[,\]}]`)
	skipSpace = func(text string, i int) int {
		for i < len(text) && text[i] == ' ' {
			i++
		}
		return i
	}
)

// flowValue parses a scalar, [list] or {map} from text at i; it returns the value and the next index.
func flowValue(text string, i, line int, inFlow bool) (any, int) {
	i = skipSpace(text, i)
	if i >= len(text) {
		return nil, i
	}
	switch c := text[i]; c {
	case '"', '\'':
		return quotedScalar(text, i, line)
	case '[', '{':
		return flowCollection(text, i, line)
	}
	end := len(text)
	if inFlow {
		if loc := flowStop.FindStringIndex(text[i:]); loc != nil {
			end = i + loc[0]
		}
	}
	return plainScalar(strings.TrimSpace(text[i:end])), end
}

func flowCollection(text string, i, line int) (any, int) {
	isList := text[i] == '['
	closing := byte('}')
	if isList {
		closing = ']'
	}
	list, dict := []any{}, map[string]any{}
	i++
	for {
		i = skipSpace(text, i)
		if i < len(text) && text[i] == closing {
			if isList {
				return list, i + 1
			}
			return dict, i + 1
		}
		var value any
		if isList {
			value, i = flowValue(text, i, line, true)
			list = append(list, value)
		} else {
			var key any
			key, i = flowValue(text, i, line, true)
			i = skipSpace(text, i)
			if i < len(text) && text[i] == ':' {
				value, i = flowValue(text, i+1, line, true)
			}
			dict[fmt.Sprint(key)] = value
		}
		i = skipSpace(text, i)
		if i < len(text) && text[i] == ',' {
			i++
		} else if i >= len(text) || text[i] != closing {
			panic(yamlErrorf(line, "expected ',' or '%c' in a flow collection", closing))
		}
	}
}

// plainScalar types an unquoted scalar as PyYAML does.
func plainScalar(text string) any {
	switch {
	case yamlNull.MatchString(text):
		return nil
	case yamlBool.MatchString(text):
		return yamlTrue.MatchString(text)
	case yamlInt.MatchString(text):
		clean := strings.ReplaceAll(text, "_", "")
		sign := int64(1)
		if clean[0] == '-' || clean[0] == '+' {
			if clean[0] == '-' {
				sign = -1
			}
			clean = clean[1:]
		}
		base := 10
		switch {
		case strings.HasPrefix(clean, "0b"):
			base, clean = 2, clean[2:]
		case strings.HasPrefix(clean, "0x"):
			base, clean = 16, clean[2:]
		case len(clean) > 1 && clean[0] == '0':
			base = 8
		}
		if n, err := strconv.ParseInt(clean, base, 64); err == nil {
			return sign * n
		}
		return text
	case yamlFloat.MatchString(text):
		clean := strings.ToLower(strings.ReplaceAll(text, "_", ""))
		switch {
		case strings.HasSuffix(clean, ".nan"):
			return math.NaN()
		case strings.HasSuffix(clean, ".inf"):
			if clean[0] == '-' {
				return math.Inf(-1)
			}
			return math.Inf(1)
		}
		if f, err := strconv.ParseFloat(clean, 64); err == nil {
			return f
		}
	}
	return text
}
