package alerting

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/daiyun/daiyun"
	"go.yaml.in/yaml/v3"
)

// File is the YAML form of a rule set: `daiyun alerts apply FILE` loads it
// and `daiyun alerts export` writes it.
type File struct {
	Rules []Rule `yaml:"rules"`
}

// decodeYAML decodes a file strictly (unknown fields refused); an error
// names the file, and an empty file says it holds no what.
func decodeYAML(name, what string, data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return daiyun.Errorf(daiyun.EINVALID, "%s: %s", name, strings.Join(te.Errors, "; "))
		}
		if errors.Is(err, io.EOF) {
			return daiyun.Errorf(daiyun.EINVALID, "%s: no %s", name, what)
		}
		return daiyun.Errorf(daiyun.EINVALID, "%s: %v", name, err)
	}
	return nil
}

// ParseYAML reads and validates a rule file. A wrong field names the file,
// the rule, the field and the value; two rules with the same name are
// refused.
func ParseYAML(name string, data []byte) ([]Rule, error) {
	var f File
	if err := decodeYAML(name, "rules", data, &f); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range f.Rules {
		r := &f.Rules[i]
		if err := r.Validate(); err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: rules[%d]: %s", name, i, daiyun.ErrorMessage(err))
		}
		if seen[r.Name] {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: rules[%d]: rule name %q appears twice", name, i, r.Name)
		}
		seen[r.Name] = true
	}
	return f.Rules, nil
}

// ExportYAML writes rules in the form ParseYAML reads.
func ExportYAML(rules []Rule) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Daiyun alert rules: edit and load with `daiyun alerts apply FILE` (upsert by name).\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(File{Rules: rules}); err != nil {
		return nil, fmt.Errorf("alerting: export: %w", err)
	}
	enc.Close()
	return b.Bytes(), nil
}
