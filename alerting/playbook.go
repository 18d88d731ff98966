package alerting

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"go.yaml.in/yaml/v3"
)

// Step owners: who a playbook step goes to, resolved from the client's
// team when a run starts. lead, expert, analyst and specialist are the
// functions of the client's team (an assigned user of that function, or of
// that role); director is a director of the agency (an admin when there is
// none); client_manager is the client's own manager.
const (
	OwnerLead          = "lead"
	OwnerExpert        = "expert"
	OwnerAnalyst       = "analyst"
	OwnerSpecialist    = "specialist"
	OwnerDirector      = "director"
	OwnerClientManager = "client_manager"
)

// StepOwners lists the owners a step may have.
var StepOwners = []string{OwnerSpecialist, OwnerAnalyst, OwnerExpert, OwnerLead, OwnerDirector, OwnerClientManager}

// Playbook is an emergency plan (PRODUCT.md E7, F9): a named, versioned
// list of steps. A level-3 alert whose rule names it starts a run of it;
// each save of a changed playbook raises its version, and a run keeps the
// steps of the version it started with.
type Playbook struct {
	ID          int64  `yaml:"-" json:"id,omitempty"`
	Name        string `yaml:"name" json:"name"`
	Title       string `yaml:"title,omitempty" json:"title,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Steps       []Step `yaml:"steps" json:"steps"`
	// Version counts the saved changes (1 for a new playbook).
	Version int `yaml:"-" json:"version"`
	// Default marks a playbook shipped with Daiyun (editable like any
	// other; a default the agency deletes is not brought back).
	Default   bool      `yaml:"-" json:"default"`
	UpdatedAt time.Time `yaml:"-" json:"updated_at,omitzero"`
}

// Step is one thing to do in a playbook: its owner role and how long after
// the start it is due.
type Step struct {
	Title        string `yaml:"title" json:"title"`
	Owner        string `yaml:"owner" json:"owner" enum:"specialist,analyst,expert,lead,director,client_manager"`
	Due          Offset `yaml:"due" json:"due" doc:"due this long after the run starts: 30m, 2h, 1d, 1d12h"`
	Instructions string `yaml:"instructions,omitempty" json:"instructions,omitempty"`
}

var playbookName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Validate checks a playbook and names the playbook, the step, the field
// and the wrong value.
func (p *Playbook) Validate() error {
	if !playbookName.MatchString(p.Name) {
		return daiyun.Errorf(daiyun.EINVALID, "playbook name %q is not lower-case letters, digits and _ (at most 63, starting with a letter)", p.Name)
	}
	if len(p.Steps) == 0 || len(p.Steps) > 50 {
		return daiyun.Errorf(daiyun.EINVALID, "playbook %q: steps: %d steps, want 1 to 50", p.Name, len(p.Steps))
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		s.Title = strings.TrimSpace(s.Title)
		bad := func(field string, v any, why string) error {
			return daiyun.Errorf(daiyun.EINVALID, "playbook %q: steps[%d]: %s %v %s", p.Name, i, field, v, why)
		}
		if s.Title == "" || len(s.Title) > 200 {
			return bad("title", fmt.Sprintf("%q", s.Title), "must be 1 to 200 characters")
		}
		if !slices.Contains(StepOwners, s.Owner) {
			return bad("owner", fmt.Sprintf("%q", s.Owner), fmt.Sprintf("is not one of %v", StepOwners))
		}
		if s.Due.D <= 0 || s.Due.D > 90*24*time.Hour {
			return bad("due", fmt.Sprintf("%q", s.Due.String()), "must be between 1m and 90d after the start")
		}
		if len(s.Instructions) > 5000 {
			return bad("instructions", len(s.Instructions), "characters is over 5000")
		}
	}
	return nil
}

// SameSteps reports whether two playbooks say the same thing (a save that
// changes nothing keeps the version).
func (p Playbook) SameSteps(q Playbook) bool {
	return p.Title == q.Title && p.Description == q.Description && slices.Equal(p.Steps, q.Steps)
}

// Offset is a step's due time after the start of its run, written as
// "30m", "2h", "1d" or "1d12h" in YAML and JSON.
type Offset struct{ D time.Duration }

// String writes the offset compactly: days, hours and minutes.
func (o Offset) String() string {
	if o.D <= 0 {
		return ""
	}
	var b strings.Builder
	d := o.D.Round(time.Minute)
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// ParseOffset reads "30m", "2h", "1d", "1d12h" (and anything
// time.ParseDuration reads).
func ParseOffset(s string) (Offset, error) {
	s = strings.TrimSpace(s)
	var days int64
	if i := strings.IndexByte(s, 'd'); i > 0 {
		if _, err := fmt.Sscanf(s[:i], "%d", &days); err != nil || fmt.Sprint(days) != s[:i] {
			return Offset{}, fmt.Errorf("%q is not a due time such as 2h or 1d", s)
		}
		s = s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			return Offset{}, fmt.Errorf("%q is not a due time such as 2h or 1d", s)
		}
		rest = v
	}
	return Offset{time.Duration(days)*24*time.Hour + rest}, nil
}

// MarshalYAML writes the offset as text.
func (o Offset) MarshalYAML() (any, error) { return o.String(), nil }

// UnmarshalYAML reads "2h", "1d".
func (o *Offset) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	v, err := ParseOffset(s)
	*o = v
	return err
}

// MarshalJSON writes "1d12h".
func (o Offset) MarshalJSON() ([]byte, error) { return []byte(`"` + o.String() + `"`), nil }

// UnmarshalJSON reads "2h", "1d".
func (o *Offset) UnmarshalJSON(b []byte) error {
	v, err := ParseOffset(strings.Trim(string(b), `"`))
	*o = v
	return err
}

