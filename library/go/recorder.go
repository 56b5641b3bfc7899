package odin

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ResultName is the name every result record carries.
const ResultName = "result"

// FDVariable names the environment variable in which the wrapper passes the number of the records pipe.
const FDVariable = "ODIN_RECORD_FD"

// Recorder writes records: as protocol lines to the wrapper's pipe, or, in local test mode, as readable lines
// (usually to stderr). The package-level functions use one Recorder made from the environment; tests and
// programs that want every error make their own.
type Recorder struct {
	mu            sync.Mutex
	out           io.Writer
	local         bool
	lastCondition *bool
	err           error
	now           func() time.Time
}

// NewRecorder returns a Recorder that writes protocol lines to out.
func NewRecorder(out io.Writer) *Recorder {
	return &Recorder{out: out, now: time.Now}
}

// NewLocalRecorder returns a Recorder in local test mode: it writes each record to out in readable form.
func NewLocalRecorder(out io.Writer) *Recorder {
	return &Recorder{out: out, local: true, now: time.Now}
}

// FromEnvironment returns a Recorder writing to the pipe named by ODIN_RECORD_FD, or a local one on stderr when
// the variable is unset or names no open pipe (the job runs by hand).
func FromEnvironment() *Recorder {
	fd, err := strconv.Atoi(os.Getenv(FDVariable))
	if err != nil || fd < 0 {
		return NewLocalRecorder(os.Stderr)
	}
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil {
		return NewLocalRecorder(os.Stderr)
	}
	if mode := st.Mode & syscall.S_IFMT; mode != syscall.S_IFIFO && mode != syscall.S_IFSOCK {
		return NewLocalRecorder(os.Stderr)
	}
	return NewRecorder(os.NewFile(uintptr(fd), "odin-records"))
}

// Local tells whether the Recorder is in local test mode.
func (r *Recorder) Local() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.local
}

// Record writes one record and returns any error writing it. The first error is also kept for Err.
func (r *Recorder) Record(rec Record) error {
	if rec.Time.IsZero() {
		rec.Time = r.now()
	}
	rec.Value = recordable(rec.Value)
	if rec.Kind == KindResult {
		rec.Value = fmt.Sprint(rec.Value)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var line []byte
	var err error
	if r.local {
		line, err = readable(rec)
	} else {
		line, err = rec.MarshalJSON()
	}
	if rec.Kind == KindCondition {
		ok, _ := rec.Value.(bool)
		r.lastCondition = &ok
	}
	if err != nil {
		return r.keep(err)
	}
	if _, err = r.out.Write(append(line, '\n')); err != nil && !r.local {
		// The pipe is gone (the wrapper died): say so once, then keep the job's records readable on stderr.
		fmt.Fprintf(os.Stderr, "odin: the record pipe is gone (%v); records now go to stderr\n", err)
		r.out, r.local = os.Stderr, true
		if text, textErr := readable(rec); textErr == nil {
			fmt.Fprintf(os.Stderr, "%s\n", text)
		}
	}
	return r.keep(err)
}

// keep remembers the first error for Err and returns err.
func (r *Recorder) keep(err error) error {
	if err != nil && r.err == nil {
		r.err = err
	}
	return err
}

// Watch records a named value.
func (r *Recorder) Watch(name string, value any) error {
	return r.Record(Record{Kind: KindWatch, Name: name, Value: value})
}

// Condition records a named boolean; it becomes the default outcome of a later result.
func (r *Recorder) Condition(name string, ok bool) error {
	return r.Record(Record{Kind: KindCondition, Name: name, Value: ok})
}

// Result records the job's final message and returns the exit code the job should end with: 0 when it
// succeeded, 1 when not. With success nil, the last recorded condition decides (success when there was none).
func (r *Recorder) Result(message any, success *bool) (int, error) {
	ok := r.outcome(success)
	err := r.Record(Record{Kind: KindResult, Name: ResultName, Value: message, Success: &ok})
	if ok {
		return 0, err
	}
	return 1, err
}

func (r *Recorder) outcome(success *bool) bool {
	if success != nil {
		return *success
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastCondition == nil || *r.lastCondition
}

// Err returns the first error the Recorder met writing records, or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// readable formats a record for a person reading stderr, exactly as the Python library does in local test mode.
func readable(rec Record) ([]byte, error) {
	switch rec.Kind {
	case KindResult:
		outcome := "failure"
		if rec.Success != nil && *rec.Success {
			outcome = "success"
		}
		return []byte(fmt.Sprintf("odin: result (%s): %v", outcome, rec.Value)), nil
	case KindCondition:
		return []byte(fmt.Sprintf("odin: condition (%s) is %v", rec.Name, rec.Value)), nil
	}
	value, err := encodeJSON(rec.Value)
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("odin: %s %s = %s", rec.Kind, rec.Name, value)), nil
}
