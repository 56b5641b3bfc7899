package odin

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseYAMLReadsAJobFile(t *testing.T) {
	text := `---
provider:
  name: "odin"   # a comment
  version: "1.0.0"
job:
  name: token_refresher
  runs: every 10 minutes
  retries: 3
  ratio: 0.5
  catch_up: yes
  user: ~
  env:
    TOKEN_FILE: '/var/lib/it''s'
    ESCAPED: "tab\there \u00e9"
  args: [--fast, "two words", 3]
  tags:
    - a
    - name: b
      level: 2
  script: |
    line one
    line two
  folded: >-
    one
    two
`
	got, err := ParseYAML(text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"provider": map[string]any{"name": "odin", "version": "1.0.0"},
		"job": map[string]any{
			"name": "token_refresher", "runs": "every 10 minutes", "retries": int64(3), "ratio": 0.5,
			"catch_up": true, "user": nil,
			"env":    map[string]any{"TOKEN_FILE": "/var/lib/it's", "ESCAPED": "tab\there é"},
			"args":   []any{"--fast", "two words", int64(3)},
			"tags":   []any{"a", map[string]any{"name": "b", "level": int64(2)}},
			"script": "line one\nline two\n",
			"folded": "one two",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func TestPlainScalarsAreTypedAsPyYAMLTypesThem(t *testing.T) {
	cases := map[string]any{
		"yes": true, "Off": false, "0x1F": int64(31), "017": int64(15), "1_000": int64(1000), "-5": int64(-5),
		"1.5": 1.5, "1e5": "1e5", "1.0e+3": 1000.0, "null": nil, "": nil, "12:30": "12:30", "hello world": "hello world",
	}
	for text, want := range cases {
		if got := plainScalar(text); !reflect.DeepEqual(got, want) {
			t.Errorf("plainScalar(%q) = %#v, want %#v", text, got, want)
		}
	}
	if got := plainScalar(".inf"); got != math.Inf(1) {
		t.Errorf(".inf = %v", got)
	}
}

func TestParseYAMLRefusesWhatItCannotReadWithTheLine(t *testing.T) {
	cases := map[string]string{
		"a: 1\nb: &x 2\n":      "line 2: anchors",
		"a:\n\tb: 1\n":         "line 2: tabs",
		"a: 1\na: 2\n":         "line 2: key 'a' appears twice",
		"a: \"open\n":          "line 1: a quoted string must end",
		"a: 1\n---\nb: 2\n":    "line 2: only one YAML document",
		"a: [1, 2\n":           "line 1: expected ','",
		"a: \"bad \\q\"\n":     "line 1: unknown escape",
		"a: 1\n  b: 2\n":       "line 2: unexpected indentation",
		"a:\n  - 1\n b: 2\n":   "line 3: unexpected indentation",
		"key: value\njunk\n":   "line 2: expected \"key: value\"",
		"? complex\n: value\n": "line 1: complex keys",
	}
	for text, want := range cases {
		_, err := ParseYAML(text)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseYAML(%q) error %v, want it to start with %q", text, err, want)
		}
	}
}

func TestConfigReadsTheJobFileAndSaysWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "job.yml")
	os.WriteFile(good, []byte("job:\n  name: x\n"), 0o644)
	cfg, err := Config(good)
	if err != nil || cfg["job"].(map[string]any)["name"] != "x" {
		t.Fatalf("cfg=%v err=%v", cfg, err)
	}
	list := filepath.Join(dir, "list.yml")
	os.WriteFile(list, []byte("- a\n"), 0o644)
	if _, err := Config(list); err == nil || !strings.Contains(err.Error(), "expected a YAML mapping") {
		t.Fatalf("a list: %v", err)
	}
	if _, err := Config(filepath.Join(dir, "missing.yml")); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("missing: %v", err)
	}
}