// PlaybookFile is the YAML form of playbooks: `daiyun playbook apply FILE`
// loads it and `daiyun playbook export` writes it.
type PlaybookFile struct {
	Playbooks []Playbook `yaml:"playbooks"`
}

// ParsePlaybooks reads and validates a playbook file; a wrong field names
// the file, the playbook, the step and the value.
func ParsePlaybooks(name string, data []byte) ([]Playbook, error) {
	var f PlaybookFile
	if err := decodeYAML(name, "playbooks", data, &f); err != nil {
		return nil, err
	}
	if len(f.Playbooks) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "%s: no playbooks", name)
	}
	seen := map[string]bool{}
	for i := range f.Playbooks {
		p := &f.Playbooks[i]
		if err := p.Validate(); err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: playbooks[%d]: %s", name, i, daiyun.ErrorMessage(err))
		}
		if seen[p.Name] {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: playbooks[%d]: playbook name %q appears twice", name, i, p.Name)
		}
		seen[p.Name] = true
	}
	return f.Playbooks, nil
}

// ExportPlaybooks writes playbooks in the form ParsePlaybooks reads.
func ExportPlaybooks(ps []Playbook) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# Daiyun emergency playbooks: edit and load with `daiyun playbook apply FILE` (upsert by name;\n")
	b.WriteString("# a changed playbook gets a new version, runs already started keep theirs).\n")
	b.WriteString("# owner: specialist, analyst, expert, lead, director or client_manager; due: 30m, 2h, 1d after the start.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(PlaybookFile{Playbooks: ps}); err != nil {
		return nil, fmt.Errorf("alerting: export playbooks: %w", err)
	}
	enc.Close()
	return b.Bytes(), nil
}

// PlaybookRun is one playbook started by one level-3 alert: its steps are
// the tasks of the emergency, with an assignee and a due time each.
type PlaybookRun struct {
	ID        int64     `json:"id"`
	AlertID   int64     `json:"alert_id"`
	ClientID  int64     `json:"client_id"`
	Playbook  string    `json:"playbook"`
	Version   int       `json:"version"`
	Title     string    `json:"title,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Steps     []RunStep `json:"steps"`
	// Done and Overdue count the steps ticked off and those past due.
	Done    int `json:"done"`
	Overdue int `json:"overdue"`
}

// RunStep is one step of a run: a task.
type RunStep struct {
	ID           int64      `json:"id"`
	RunID        int64      `json:"run_id"`
	AlertID      int64      `json:"alert_id"`
	ClientID     int64      `json:"client_id"`
	Seq          int        `json:"seq"`
	Title        string     `json:"title"`
	Owner        string     `json:"owner"`
	AssigneeID   int64      `json:"assignee_id,omitempty"`
	Assignee     string     `json:"assignee,omitempty"`
	DueAt        time.Time  `json:"due_at"`
	Instructions string     `json:"instructions,omitempty"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
	DoneByID     int64      `json:"done_by_id,omitempty"`
	DoneBy       string     `json:"done_by,omitempty"`
	// Overdue is true for a step not done past its due time.
	Overdue bool `json:"overdue"`
}

// Tally fills Done, Overdue and each step's Overdue at now.
func (r *PlaybookRun) Tally(now time.Time) {
	r.Done, r.Overdue = 0, 0
	for i := range r.Steps {
		s := &r.Steps[i]
		s.Overdue = s.DoneAt == nil && now.After(s.DueAt)
		if s.DoneAt != nil {
			r.Done++
		}
		if s.Overdue {
			r.Overdue++
		}
	}
}
