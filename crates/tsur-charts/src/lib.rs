//! The charts of `tsur`, drawn by [`plotters`] as SVG text: appeals over time with the
//! early-warning incidents marked ([`timeline`]), and how answers came against their deadline
//! ([`replies`]). The situation room's panel shows them and reports embed the same SVG, so
//! there is one drawing code for both.
//!
//! The crate is pure: plain data in (counts per day, lateness in milliseconds, labels that
//! the caller has already made safe to show), an SVG `String` out. It reads no clock, no
//! file and no database; `tsur-api` computes the series from the analytics' snapshot.
//!
//! Text is written as SVG `<text>` elements with a generic `sans-serif` family and anchored
//! by `text-anchor`, so whoever renders the SVG (the Tauri web view, a browser, a report's
//! viewer) lays it out with its own fonts. Plotters is built without its font stack: its
//! built-in estimate of a text's size is used only for the few things plotters places by
//! itself (the y labels' area is a fixed width here), and the legends are placed by this
//! crate's own estimate ([`draw::text_width`]). No font file is bundled and none is looked
//! up at run time.
//!
//! Everything a person reads on a chart is Russian; dates are `dd.mm` on the axes and
//! `dd.mm.yyyy` in the subtitles, days being local days of Europe/Astrakhan as the caller
//! counted them.
#![deny(missing_docs)]

mod draw;
pub mod replies;
pub mod timeline;

pub use replies::{replies_svg, ReplyBin, ReplyTimes};
pub use timeline::{buckets, timeline_svg, Bucket, Incident, Step, Timeline};

/// Light for the laptop's panel and reports, dark for the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark text on white.
    #[default]
    Light,
    /// Light text on the wall's dark blue.
    Dark,
}

/// The size and theme of one chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels (at least [`Frame::MIN_WIDTH`]).
    pub width: u32,
    /// Height in pixels (at least [`Frame::MIN_HEIGHT`]).
    pub height: u32,
    /// Colours.
    pub theme: Theme,
}

impl Frame {
    /// Narrower charts are drawn at this width (the layout needs room for labels).
    pub const MIN_WIDTH: u32 = 240;
    /// Lower charts are drawn at this height.
    pub const MIN_HEIGHT: u32 = 160;
    /// Wider or higher charts are drawn at this size.
    pub const MAX_SIDE: u32 = 4000;

    /// A frame of the panel's width in `theme`.
    pub fn panel(theme: Theme) -> Frame {
        Frame { theme, ..Frame::default() }
    }

    /// The size actually drawn: clamped to the limits.
    pub fn size(&self) -> (u32, u32) {
        (self.width.clamp(Frame::MIN_WIDTH, Frame::MAX_SIDE), self.height.clamp(Frame::MIN_HEIGHT, Frame::MAX_SIDE))
    }
}

impl Default for Frame {
    /// 420 × 240, light: the situation room's panel.
    fn default() -> Frame {
        Frame { width: 420, height: 240, theme: Theme::Light }
    }
}

/// Plotters refused to draw (a bug of this crate: drawing into a string has no outside cause).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("график не построен: {0}")]
pub struct ChartError(pub String);

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> ChartError {
        ChartError(e.to_string())
    }
}
