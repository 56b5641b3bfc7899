// Package odin is the in-job library of Odin, the systemd-native job scheduler, for programs written in Go.
//
// A job records what it sees and how it ended:
//
//	files := odin.Watch(len(entries))          // recorded under the name "len(entries)"
//	if odin.Condition(files < 100, "few files") {
//		odin.Result("cache is small")           // ends the job, exit code 0
//	}
//	odin.Result("cache is large")              // ends the job, exit code 1 (the last condition was false)
//
// Run by Odin, records go to the pipe the wrapper opened (its number is in ODIN_RECORD_FD). Run by hand, the
// library is in local test mode: each record is printed to stderr and nothing is sent anywhere.
package odin

import (
	"os"
	"sync"
)

var (
	defaultOnce     sync.Once
	defaultRecorder *Recorder
)

// Default returns the Recorder behind the package-level functions, made from the environment on first use.
func Default() *Recorder {
	defaultOnce.Do(func() {
		if defaultRecorder == nil {
			defaultRecorder = FromEnvironment()
		}
	})
	return defaultRecorder
}

// Mock puts the package-level functions in local test mode, even under Odin: records print to stderr and
// nothing is sent. It returns the Recorder now in use.
func Mock() *Recorder {
	defaultOnce.Do(func() {})
	defaultRecorder = NewLocalRecorder(os.Stderr)
	return defaultRecorder
}

// Watch records value and returns it. Without a name, the name is the source text of the call's argument
// (odin.Watch(len(files)) is recorded as "len(files)"); a value that is not JSON (NaN, a channel) is recorded
// as its printed form. Watch never fails the job: an error writing the record is kept for Err.
func Watch[T any](value T, name ...string) T {
	label := firstOr(name, "")
	if label == "" {
		label = sourceArgument("Watch")
	}
	_ = Default().Watch(label, value)
	return value
}

// Condition records the boolean and returns it, so "if odin.Condition(n == 0, "nothing left") {" reads as
// plain Go. Without a description, the name is the source text of the expression.
func Condition(ok bool, description ...string) bool {
	label := firstOr(description, "")
	if label == "" {
		label = sourceArgument("Condition")
	}
	_ = Default().Condition(label, ok)
	return ok
}

// Result records the job's final message and ends the job, like a return from main: deferred functions do not
// run. The exit code is 0 for success and 1 for failure; success is the last recorded condition (true when none
// was recorded) unless given.
func Result(message any, success ...bool) {
	var told *bool
	if len(success) > 0 {
		told = &success[0]
	}
	code, _ := Default().Result(message, told)
	os.Exit(code)
}

// Err returns the first error met writing a record through the package-level functions, or nil.
func Err() error {
	return Default().Err()
}

func firstOr(values []string, fallback string) string {
	if len(values) > 0 {
		return values[0]
	}
	return fallback
}
