package report

import (
	"html"
	"html/template"
	"strconv"
	"strings"

	"tugi/app/i18n"
)

// The charts are written here rather than by the template: a year's page has some 1,500
// shapes and cells, and html/template's reflection and escaping per action was most of the
// page's cost. Every text is escaped with html.EscapeString, as the template would.

// renderCharts writes every chart's section: its heading and CSV link, its description,
// the SVG and the table of its numbers.
func renderCharts(lang string, charts []Chart) template.HTML {
	var b strings.Builder
	b.Grow(64 << 10)
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	num := func(n int) { b.WriteString(strconv.Itoa(n)) }
	attr := func(name string, n int) {
		b.WriteString(` ` + name + `="`)
		num(n)
		b.WriteString(`"`)
	}
	for _, c := range charts {
		id := html.EscapeString(c.ID)
		b.WriteString(`<section class="card report-chart" id="chart-` + id + `" aria-labelledby="` + id + `-h">`)
		b.WriteString(`<div class="page-head"><h2 id="` + id + `-h">`)
		esc(c.Title)
		b.WriteString(`</h2><a class="button subtle" href="`)
		esc(c.CSV)
		b.WriteString(`" hx-boost="false" download>`)
		esc(i18n.T(lang, "Rows as CSV"))
		b.WriteString(`</a></div><p class="hint">`)
		esc(c.Desc)
		b.WriteString(`</p>`)
		if c.Empty != "" {
			b.WriteString(`<p class="empty">`)
			esc(c.Empty)
			b.WriteString(`</p></section>`)
			continue
		}
		b.WriteString(`<div class="report-grid"><figure class="chart"><svg viewBox="0 0 640 `)
		num(c.Height)
		b.WriteString(`" width="640"`)
		attr("height", c.Height)
		b.WriteString(` role="img" aria-labelledby="` + id + `-title ` + id + `-desc" focusable="false"><title id="` + id + `-title">`)
		esc(c.Title)
		b.WriteString(`</title><desc id="` + id + `-desc">`)
		esc(c.Desc)
		b.WriteString(`</desc><defs><pattern id="` + id + `-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
			`<rect width="6" height="6" fill="#ffffff"/><rect width="2.5" height="6" fill="currentColor"/></pattern></defs>`)
		fill := func(hatched bool) {
			if hatched {
				b.WriteString(` fill="url(#` + id + `-hatch)" stroke="currentColor" stroke-width="0.5"`)
			} else {
				b.WriteString(` fill="currentColor"`)
			}
		}
		shape := func(s Shape) {
			b.WriteString(`<rect`)
			attr("x", s.X)
			attr("y", s.Y)
			attr("width", s.W)
			attr("height", s.H)
			fill(s.Hatched)
			b.WriteString(`><title>`)
			esc(s.Title)
			b.WriteString(`</title></rect>`)
		}
		text := func(t Tick, anchor, class string) {
			b.WriteString(`<text`)
			attr("x", t.X)
			attr("y", t.Y)
			if anchor != "" {
				b.WriteString(` text-anchor="` + anchor + `"`)
			}
			if class != "" {
				b.WriteString(` class="` + class + `"`)
			}
			b.WriteString(`>`)
			esc(t.Label)
			b.WriteString(`</text>`)
		}
		if len(c.Series) > 1 {
			b.WriteString(`<g class="legend">`)
			for _, s := range c.Series {
				b.WriteString(`<rect`)
				attr("x", s.X)
				b.WriteString(` y="2" width="16" height="12"`)
				fill(s.Hatched)
				b.WriteString(`/>`)
				text(Tick{X: s.X + 22, Y: 13, Label: s.Name}, "", "")
			}
			b.WriteString(`</g>`)
		}
		if c.Columns {
			for _, g := range c.Grid {
				b.WriteString(`<line x1="56" x2="632"`)
				attr("y1", g.Y)
				attr("y2", g.Y)
				b.WriteString(` stroke="currentColor" stroke-opacity="0.2"/>`)
				text(Tick{X: g.X, Y: g.Y + 4, Label: g.Label}, "end", "")
			}
			b.WriteString(`<line x1="56" x2="632" y1="204" y2="204" stroke="currentColor"/>`)
			for _, s := range c.Shapes {
				shape(s)
			}
			for _, v := range c.Values {
				text(v, "middle", "value")
			}
			for _, l := range c.XLabels {
				text(l, "middle", "")
			}
		} else {
			for _, r := range c.Bars {
				b.WriteString(`<g>`)
				text(Tick{X: barLabelW - 8, Y: r.TextY, Label: r.Label}, "end", "")
				for _, s := range r.Shapes {
					shape(s)
				}
				text(Tick{X: r.TextX, Y: r.TextY, Label: r.Text}, "", "value")
				b.WriteString(`</g>`)
			}
		}
		b.WriteString(`</svg></figure><div class="table-wrap"><table class="report-table" id="` + id + `-table"><caption class="visually-hidden">`)
		esc(c.Title)
		b.WriteString(`</caption><thead><tr>`)
		for _, h := range c.Table.Head {
			b.WriteString(`<th scope="col">`)
			esc(h)
			b.WriteString(`</th>`)
		}
		b.WriteString(`</tr></thead><tbody>`)
		for _, row := range c.Table.Rows {
			b.WriteString(`<tr>`)
			for i, cell := range row {
				if i == 0 {
					b.WriteString(`<th scope="row">`)
					esc(cell)
					b.WriteString(`</th>`)
				} else {
					b.WriteString(`<td class="num">`)
					esc(cell)
					b.WriteString(`</td>`)
				}
			}
			b.WriteString(`</tr>`)
		}
		b.WriteString(`</tbody></table></div></div></section>`)
	}
	return template.HTML(b.String()) // every text above is escaped
}
