// Prints the job file named on the command line as JSON, as the Go library reads it.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"odin.local/odin"
)

func main() {
	config, err := odin.Config(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out, err := json.Marshal(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(string(out))
}
