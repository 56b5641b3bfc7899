package odin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// ProtocolVersion is the version of the record protocol this library speaks (the "v" of every record).
const ProtocolVersion = 1

// Kind says what a record reports.
type Kind string

// The kinds of record a job can send.
const (
	KindWatch     Kind = "watch"
	KindCondition Kind = "condition"
	KindResult    Kind = "result"
)

// Record is one observation sent by a job: one line of the record protocol.
type Record struct {
	Kind  Kind
	Name  string
	Value any
	Time  time.Time
	// Success is set on results only.
	Success *bool
}

// timeLayout writes times as the protocol does: UTC with microseconds, then a "Z" (appended by formatTime).
const timeLayout = "2006-01-02T15:04:05.000000"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout) + "Z"
}

// MarshalJSON encodes the record as the protocol's JSON object, keys in a fixed order.
func (r Record) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"v":`)
	fmt.Fprint(&buf, ProtocolVersion)
	fields := []struct {
		key   string
		value any
	}{{"kind", string(r.Kind)}, {"name", r.Name}, {"value", r.Value}, {"time", formatTime(r.Time)}}
	if r.Success != nil {
		fields = append(fields, struct {
			key   string
			value any
		}{"success", *r.Success})
	}
	for _, f := range fields {
		encoded, err := encodeJSON(f.value)
		if err != nil {
			return nil, fmt.Errorf("odin: cannot encode %s of %s %q: %w", f.key, r.Kind, r.Name, err)
		}
		fmt.Fprintf(&buf, `,%q:`, f.key)
		buf.Write(encoded)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// encodeJSON encodes one value without HTML escaping, so text such as "<" or "&" stays readable in the journal.
func encodeJSON(value any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// recordable returns value itself when it encodes as JSON and a stand-in otherwise, so a watch never fails
// because of its value: non-finite floats become "NaN", "Infinity" or "-Infinity" (as in the Python library),
// anything else (a channel, a function) its printed form.
func recordable(value any) any {
	if _, err := encodeJSON(value); err == nil {
		return value
	}
	switch f := value.(type) {
	case float64:
		return nonFinite(f)
	case float32:
		return nonFinite(float64(f))
	}
	return fmt.Sprint(value)
}

func nonFinite(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case f > 0:
		return "Infinity"
	}
	return "-Infinity"
}
