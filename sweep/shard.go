package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a sweep split over machines: the candidates whose
// index mod Count is Index. Shards of one sweep are joined with Merge.
type Shard struct {
	Index, Count int
}

// Unsharded is the whole sweep on one machine.
var Unsharded = Shard{Index: 0, Count: 1}

// ShardIndexVars are the variables batch systems set to an array job's
// index: AWS Batch array jobs and Kubernetes indexed Jobs.
var ShardIndexVars = []string{"AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX"}

// ParseShard reads "i/n" with 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("want i/n with 0 <= i < n, got %q", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// ShardFromEnv is shard i of count, i read from the first of
// ShardIndexVars that getenv finds set.
func ShardFromEnv(count int, getenv func(string) string) (Shard, error) {
	for _, name := range ShardIndexVars {
		if v := getenv(name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 || i >= count {
				return Shard{}, fmt.Errorf("%s=%q is not a shard index below %d", name, v, count)
			}
			return Shard{Index: i, Count: count}, nil
		}
	}
	return Shard{}, fmt.Errorf("no shard index: none of %s is set", strings.Join(ShardIndexVars, ", "))
}

// Sharded reports whether the sweep is split.
func (s Shard) Sharded() bool { return s.Count > 1 }

// String is "i/n", or "all" for the whole sweep, as Meta.Shard records it.
func (s Shard) String() string {
	if !s.Sharded() {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Select keeps the shard's candidates, in order.
func (s Shard) Select(cands []Candidate) []Candidate {
	if !s.Sharded() {
		return cands
	}
	var out []Candidate
	for _, c := range cands {
		if c.Index%s.Count == s.Index {
			out = append(out, c)
		}
	}
	return out
}
