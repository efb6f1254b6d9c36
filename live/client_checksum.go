package live

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
)

// ChecksumAlgorithms are the algorithms live.checksum_algorithm takes:
// those a default Scalelite accepts (LOADBALANCER_CHECKSUM_ALGORITHM
// defaults to SHA1:SHA256:SHA512, app/controllers/concerns/api_helper.rb)
// and BBB accepts since 2.5.
var ChecksumAlgorithms = []string{"sha1", "sha256", "sha512"}

// Checksum is the BBB and Scalelite API checksum: the hex digest of the
// call name, the query string (without checksum) and the shared secret.
// algo is sha1, sha256 or sha512.
func Checksum(algo, call, query, secret string) string {
	var h hash.Hash
	switch algo {
	case "sha1":
		h = sha1.New()
	case "sha512":
		h = sha512.New()
	default:
		h = sha256.New()
	}
	io.WriteString(h, call+query+secret)
	return hex.EncodeToString(h.Sum(nil))
}

// ChecksumAlgo tells the algorithm from a checksum's length, as the
// servers do.
func ChecksumAlgo(sum string) string {
	switch len(sum) {
	case 40:
		return "sha1"
	case 128:
		return "sha512"
	}
	return "sha256"
}
