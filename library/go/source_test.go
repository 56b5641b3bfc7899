package odin

import (
	"bytes"
	"strings"
	"testing"
)

func TestFirstArgumentReadsTheCallsSourceText(t *testing.T) {
	cases := map[string]string{
		"x := odin.Watch(len(files))":                  "len(files)",
		`odin.Watch(strings.Split("a,b", ","), "n")`:   `strings.Split("a,b", ",")`,
		"if odin.Condition(n < 100 && m[\")\"] > 0) {": `n < 100 && m[")"] > 0`,
		"odin.Watch(\n\tcount +\n\t\tother,\n)":        "count + other",
		"odin.Watch(`raw ) text`)":                     "`raw ) text`",
		"myWatch(a); odin.Watch(b)":                    "b",
	}
	for text, want := range cases {
		function := "Watch"
		if strings.Contains(text, "Condition") {
			function = "Condition"
		}
		if got := firstArgument(text, function); got != want {
			t.Errorf("firstArgument(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestWatchNamesARecordAfterItsArgument(t *testing.T) {
	var buf bytes.Buffer
	defaultOnce.Do(func() {})
	saved := defaultRecorder
	defaultRecorder = NewRecorder(&buf)
	defer func() { defaultRecorder = saved }()
	items := []int{1, 2, 3}
	got := Watch(len(items))
	named := Watch(items[0], "first")
	ok := Condition(got == 3)
	if got != 3 || named != 1 || !ok {
		t.Fatalf("values not returned: %v %v %v", got, named, ok)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	for i, want := range []string{`"name":"len(items)"`, `"name":"first"`, `"name":"got == 3"`} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("record %d: %s lacks %s", i, lines[i], want)
		}
	}
}
