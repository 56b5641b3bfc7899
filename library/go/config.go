package odin

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// ConfigFile is the name of the job's YAML file beside the program, read by Config when given no path.
const ConfigFile = "odin_job.yml"

// Config reads the job's YAML file: path if given (relative to the working directory), else odin_job.yml
// beside the program (the folder of the calling source file under "go run", else the working directory, which
// is the job's folder under Odin). It returns an error when the file is missing, not YAML this library reads,
// or not a mapping.
func Config(path ...string) (map[string]any, error) {
	target := firstOr(path, "")
	if target == "" {
		target = filepath.Join(programDir(), ConfigFile)
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the job file: %w", target, err)
	}
	value, err := ParseYAML(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", target, err)
	}
	mapping, ok := value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a YAML mapping", target)
	}
	return mapping, nil
}

func programDir() string {
	if _, file, _, ok := runtime.Caller(2); ok {
		if _, err := os.Stat(filepath.Join(filepath.Dir(file), ConfigFile)); err == nil {
			return filepath.Dir(file)
		}
	}
	if dir, err := os.Getwd(); err == nil {
		return dir
	}
	return "."
}
