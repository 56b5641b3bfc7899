package odin

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(line, &out); err != nil {
		t.Fatalf("not JSON: %q: %v", line, err)
	}
	return out
}

func TestRecordLineHasTheProtocolFieldsInOrder(t *testing.T) {
	ok := true
	rec := Record{Kind: KindResult, Name: "result", Value: "done", Time: time.Date(2025, 6, 4, 17, 0, 0, 123000, time.UTC), Success: &ok}
	line, err := rec.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"kind":"result","name":"result","value":"done","time":"2025-06-04T17:00:00.000123Z","success":true}`
	if string(line) != want {
		t.Fatalf("got  %s\nwant %s", line, want)
	}
}

func TestTextRoundTripsExactlyThroughJSON(t *testing.T) {
	for _, text := range []string{
		`he said "héllo"`, "back\\slash", "line\nbreak\ttab\rreturn", "bell\a nul\x00 esc\x1b", "✓ 🚀 日本語",
		"<html> & </html>", "  spaced   out  ", "\u2028\u2029",
	} {
		var buf bytes.Buffer
		if err := NewRecorder(&buf).Watch("text", text); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(buf.String(), "\n") || strings.Count(buf.String(), "\n") != 1 {
			t.Fatalf("%q is not one line: %q", text, buf.String())
		}
		if got := decode(t, buf.Bytes())["value"]; got != text {
			t.Fatalf("got %q, want %q", got, text)
		}
		if strings.Contains(buf.String(), `\u003c`) {
			t.Fatalf("HTML-escaped: %s", buf.String())
		}
	}
}

func TestValuesJSONCannotHoldAreRecordedAsThePythonLibraryDoes(t *testing.T) {
	cases := map[string]any{"NaN": math.NaN(), "Infinity": math.Inf(1), "-Infinity": float32(math.Inf(-1))}
	for want, value := range cases {
		var buf bytes.Buffer
		if err := NewRecorder(&buf).Watch("x", value); err != nil {
			t.Fatal(err)
		}
		if got := decode(t, buf.Bytes())["value"]; got != want {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	var buf bytes.Buffer
	_ = NewRecorder(&buf).Watch("ch", make(chan int))
	if got, ok := decode(t, buf.Bytes())["value"].(string); !ok || !strings.HasPrefix(got, "0x") {
		t.Fatalf("a channel should be recorded as its printed form, got %v", got)
	}
}

func TestResultSucceedsByDefaultAndFollowsTheLastCondition(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	if code, _ := r.Result("nothing checked", nil); code != 0 {
		t.Fatalf("no condition: exit %d", code)
	}
	_ = r.Condition("first", false)
	_ = r.Condition("second", true)
	if code, _ := r.Result("last was true", nil); code != 0 {
		t.Fatalf("last condition true: exit %d", code)
	}
	_ = r.Condition("third", false)
	if code, _ := r.Result("last was false", nil); code != 1 {
		t.Fatalf("last condition false: exit %d", code)
	}
	yes := true
	if code, _ := r.Result("told", &yes); code != 0 {
		t.Fatalf("told success: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	last := decode(t, []byte(lines[len(lines)-1]))
	if last["success"] != true || last["name"] != "result" || last["value"] != "told" {
		t.Fatalf("last record %v", last)
	}
}

func TestLocalModePrintsWhatThePythonLibraryPrints(t *testing.T) {
	var buf bytes.Buffer
	r := NewLocalRecorder(&buf)
	_ = r.Watch("files", 3)
	_ = r.Watch("text", "é \"q\"\n")
	_ = r.Condition("files < 100", true)
	_, _ = r.Result("all good", nil)
	want := "odin: watch files = 3\n" +
		"odin: watch text = \"é \\\"q\\\"\\n\"\n" +
		"odin: condition (files < 100) is true\n" +
		"odin: result (success): all good\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestAWriteErrorIsKeptAndTheJobGoesOn(t *testing.T) {
	r := NewRecorder(brokenWriter{})
	stderr := os.Stderr
	devnull, _ := os.Open(os.DevNull)
	os.Stderr = devnull
	err := r.Watch("x", 1)
	os.Stderr = stderr
	if err == nil || r.Err() == nil || !r.Local() {
		t.Fatalf("err=%v kept=%v local=%v", err, r.Err(), r.Local())
	}
}

func TestFromEnvironmentUsesAPipeAndNothingElse(t *testing.T) {
	read, write, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	t.Setenv(FDVariable, itoa(int(write.Fd())))
	r := FromEnvironment()
	if r.Local() {
		t.Fatal("a pipe should be used")
	}
	_ = r.Watch("n", 7)
	write.Close()
	buf := make([]byte, 4096)
	n, _ := read.Read(buf)
	if got := decode(t, buf[:n]); got["name"] != "n" || got["value"] != float64(7) {
		t.Fatalf("read %v", got)
	}
	regular, _ := os.CreateTemp(t.TempDir(), "not-a-pipe")
	t.Setenv(FDVariable, itoa(int(regular.Fd())))
	if !FromEnvironment().Local() {
		t.Fatal("a regular file is not the wrapper's pipe")
	}
	t.Setenv(FDVariable, "")
	if !FromEnvironment().Local() {
		t.Fatal("no variable means local test mode")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRecordsFromManyGoroutinesStayWholeLines(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 100; i++ {
				_ = r.Watch("n", g*1000+i)
			}
			done <- struct{}{}
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, line := range lines {
		decode(t, []byte(line))
	}
}
