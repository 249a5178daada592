//! What both charts share: the palettes, text styles, the header (title, subtitle, legend),
//! the "нет данных" chart and Russian number formatting.

use crate::{ChartError, Frame, Theme};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The drawing area of a whole chart.
pub(crate) type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Plotters' SVG backend writes `font-size` as the style's size divided by 1.24; sizes here
/// are the pixels that end up in the SVG.
const SVG_FONT_SCALE: f64 = 1.24;

/// Font size of titles, px.
pub(crate) const TITLE_PX: f64 = 14.0;
/// Font size of subtitles, legends and labels, px.
pub(crate) const LABEL_PX: f64 = 11.0;
/// Font size of the axes' captions and markers' labels, px.
pub(crate) const SMALL_PX: f64 = 10.0;
/// Left and right padding of the header, px.
pub(crate) const PAD: i32 = 10;

/// The colours of one theme.
pub(crate) struct Palette {
    pub background: RGBColor,
    pub text: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    /// The appeals' line; answers on time.
    pub series: RGBColor,
    /// Incidents' bands and labels; late answers.
    pub alarm: RGBColor,
    /// Appeals still unanswered past their deadline.
    pub overdue: RGBColor,
}

impl Theme {
    pub(crate) fn palette(self) -> Palette {
        match self {
            // The panel's own colours (ui/src/styles.css): surface, text, muted, line, accent, danger.
            Theme::Light => Palette {
                background: RGBColor(0xff, 0xff, 0xff),
                text: RGBColor(0x11, 0x18, 0x27),
                muted: RGBColor(0x6b, 0x72, 0x80),
                grid: RGBColor(0xe5, 0xe7, 0xeb),
                series: RGBColor(0x1d, 0x4e, 0xd8),
                alarm: RGBColor(0xdc, 0x26, 0x26),
                overdue: RGBColor(0x7f, 0x1d, 0x1d),
            },
            // The wall's surface and text, with lighter accents that read on dark blue.
            Theme::Dark => Palette {
                background: RGBColor(0x11, 0x1a, 0x2e),
                text: RGBColor(0xe5, 0xe7, 0xeb),
                muted: RGBColor(0x9c, 0xa3, 0xaf),
                grid: RGBColor(0x24, 0x30, 0x4d),
                series: RGBColor(0x60, 0xa5, 0xfa),
                alarm: RGBColor(0xf8, 0x71, 0x71),
                overdue: RGBColor(0xfc, 0xa5, 0xa5),
            },
        }
    }
}

/// The size to give plotters for `px` in the SVG: the nearest float whose quotient by the
/// backend's scale is `px` exactly (so the SVG says `13`, not `13.000000000000002`).
fn plotters_size(px: f64) -> f64 {
    let scaled = px * SVG_FONT_SCALE;
    let near = |k: i64| f64::from_bits((scaled.to_bits() as i64 + k) as u64);
    [0, 1, -1, 2, -2].into_iter().map(near).find(|s| s / SVG_FONT_SCALE == px).unwrap_or(scaled)
}

/// A text style of `px` pixels in the SVG.
pub(crate) fn font(px: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle { color: color.to_backend_color(), ..TextStyle::from(("sans-serif", plotters_size(px)).into_font()) }
}

/// A bold text style of `px` pixels in the SVG.
pub(crate) fn bold(px: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle { color: color.to_backend_color(), ..TextStyle::from(("sans-serif", plotters_size(px), FontStyle::Bold).into_font()) }
}

/// `style` anchored at its left (or centre, right) edge and its top (or middle) line.
pub(crate) fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// About how wide `text` is at `px` in a common sans-serif face (mean advance ≈ 0.56 em for
/// Cyrillic and digits): enough to place legend items one after another.
pub(crate) fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * px * 0.56).ceil() as i32
}

