package sweep

import (
	"strings"
	"testing"
)

// TestParseShard accepts i/n with 0 <= i < n and nothing else.
func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/2", Shard{0, 2}, true},
		{"3/4", Shard{3, 4}, true},
		{"0/1", Shard{0, 1}, true},
		{"2/2", Shard{}, false},
		{"-1/2", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestShardFromEnv reads the index from AWS Batch, then Kubernetes, and
// rejects an index that is not below the count or is not set at all.
func TestShardFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if s, err := ShardFromEnv(3, env(map[string]string{"JOB_COMPLETION_INDEX": "2"})); err != nil || s != (Shard{2, 3}) {
		t.Errorf("kubernetes index: %v, %v", s, err)
	}
	if s, err := ShardFromEnv(3, env(map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "1", "JOB_COMPLETION_INDEX": "2"})); err != nil || s != (Shard{1, 3}) {
		t.Errorf("AWS Batch index first: %v, %v", s, err)
	}
	if _, err := ShardFromEnv(3, env(map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "3"})); err == nil || !strings.Contains(err.Error(), `AWS_BATCH_JOB_ARRAY_INDEX="3"`) {
		t.Errorf("index 3 of 3: %v", err)
	}
	if _, err := ShardFromEnv(3, env(nil)); err == nil {
		t.Error("no index in the environment was accepted")
	}
}

// TestShardSelectPartitions: the shards of a sweep hold every candidate
// exactly once, and String names them as Meta.Shard records them.
func TestShardSelectPartitions(t *testing.T) {
	var cands []Candidate
	for i := range 7 {
		cands = append(cands, Candidate{Index: i})
	}
	seen := map[int]int{}
	for i := range 3 {
		for _, c := range (Shard{i, 3}).Select(cands) {
			if c.Index%3 != i {
				t.Errorf("shard %d/3 holds candidate %d", i, c.Index)
			}
			seen[c.Index]++
		}
	}
	for i := range 7 {
		if seen[i] != 1 {
			t.Errorf("candidate %d in %d shards", i, seen[i])
		}
	}
	if len(Unsharded.Select(cands)) != 7 || Unsharded.String() != "all" || (Shard{1, 3}).String() != "1/3" {
		t.Error("unsharded selection or names wrong")
	}
}
