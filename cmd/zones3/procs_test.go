package main

import (
	"math"
	"testing"
)

func TestProcsFor(t *testing.T) {
	for _, tc := range []struct {
		base    int
		blocked float64
		want    int
	}{
		{2, 0, 2},
		{2, 0.4, 2}, // under a half: a reading or idle node stays at base
		{2, 0.6, 3},
		{2, 1.49, 3},
		{2, 2.2, 4},
		{2, 9, 4}, // at most twice the CPUs
		{8, 3.5, 12},
		{1, 5, 2},
		{2, -1, 2},
		{2, math.NaN(), 2},
	} {
		if got := procsFor(tc.base, tc.blocked); got != tc.want {
			t.Errorf("procsFor(%d, %v) = %d, want %d", tc.base, tc.blocked, got, tc.want)
		}
	}
}
