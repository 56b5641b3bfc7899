// The conformance scenario in Go: every language's version must produce the same records and output.
package main

import (
	"fmt"

	"odin.local/odin"
)

const message = "he said \"héllo\"\n\tpath C:\\dir ✓ 🚀 bell\a"

func main() {
	count := 42
	fmt.Println("scenario: checking 42 files")
	odin.Watch(count)
	odin.Watch(0.25, "ratio")
	odin.Watch(-7, "delta")
	odin.Watch(message, "message")
	odin.Watch("  spaced   out  ", "spaces")
	odin.Condition(count == 42, "files counted")
	odin.Condition(count < 10, "größe < 10 \"strict\"")
	fmt.Println("scenario: done")
	odin.Result("checked 42 files\nzweite Zeile ✓")
}
