package emulate

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"net/url"
	"regexp"
	"strings"
)

// Checksum is the hex digest BigBlueButton and Scalelite check: of the
// lowerCamel call name, the query string without its checksum, and the
// shared secret (app/controllers/concerns/api_helper.rb, get_checksum;
// docs.bigbluebutton.org/development/api "Usage"). algo is SHA1, SHA256,
// SHA384 or SHA512 (any case); anything else is SHA-1, as get_checksum
// falls back to it.
func Checksum(algo, call, query, secret string) string {
	var h hash.Hash
	switch strings.ToUpper(algo) {
	case "SHA256":
		h = sha256.New()
	case "SHA384":
		h = sha512.New384()
	case "SHA512":
		h = sha512.New()
	default:
		h = sha1.New()
	}
	h.Write([]byte(call + query + secret))
	return hex.EncodeToString(h.Sum(nil))
}

// Sign appends the checksum of call and query to the query, as a client of
// BigBlueButton or Scalelite does.
func Sign(algo, call, query, secret string) string {
	sum := "checksum=" + Checksum(algo, call, query, secret)
	if query == "" {
		return sum
	}
	return query + "&" + sum
}

// lbChecksumAlgorithm recognises the algorithm by the checksum's length,
// as guess_checksum_digest_algorithm in api_helper.rb does: 40, 64 or 128
// hex characters; Scalelite knows no SHA-384 ("" = ChecksumError).
func lbChecksumAlgorithm(sum string) string {
	switch len(sum) {
	case 40:
		return "SHA1"
	case 64:
		return "SHA256"
	case 128:
		return "SHA512"
	}
	return ""
}

// bbbChecksumAlgorithm recognises the algorithm by length as BigBlueButton
// 2.5+ does (it also accepts SHA-384; bigbluebutton-web
// ParamsProcessorUtil/ValidationService "supportedChecksumAlgorithms").
func bbbChecksumAlgorithm(sum string) string {
	if len(sum) == 96 {
		return "SHA384"
	}
	return lbChecksumAlgorithm(sum)
}

// queryRemoveChecksum removes the checksum from a raw query string as
// text, as query_string_remove_checksum in api_helper.rb does (a gsub of
// "&checksum=X", "checksum=X&" or "checksum=X"): the checksum covers the
// query as the client encoded it.
func queryRemoveChecksum(raw, sum string) string {
	q := regexp.QuoteMeta(sum)
	re := regexp.MustCompile("&checksum=" + q + "|checksum=" + q + "&|checksum=" + q)
	return re.ReplaceAllString(raw, "")
}

// wwwFormComponent encodes like Ruby's URI.encode_www_form_component,
// which encode_bbb_uri uses: *-._ and alphanumerics stay, space is "+",
// everything else %XX.
func wwwFormComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// param is one request parameter; params keep the order the client sent,
// as a Ruby Hash does.
type param struct {
	key, value string
	// null is a Ruby nil value: URI.encode_www_form writes the key alone.
	null bool
}

type params []param

func (p params) get(k string) (string, bool) {
	for _, kv := range p {
		if kv.key == k {
			return kv.value, true
		}
	}
	return "", false
}

// set replaces a value in place (a Ruby Hash keeps the key's position) or
// appends it.
func (p *params) set(k, v string) {
	for i := range *p {
		if (*p)[i].key == k {
			(*p)[i].value, (*p)[i].null = v, false
			return
		}
	}
	*p = append(*p, param{key: k, value: v})
}

func (p *params) del(k string) {
	out := (*p)[:0]
	for _, kv := range *p {
		if kv.key != k {
			out = append(out, kv)
		}
	}
	*p = out
}

// encode is URI.encode_www_form.
func (p params) encode() string {
	parts := make([]string, len(p))
	for i, kv := range p {
		parts[i] = wwwFormComponent(kv.key)
		if !kv.null {
			parts[i] += "=" + wwwFormComponent(kv.value)
		}
	}
	return strings.Join(parts, "&")
}

// parseParams reads a raw query or form body keeping the order; a repeated
// key keeps its first place and its last value, as Rack and a Ruby Hash do.
func parseParams(raw string, into *params) {
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		into.set(k, v)
	}
}
