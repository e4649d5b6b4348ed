package probe

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr string
	}{
		{"0/4", Shard{0, 4}, ""},
		{" 3/4 ", Shard{3, 4}, ""},
		{"0/1", Shard{0, 1}, ""},
		{"4/4", Shard{}, "0 to 3"},
		{"-1/4", Shard{}, "0 to 3"},
		{"1/0", Shard{}, "at least 1"},
		{"1", Shard{}, "want K/N"},
		{"a/4", Shard{}, "whole numbers"},
		{"1/4/5", Shard{}, "whole numbers"},
	}
	for _, tc := range tests {
		got, err := ParseShard(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseShard(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// The partition is a function of the host alone: fixed values pin it across machines and
// Go versions (FNV-1a is specified byte for byte), and every part is covered exactly once.
func TestShardPartition(t *testing.T) {
	// FNV-1a 64 of "example.org" is 0xee7160631269bf51 (computed independently with
	// Python: a loop of h ^= b; h *= 0x100000001b3 from 0xcbf29ce484222325).
	if got := ShardOf(Target{Host: "example.org", Port: 443}, 1<<20); got != int(0xee7160631269bf51%(1<<20)) {
		t.Errorf("ShardOf(example.org, 2^20) = %d, want %d", got, 0xee7160631269bf51%(1<<20))
	}
	// Names pinned to one address go with the address, whatever the names.
	pinned := netip.MustParseAddr("192.0.2.7")
	for i := range 50 {
		a := Target{Host: fmt.Sprintf("site%d.example", i), Port: 443, Addr: pinned}
		if got, want := ShardOf(a, 7), ShardOf(Target{Host: "192.0.2.7"}, 7); got != want {
			t.Fatalf("%s pinned to %v: shard %d, its address's %d", a.Host, pinned, got, want)
		}
	}
	var targets []Target
	for h := range 200 {
		for p := range 3 {
			targets = append(targets, Target{Host: fmt.Sprintf("10.0.%d.%d", h/256, h%256), Port: 443 + p})
		}
	}
	for _, n := range []int{1, 2, 3, 7, 16} {
		seen := map[string]int{}
		hostShard := map[string]int{}
		for k := range n {
			part := Shard{k, n}.Filter(targets)
			if n > 1 && n < 16 && len(part) == 0 {
				t.Errorf("n=%d: shard %d is empty", n, k)
			}
			for _, tg := range part {
				seen[tg.String()]++
				if prev, ok := hostShard[tg.Host]; ok && prev != k {
					t.Errorf("n=%d: host %s in shards %d and %d", n, tg.Host, prev, k)
				}
				hostShard[tg.Host] = k
			}
		}
		if len(seen) != len(targets) {
			t.Errorf("n=%d: %d targets covered, want %d", n, len(seen), len(targets))
		}
		for key, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: %s in %d shards", n, key, c)
			}
		}
	}
}

func TestShardFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		shards  int
		want    Shard
		wantErr string
	}{
		{"nothing", nil, 0, Shard{}, ""},
		{"shards 1 alone", nil, 1, Shard{}, ""},
		{"shards without index", nil, 4, Shard{}, "without an index"},
		{"negative shards", nil, -1, Shard{}, "at least 1"},
		{"k8s", map[string]string{"JOB_COMPLETION_INDEX": "2"}, 4, Shard{2, 4}, ""},
		{"k8s no shards", map[string]string{"JOB_COMPLETION_INDEX": "2"}, 0, Shard{}, "pass --shards N"},
		{"k8s index too big", map[string]string{"JOB_COMPLETION_INDEX": "4"}, 4, Shard{}, "0 to 3"},
		{"k8s bad index", map[string]string{"JOB_COMPLETION_INDEX": "x"}, 4, Shard{}, "not a whole number"},
		{"slurm from 0", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_STEP": "1"}, 0, Shard{3, 4}, ""},
		{"slurm from 1", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4", "SLURM_ARRAY_TASK_STEP": "1"}, 0, Shard{0, 4}, ""},
		{"slurm step 2", map[string]string{"SLURM_ARRAY_TASK_ID": "14", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "14", "SLURM_ARRAY_TASK_STEP": "2"}, 0, Shard{7, 8}, ""},
		{"slurm without MIN/MAX/STEP", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"}, 0, Shard{1, 2}, ""},
		{"slurm shards agrees", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"}, 2, Shard{1, 2}, ""},
		{"slurm shards differs", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"}, 3, Shard{}, "differs"},
		{"slurm irregular", map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "9", "SLURM_ARRAY_TASK_STEP": "1"}, 0, Shard{}, "not a regular range"},
		{"slurm no count", map[string]string{"SLURM_ARRAY_TASK_ID": "4"}, 0, Shard{}, "SLURM_ARRAY_TASK_COUNT is not"},
		{"slurm bad id", map[string]string{"SLURM_ARRAY_TASK_ID": "four", "SLURM_ARRAY_TASK_COUNT": "4"}, 0, Shard{}, "not a whole number"},
		{"k8s wins over slurm", map[string]string{"JOB_COMPLETION_INDEX": "0", "SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"}, 3, Shard{0, 3}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, from, err := ShardFromEnv(func(k string) string { return tc.env[k] }, tc.shards)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %v, %v; want %v", got, err, tc.want)
			}
			if !got.Whole() && !strings.Contains(from, got.String()) {
				t.Errorf("from = %q, want it to name %v", from, got)
			}
		})
	}
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/4", "3/4", "4/4", "-1/2", "1", "a/b", " 2/3 ", "9999999999999999999/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err != nil {
			return
		}
		if sh.K < 0 || sh.K >= sh.N {
			t.Fatalf("ParseShard(%q) = %v: K out of range", s, sh)
		}
		back, err := ParseShard(sh.String())
		if err != nil || back != sh {
			t.Fatalf("round trip of %v: %v, %v", sh, back, err)
		}
	})
}
