package lifecycle

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// manyRules is a configuration of n rules with distinct prefixes, the
// last of which matches "p-last/obj".
func manyRules(n int) string {
	var b strings.Builder
	for i := range n - 1 {
		fmt.Fprintf(&b, `<Rule><ID>r%d</ID><Filter><And><Prefix>p%d/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>`+
			`<Status>Enabled</Status><Expiration><Days>%d</Days></Expiration></Rule>`, i, i, i+1)
	}
	b.WriteString(`<Rule><ID>last</ID><Filter><Prefix>p-last/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>` +
		`<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`)
	return config(b.String())
}

func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1, 10, 1000} {
		for _, day := range []time.Duration{Day, 1500 * time.Millisecond} {
			b.Run(fmt.Sprintf("rules=%d/day=%v", n, day), func(b *testing.B) {
				c, err := Parse(strings.NewReader(manyRules(n)))
				if err != nil {
					b.Fatal(err)
				}
				obj := Object{Key: "p-last/obj", Size: 100, Tags: map[string]string{"k": "v"},
					ModTime: utc(2024, 1, 1, 10, 0), IsLatest: true, Versioned: true}
				now := utc(2024, 3, 1, 0, 0)
				b.ReportAllocs()
				for b.Loop() {
					if c.Evaluate(obj, now, day).Type != ActionAddDeleteMarker {
						b.Fatal("no action")
					}
				}
			})
		}
	}
}

func BenchmarkParse(b *testing.B) {
	doc := manyRules(MaxRules)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(strings.NewReader(doc)); err != nil {
			b.Fatal(err)
		}
	}
}
