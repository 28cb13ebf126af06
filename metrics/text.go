// Package metrics renders lvsctl's Prometheus metrics in the text
// exposition format (version 0.0.4), and serves them over HTTP.
//
// The format is written by hand rather than through client_golang: the
// values are read fresh from the kernel on every scrape, so a registry of
// long-lived collectors would only add a copy of the table.
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ContentType is what an HTTP scrape answers with.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Metric types.
const (
	Counter   = "counter"
	Gauge     = "gauge"
	Histogram = "histogram"
)

// Label is one name="value" pair.
type Label struct{ Name, Value string }

// L builds labels from name, value pairs.
func L(kv ...string) []Label {
	out := make([]Label, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Label{kv[i], kv[i+1]})
	}
	return out
}

type sample struct {
	suffix string
	labels []Label
	value  string
}

// Family is one metric name with its HELP, TYPE and samples.
type Family struct {
	Name, Type, Help string
	samples          []sample
}

// Add appends a sample.
func (f *Family) Add(v float64, labels []Label) {
	f.samples = append(f.samples, sample{labels: labels, value: formatFloat(v)})
}

// AddUint appends a sample whose value is an exact integer (byte counters
// pass 2^53 and must not be rounded through a float).
func (f *Family) AddUint(v uint64, labels []Label) {
	f.samples = append(f.samples, sample{labels: labels, value: strconv.FormatUint(v, 10)})
}

// AddHistogram appends the _bucket, _sum and _count samples of h.
func (f *Family) AddHistogram(h *HistogramData, labels []Label) {
	var cum uint64
	for i, b := range h.Bounds {
		cum += h.Counts[i]
		f.samples = append(f.samples, sample{suffix: "_bucket", labels: withLabel(labels, "le", formatFloat(b)), value: strconv.FormatUint(cum, 10)})
	}
	f.samples = append(f.samples,
		sample{suffix: "_bucket", labels: withLabel(labels, "le", "+Inf"), value: strconv.FormatUint(h.Count, 10)},
		sample{suffix: "_sum", labels: labels, value: formatFloat(h.Sum)},
		sample{suffix: "_count", labels: labels, value: strconv.FormatUint(h.Count, 10)})
}

func withLabel(labels []Label, name, value string) []Label {
	out := make([]Label, 0, len(labels)+1)
	return append(append(out, labels...), Label{name, value})
}

// Set is an ordered collection of families: the order they were first
// asked for is the order they are written in.
type Set struct {
	fams   []*Family
	byName map[string]*Family
}

// Family returns the family called name, creating it on first use.
func (s *Set) Family(name, typ, help string) *Family {
	if f, ok := s.byName[name]; ok {
		return f
	}
	if s.byName == nil {
		s.byName = map[string]*Family{}
	}
	f := &Family{Name: name, Type: typ, Help: help}
	s.byName[name] = f
	s.fams = append(s.fams, f)
	return f
}

// WriteTo writes every family in the text format. Families without
// samples are left out, as a registry would.
func (s *Set) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, f := range s.fams {
		if len(f.samples) == 0 {
			continue
		}
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", f.Name, escapeHelp(f.Help), f.Name, f.Type)
		for _, smp := range f.samples {
			b.WriteString(f.Name)
			b.WriteString(smp.suffix)
			writeLabels(&b, smp.labels)
			b.WriteByte(' ')
			b.WriteString(smp.value)
			b.WriteByte('\n')
		}
	}
	n, err := io.WriteString(w, b.String())
	if err != nil {
		return int64(n), fmt.Errorf("write metrics: %w", err)
	}
	return int64(n), nil
}

func writeLabels(b *strings.Builder, labels []Label) {
	if len(labels) == 0 {
		return
	}
	b.WriteByte('{')
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.Name)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(l.Value))
		b.WriteByte('"')
	}
	b.WriteByte('}')
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// HistogramData is a cumulative-on-output histogram: Counts[i] counts the
// observations in (Bounds[i-1], Bounds[i]]; Count includes those above the
// last bound.
type HistogramData struct {
	Bounds []float64
	Counts []uint64
	Sum    float64
	Count  uint64
}

// NewHistogram returns an empty histogram over bounds (sorted here).
func NewHistogram(bounds []float64) *HistogramData {
	b := append([]float64(nil), bounds...)
	sort.Float64s(b)
	return &HistogramData{Bounds: b, Counts: make([]uint64, len(b))}
}

// Observe adds one value.
func (h *HistogramData) Observe(v float64) {
	h.Count++
	h.Sum += v
	if i := sort.SearchFloat64s(h.Bounds, v); i < len(h.Bounds) {
		h.Counts[i]++
	}
}

// Clone returns a copy that later observations do not change.
func (h *HistogramData) Clone() *HistogramData {
	c := *h
	c.Bounds = append([]float64(nil), h.Bounds...)
	c.Counts = append([]uint64(nil), h.Counts...)
	return &c
}
