package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteTable prints the report as one aligned table, then the first errors.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tsize\tconcurrency\tops/s\tMiB/s\tp50\tp99\terrors\tserver peak RSS\t")
	rss := "n/a"
	if r.PeakRSS >= 0 {
		rss = fmt.Sprintf("%.0f MiB (%s)", float64(r.PeakRSS)/(1<<20), r.RSSSource)
	}
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%s\t%s\t%d\t%s\t\n",
			res.Op, FormatSize(res.Size), res.Concurrency, res.OpsPerSec(), res.MiBPerSec(),
			formatLatency(res.P50), formatLatency(res.P99), res.Errors, rss)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, msg := range r.FirstErrors {
		if _, err := fmt.Fprintf(w, "error: %s\n", msg); err != nil {
			return err
		}
	}
	return nil
}

// formatLatency rounds d to three significant digits.
func formatLatency(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}
