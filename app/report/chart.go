package report

import "math"

// Charts are drawn on the server as SVG by the template views/report/reports.html from
// the geometry worked out here: no charting script. They are readable without colour
// (one series solid, the other hatched, and a legend naming both), carry their values as
// text beside the bars (or, for long series, in each column's title and the gridlines'
// labels), and each has a title, a description and a table of its numbers beside it.

// Geometry of the charts, in the SVG's own units (it scales to the page's width).
const (
	chartWidth = 640
	barLabelW  = 180 // the labels' column of a bar chart
	barValueW  = 170 // room for the value after the longest bar
	barRowH    = 28
	colHeight  = 240
	colTop     = 16
	colBottom  = 204 // the baseline of a column chart
	colLeft    = 56
)

// Series is one series of a chart: its name for the legend, and whether it is hatched.
type Series struct {
	Name    string
	Hatched bool
	X       int // the legend swatch's place
}

// Bar is one row of a bar chart: its label, and a bar of each series.
type Bar struct {
	Label  string
	Y      int // the row's top
	TextY  int
	Shapes []Shape
	Text   string // the values, as text after the bars
	TextX  int
}

// Shape is one bar or column.
type Shape struct {
	X, Y, W, H int
	Hatched    bool
	Title      string // read by screen readers and shown on hover
}

// Tick is a labelled gridline of a column chart, or a label under its columns.
type Tick struct {
	X, Y  int
	Label string
}

// Chart is one chart: drawn (bars across, or columns along a time axis) with the table
// of its numbers.
type Chart struct {
	ID, Title, Desc string
	CSV             string // the address of its rows
	Columns         bool   // a column chart, else bars
	Height          int
	Series          []Series
	Bars            []Bar
	Shapes          []Shape // the columns
	Values          []Tick  // values written above the columns, when few
	Grid            []Tick
	XLabels         []Tick
	Empty           string // said instead of a chart without data
	Table           Table
}

// Table is a chart's numbers: a header and rows, the first cell of each its label.
type Table struct {
	Head []string
	Rows [][]string
}

// barRow is what a bar chart shows of one row: its label, the value of each series (in
// the series' unit) and the text written after it.
type barRow struct {
	Label  string
	Values []float64
	Titles []string
	Text   string
}

// truncate shortens a label for the chart's label column; the table has it whole.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// bars lays out a bar chart: a row per item, each series a bar of its own (the second
// hatched), scaled to the largest value of all.
func bars(c Chart, series []string, rows []barRow) Chart {
	for i, s := range series {
		c.Series = append(c.Series, Series{Name: s, Hatched: i > 0, X: i * 220})
	}
	top := 0.0
	for _, r := range rows {
		for _, v := range r.Values {
			top = max(top, v)
		}
	}
	span := chartWidth - barLabelW - barValueW
	legend := 0
	if len(series) > 1 {
		legend = 24
	}
	rowH := barRowH
	if len(series) > 1 {
		rowH = barRowH + 8
	}
	for i, r := range rows {
		y := legend + i*rowH
		b := Bar{Label: truncate(r.Label, 26), Y: y, TextY: y + rowH/2 + 4, Text: r.Text}
		h := (rowH - 8) / len(series)
		end := barLabelW
		for k, v := range r.Values {
			w := 0
			if top > 0 {
				w = int(v / top * float64(span))
			}
			if v > 0 && w < 1 {
				w = 1
			}
			title := ""
			if k < len(r.Titles) {
				title = r.Titles[k]
			}
			b.Shapes = append(b.Shapes, Shape{X: barLabelW, Y: y + 4 + k*h, W: w, H: h, Hatched: k > 0, Title: title})
			end = max(end, barLabelW+w)
		}
		b.TextX = end + 6
		c.Bars = append(c.Bars, b)
	}
	c.Height = legend + len(rows)*rowH + 4
	if len(rows) == 0 {
		c.Height = 0
	}
	return c
}

// colRow is one period of a column chart.
type colRow struct {
	Label  string
	Values []float64
	Titles []string
	Text   string // written above the column when the chart has few
}

// columns lays out a column chart over periods: the series side by side in each, the
// second hatched; gridlines at a quarter, half, three quarters and all of the scale,
// labelled by label; a label under every few columns.
func columns(c Chart, series []string, rows []colRow, label func(float64) string) Chart {
	c.Columns, c.Height = true, colHeight
	for i, s := range series {
		c.Series = append(c.Series, Series{Name: s, Hatched: i > 0, X: i * 220})
	}
	top := 0.0
	for _, r := range rows {
		for _, v := range r.Values {
			top = max(top, v)
		}
	}
	plot := colBottom - colTop - 24 // room for the legend above
	top = nice(top)
	if top > 0 {
		for q := 1; q <= 4; q++ {
			v := top * float64(q) / 4
			c.Grid = append(c.Grid, Tick{X: colLeft - 6, Y: colBottom - int(float64(plot)*float64(q)/4), Label: label(v)})
		}
	}
	if len(rows) == 0 {
		return c
	}
	slot := float64(chartWidth-colLeft-8) / float64(len(rows))
	w := max(1, int(slot*0.8)/len(series))
	every := (len(rows) + 7) / 8
	for i, r := range rows {
		x0 := colLeft + int(float64(i)*slot+slot*0.1)
		for k, v := range r.Values {
			h := 0
			if top > 0 {
				h = int(v / top * float64(plot))
			}
			if v > 0 && h < 1 {
				h = 1
			}
			title := r.Label
			if k < len(r.Titles) {
				title = r.Titles[k]
			}
			c.Shapes = append(c.Shapes, Shape{X: x0 + k*w, Y: colBottom - h, W: w, H: h, Hatched: k > 0, Title: title})
		}
		if len(rows) <= 12 && r.Text != "" {
			top := colBottom
			for _, s := range c.Shapes[len(c.Shapes)-len(r.Values):] {
				top = min(top, s.Y)
			}
			c.Values = append(c.Values, Tick{X: x0 + w*len(r.Values)/2, Y: top - 4, Label: r.Text})
		}
		if i%every == 0 {
			c.XLabels = append(c.XLabels, Tick{X: x0 + w*len(r.Values)/2, Y: colBottom + 18, Label: r.Label})
		}
	}
	return c
}

// nice rounds a chart's scale up to 1, 2, 4 or 5 times a power of ten (or a quarter of
// one), so its gridlines at quarters fall on round values with short labels.
func nice(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