/// `text` cut to about `width` pixels at `px`, with an ellipsis when cut.
pub(crate) fn fit(text: &str, px: f64, width: i32) -> String {
    let max = ((f64::from(width.max(0)) / (px * 0.56)).floor() as usize).max(1);
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// A caller's text made fit for XML: control characters (not allowed in XML 1.0 even
/// escaped) become spaces, runs of white space one.
pub(crate) fn clean(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// How a legend item is marked.
pub(crate) enum Mark {
    /// A short line of the series' colour.
    Line(RGBColor),
    /// A filled square (with the opacity of the marked area).
    Square(RGBColor, f64),
}

/// Title, subtitle and a legend that wraps to the width; returns where the plot may start.
pub(crate) fn header(root: &Root, pal: &Palette, title: &str, subtitle: &str, legend: &[(Mark, String)]) -> Result<i32, ChartError> {
    let (width, _) = root.dim_in_pixel();
    let width = width as i32;
    root.draw(&Text::new(fit(title, TITLE_PX, width - 2 * PAD), (PAD, 7), anchored(bold(TITLE_PX, pal.text), HPos::Left, VPos::Top)))?;
    root.draw(&Text::new(fit(subtitle, LABEL_PX, width - 2 * PAD), (PAD, 25), anchored(font(LABEL_PX, pal.muted), HPos::Left, VPos::Top)))?;
    let (mut x, mut y) = (PAD, 42);
    for (i, (mark, label)) in legend.iter().enumerate() {
        let item = 16 + text_width(label, LABEL_PX);
        if i > 0 && x + item > width - PAD {
            x = PAD;
            y += 15;
        }
        let middle = y + 6;
        match mark {
            Mark::Line(c) => root.draw(&PathElement::new(vec![(x, middle), (x + 12, middle)], c.stroke_width(2)))?,
            Mark::Square(c, alpha) => root.draw(&Rectangle::new([(x + 1, middle - 5), (x + 11, middle + 5)], c.mix(*alpha).filled()))?,
        }
        let label = fit(label, LABEL_PX, width - PAD - x - 16);
        root.draw(&Text::new(label, (x + 16, middle), anchored(font(LABEL_PX, pal.text), HPos::Left, VPos::Center)))?;
        x += item + 12;
    }
    Ok(if legend.is_empty() { y } else { y + 18 })
}

/// A plot's coordinates: days (or bins) across, counts up.
pub(crate) type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The plot below the header (`top` px) with `bottom` px under its own labels: a count axis
/// `0..y_top` on the left with its grid lines, `x` across without labels (each chart writes
/// its own, where plotters would put them at arbitrary fractions).
pub(crate) fn plot<'a, 'b>(root: &'a Root<'b>, pal: &Palette, top: i32, bottom: u32, x: std::ops::Range<f64>, y_top: f64) -> Result<Plot<'a, 'b>, ChartError> {
    let mut chart = ChartBuilder::on(root)
        .margin_top(top.max(0) as u32)
        .margin_right(14)
        .margin_left(4)
        .margin_bottom(bottom)
        .x_label_area_size(18)
        .y_label_area_size(40)
        .build_cartesian_2d(x, 0f64..y_top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(5)
        .max_light_lines(0)
        .bold_line_style(pal.grid.stroke_width(1))
        .axis_style(pal.muted.stroke_width(1))
        .label_style(font(LABEL_PX, pal.muted))
        .y_label_formatter(&|v| axis_value(*v))
        .draw()?;
    Ok(chart)
}

/// The background of the whole chart.
pub(crate) fn background<'a>(out: &'a mut String, frame: &Frame) -> Result<(Root<'a>, Palette), ChartError> {
    let pal = frame.theme.palette();
    let root = SVGBackend::with_string(out, frame.size()).into_drawing_area();
    root.fill(&pal.background)?;
    Ok((root, pal))
}

/// A chart with its title and «нет данных» in the middle: what an empty series draws.
pub(crate) fn empty(frame: &Frame, title: &str, subtitle: &str) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let (root, pal) = background(&mut out, frame)?;
        header(&root, &pal, title, subtitle, &[])?;
        let (w, h) = frame.size();
        root.draw(&Text::new(NO_DATA, (w as i32 / 2, h as i32 / 2 + 14), anchored(font(TITLE_PX, pal.muted), HPos::Center, VPos::Center)))?;
        root.present()?;
    }
    Ok(out)
}

/// What an empty chart says.
pub const NO_DATA: &str = "нет данных";

/// A count as Russians write it: `12 345` (thin groups by a no-break space).
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// A value of an axis: whole numbers grouped, fractions with a decimal comma.
pub(crate) fn axis_value(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        count(v.round().max(0.0) as u64)
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

/// A share 0–1 as `82,5 %`.
pub(crate) fn percent(part: u64, whole: u64) -> String {
    let p = if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 };
    format!("{p:.1}\u{a0}%").replace('.', ",")
}

/// The top of a count axis: a little above the largest value, at a round number.
pub(crate) fn axis_top(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 || max.is_infinite() {
        return 1.0;
    }
    let raw = max * 1.05;
    let magnitude = 10f64.powf((raw / 5.0).log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| raw <= *s * 5.0).unwrap_or(magnitude * 10.0);
    (raw / step).ceil() * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_in_russian() {
        let cases: [(u64, &str); 5] = [(0, "0"), (999, "999"), (1000, "1\u{a0}000"), (12345, "12\u{a0}345"), (1234567, "1\u{a0}234\u{a0}567")];
        for (n, text) in cases {
            assert_eq!(count(n), text);
        }
        assert_eq!(axis_value(2.5), "2,5");
        assert_eq!(axis_value(40.0), "40");
        assert_eq!(percent(1, 3), "33,3\u{a0}%");
        assert_eq!(percent(0, 0), "0,0\u{a0}%");
    }

    #[test]
    fn the_axis_top_is_round_and_above_the_data() {
        for (max, top) in [(0.0, 1.0), (f64::NAN, 1.0), (1.0, 1.25), (7.0, 8.0), (38.0, 40.0), (97.0, 125.0), (364.0, 400.0), (1234.0, 1500.0)] {
            let got = axis_top(max);
            assert_eq!(got, top, "{max}");
            assert!(got >= max || !max.is_finite());
        }
    }

    #[test]
    fn control_characters_do_not_reach_the_svg() {
        for (text, clean_text) in [("Астрахань — ТКО", "Астрахань — ТКО"), ("a\u{0}b\u{1b}c", "a b c"), ("  два\n\tслова ", "два слова"), ("\u{7}", "")]
        {
            assert_eq!(clean(text), clean_text);
        }
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(fit("коротко", 10.0, 200), "коротко");
        let cut = fit("Очень длинное название темы обращения", 10.0, 60);
        assert!(cut.ends_with('…') && cut.chars().count() <= 10, "{cut}");
    }
}
