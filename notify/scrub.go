package notify

import (
	"regexp"
	"slices"
	"strings"
)

// checksumParam is a BBB or Scalelite API checksum in a URL or a log line:
// the checksum signs one call, and with the call it was made for it is all
// an attacker needs to replay it.
var checksumParam = regexp.MustCompile(`(?i)(checksum=)[^&\s"'<>]*`)

// Redacted replaces what a message must not carry.
const Redacted = "[redacted]"

// minSecretLen keeps a secret too short to be real from redacting every
// occurrence of a common letter pair in a message.
const minSecretLen = 6

// scrubber removes checksums and the given secrets from text. Longer
// secrets go first so that a secret containing another is removed whole.
type scrubber struct{ secrets []string }

func newScrubber(secrets []string) scrubber {
	var s []string
	for _, v := range secrets {
		if v = strings.TrimSpace(v); len(v) >= minSecretLen && !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return scrubber{secrets: s}
}

func (s scrubber) scrub(text string) string {
	for _, v := range s.secrets {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	return checksumParam.ReplaceAllString(text, "${1}"+Redacted)
}

func (s scrubber) event(e Event) Event {
	e.Server, e.Pool, e.What, e.Action = s.scrub(e.Server), s.scrub(e.Pool), s.scrub(e.What), s.scrub(e.Action)
	return e
}
