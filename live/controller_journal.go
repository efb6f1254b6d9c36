package live

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/scalite/scalite/internal/atomicfile"
)

// How long the journal keeps an intent waiting. EC2's DescribeInstances is
// eventually consistent: a new instance may appear seconds later, and two
// instances of one launch at different moments (EC2 API reference,
// "Eventual consistency in the Amazon EC2 API").
const (
	// ResolveWindow: an intent whose answer was lost (timeout, stop,
	// crash) is sent again with its token within this window; EC2 answers
	// with the original reservation if the first call went through.
	ResolveWindow = 15 * time.Minute
	// VisibilityWindow: launched instances not yet in DescribeInstances
	// count as pending servers for this long.
	VisibilityWindow = 10 * time.Minute
)

// LaunchIntent is one launch the controller decided on: its token, what
// it asked for, and the instances EC2 answered with once it did.
type LaunchIntent struct {
	Token   string        `json:"token"`
	Request LaunchRequest `json:"request"`
	Created time.Time     `json:"created"`
	// IDs are the instances EC2 returned; empty while the outcome is unknown.
	IDs []string `json:"ids,omitempty"`
}

// Resolved: EC2 has answered with the instances.
func (l LaunchIntent) Resolved() bool { return len(l.IDs) > 0 }

// LaunchJournal remembers launch intents durably (a JSON file written
// atomically before every RunInstances and after its answer), so that:
// a retry or a restart sends the same token for the same intent and EC2
// creates nothing twice; a new intent always gets a new token, so EC2
// never answers a new launch with the terminated instances of an old one
// (a token derived from the fleet's state repeats when the state does);
// and instances EC2 launched but does not list yet are still counted.
type LaunchJournal struct {
	path     string
	newToken func() string
	mu       sync.Mutex
	intents  []LaunchIntent
}

// RandomToken is a fresh client token: "scalite-" and 128 random bits
// (EC2 takes up to 64 ASCII characters).
func RandomToken() string {
	var b [16]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no randomness: nothing safe can be done
	}
	return "scalite-" + hex.EncodeToString(b[:])
}

// OpenLaunchJournal reads the journal at path (created when missing; ""
// keeps it in memory only, for dry runs and tests). newToken makes tokens
// (nil: RandomToken).
func OpenLaunchJournal(path string, newToken func() string) (*LaunchJournal, error) {
	if newToken == nil {
		newToken = RandomToken
	}
	j := &LaunchJournal{path: path, newToken: newToken}
	if path == "" {
		return j, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("launch journal: %w", err)
	}
	if err := json.Unmarshal(data, &j.intents); err != nil {
		return nil, fmt.Errorf("launch journal %s: %w (move it away to start afresh; instances carry their launch token in the %s tag)", path, err, TagLaunch)
	}
	for i, in := range j.intents {
		if in.Token == "" || in.Request.Count < 1 {
			return nil, fmt.Errorf("launch journal %s: record %d: no token or count", path, i+1)
		}
	}
	return j, nil
}

func (j *LaunchJournal) save() error {
	if j.path == "" {
		return nil
	}
	err := atomicfile.Write(j.path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j.intents)
	})
	if err != nil {
		return fmt.Errorf("launch journal: %w", err)
	}
	return nil
}

// Begin records a new intent, with a new token, before it is sent. An
// intent that cannot be recorded is not sent: a crash would forget it.
func (j *LaunchJournal) Begin(req LaunchRequest, now time.Time) (LaunchIntent, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	req.ClientToken = j.newToken()
	in := LaunchIntent{Token: req.ClientToken, Request: req, Created: now.UTC()}
	j.intents = append(j.intents, in)
	if err := j.save(); err != nil {
		j.intents = j.intents[:len(j.intents)-1]
		return LaunchIntent{}, err
	}
	return in, nil
}

// Launched records EC2's answer.
func (j *LaunchJournal) Launched(token string, ids []string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.intents {
		if j.intents[i].Token == token {
			j.intents[i].IDs = slices.Clone(ids)
		}
	}
	return j.save()
}

// Refused forgets an intent EC2 refused for good: nothing was launched.
func (j *LaunchJournal) Refused(token string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.intents = slices.DeleteFunc(j.intents, func(in LaunchIntent) bool { return in.Token == token })
	return j.save()
}

// Unresolved lists intents whose outcome is unknown and that are young
// enough to be sent again with their token; older ones are dropped (if
// they launched, their instances show up with the fleet and launch tags).
func (j *LaunchJournal) Unresolved(now time.Time) ([]LaunchIntent, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []LaunchIntent
	n := len(j.intents)
	j.intents = slices.DeleteFunc(j.intents, func(in LaunchIntent) bool {
		return !in.Resolved() && now.Sub(in.Created) > ResolveWindow
	})
	for _, in := range j.intents {
		if !in.Resolved() {
			out = append(out, in)
		}
	}
	if len(j.intents) != n {
		return out, j.save()
	}
	return out, nil
}

// InFlight returns, for each resolved intent, the instances EC2 launched
// that DescribeInstances does not list yet, and forgets intents whose
// instances are all listed or that waited longer than VisibilityWindow.
// visible holds the fleet's listed instance IDs and launch tokens.
func (j *LaunchJournal) InFlight(visible map[string]bool, now time.Time) ([]LaunchIntent, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []LaunchIntent
	n := len(j.intents)
	j.intents = slices.DeleteFunc(j.intents, func(in LaunchIntent) bool {
		if !in.Resolved() {
			return false
		}
		var hidden []string
		for _, id := range in.IDs {
			if !visible[id] {
				hidden = append(hidden, id)
			}
		}
		if len(hidden) == 0 || now.Sub(in.Created) > VisibilityWindow {
			return true
		}
		in.IDs = hidden
		out = append(out, in)
		return false
	})
	if len(j.intents) != n {
		return out, j.save()
	}
	return out, nil
}

// Len is the number of intents remembered.
func (j *LaunchJournal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.intents)
}
