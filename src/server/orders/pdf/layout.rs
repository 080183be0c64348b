//! Text made safe to draw, wrapped to a width measured from the font's
//! advances, and laid out down A4 pages: rows of cells that continue on a
//! new page when they reach the bottom, with a table's heading repeated.

use super::font::{Fonts, Weight};

pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
/// 18 mm either side.
pub const MARGIN: f32 = 51.0;
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f32 = PAGE_HEIGHT - 48.0;
/// Room below for the footer.
pub const BOTTOM: f32 = 64.0;
/// The footer's baseline.
pub const FOOTER_Y: f32 = 36.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub weight: Weight,
    pub size: f32,
    /// 0 is black.
    pub gray: f32,
}

impl Style {
    fn line_height(self) -> f32 {
        self.size * 1.3
    }
}

/// `text` as it can be drawn: control and formatting characters (bidi
/// marks and overrides, zero-width characters, soft hyphens) dropped, since
/// the font has no glyph for them and no shaping honours them; other
/// spacing made a plain space, runs of spaces one space, each line trimmed.
/// Line breaks are kept for `multiline` text (at most one blank line in a
/// row), and become spaces otherwise.
pub fn clean(text: &str, multiline: bool) -> String {
    let mut flat = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                flat.push(if multiline { '\n' } else { ' ' })
            }
            '\t' => flat.push(' '),
            c if invisible(c) => {}
            // The no-break spaces keep their meaning: `wrap` breaks only at ' '.
            '\u{A0}' | '\u{2007}' | '\u{202F}' => flat.push(c),
            c if c.is_whitespace() => flat.push(' '),
            c => flat.push(c),
        }
    }
    let mut lines: Vec<String> = Vec::new();
    for line in flat.split('\n') {
        let line = line.split(' ').filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ");
        if !(line.is_empty() && lines.last().is_none_or(String::is_empty)) {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

fn invisible(c: char) -> bool {
    let noncharacter = (c as u32 & 0xFFFE) == 0xFFFE || ('\u{FDD0}'..='\u{FDEF}').contains(&c);
    noncharacter
        || c.is_control()
        || matches!(c,
            '\u{AD}' | '\u{61C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// A combining mark, which stays with the character before it when a word
/// is broken.
fn combining(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36F}' | '\u{483}'..='\u{489}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Cleaned `text` in lines no wider than `max` by `width`: a paragraph per
/// line break, broken at spaces, and a word wider than a line broken
/// between characters (the rest continuing on the next line). Every line
/// holds at least one character, so a width too narrow for any still ends.
pub fn wrap(text: &str, max: f32, width: impl Fn(&str) -> f32) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let space = width(" ");
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let (mut line, mut used) = (String::new(), 0.0);
        for word in paragraph.split(' ').filter(|word| !word.is_empty()) {
            let wide = width(word);
            if !line.is_empty() {
                if used + space + wide <= max {
                    line.push(' ');
                    line.push_str(word);
                    used += space + wide;
                    continue;
                }
                lines.push(std::mem::take(&mut line));
            }
            if wide <= max {
                (line, used) = (word.to_string(), wide);
                continue;
            }
            // Too wide for any line: as many characters as fit, line by line.
            used = 0.0;
            let mut chars = word.chars().peekable();
            while let Some(c) = chars.next() {
                let mut cluster = c.to_string();
                while let Some(mark) = chars.next_if(|&next| combining(next)) {
                    cluster.push(mark);
                }
                let wide = width(&cluster);
                if !line.is_empty() && used + wide > max {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                }
                line.push_str(&cluster);
                used += wide;
            }
        }
        lines.push(line);
    }
    lines
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Clone, Debug)]
struct Line {
    text: String,
    style: Style,
    width: f32,
}

/// A column of a row: its lines, wrapped to its width.
#[derive(Clone, Debug)]
pub struct Cell {
    x: f32,
    width: f32,
    align: Align,
    lines: Vec<Line>,
}

impl Cell {
    pub fn new(x: f32, width: f32, align: Align) -> Self {
        Self { x, width, align, lines: Vec::new() }
    }

    /// `text` in paragraphs (its line breaks kept), wrapped.
    pub fn text(self, fonts: &Fonts, text: &str, style: Style) -> Self {
        self.add(fonts, &clean(text, true), style)
    }

    /// `text` as one paragraph (line breaks become spaces), wrapped.
    pub fn line(self, fonts: &Fonts, text: &str, style: Style) -> Self {
        self.add(fonts, &clean(text, false), style)
    }

    fn add(mut self, fonts: &Fonts, text: &str, style: Style) -> Self {
        let font = fonts.get(style.weight);
        let width = |s: &str| font.width(s, style.size);
        for text in wrap(text, self.width, width) {
            let width = width(&text);
            self.lines.push(Line { text, style, width });
        }
        self
    }
}

/// Cells side by side. Drawn line by line, so a row taller than what is
/// left of a page (a description of many paragraphs) continues on the next.
#[derive(Clone, Debug, Default)]
pub struct Row {
    cells: Vec<Cell>,
    /// Space above and below the lines.
    pad: f32,
    /// A background behind the row.
    fill: Option<f32>,
    /// A hairline below the row: its gray and where it starts (it ends at
    /// the right margin).
    rule: Option<(f32, f32)>,
}

impl Row {
    pub fn new(cells: Vec<Cell>) -> Self {
        Self { cells, ..Self::default() }
    }

    pub fn pad(self, pad: f32) -> Self {
        Self { pad, ..self }
    }

    pub fn fill(self, gray: f32) -> Self {
        Self { fill: Some(gray), ..self }
    }

    pub fn rule(self, gray: f32) -> Self {
        self.rule_from(gray, MARGIN)
    }

    pub fn rule_from(self, gray: f32, x: f32) -> Self {
        Self { rule: Some((gray, x)), ..self }
    }

    fn count(&self) -> usize {
        self.cells.iter().map(|cell| cell.lines.len()).max().unwrap_or(0)
    }

    /// The height of the `i`th line across the cells, and its baseline below
    /// its top (the cells' baselines aligned).
    fn slice(&self, i: usize) -> (f32, f32) {
        let styles = self.cells.iter().filter_map(|cell| cell.lines.get(i)).map(|line| line.style);
        let (height, size) =
            styles.fold((0.0f32, 0.0f32), |(h, s), style| (h.max(style.line_height()), s.max(style.size)));
        (height, size * 1.05)
    }

    fn height(&self) -> f32 {
        (0..self.count()).map(|i| self.slice(i).0).sum::<f32>() + 2.0 * self.pad
    }
}

/// What a page shows, in page coordinates (points from the bottom left).
#[derive(Clone, Debug)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        gray: f32,
    },
    /// A hairline from `x` to the right margin.
    Rule {
        x: f32,
        y: f32,
        gray: f32,
    },
}

/// The pages being laid out, top to bottom.
pub struct Flow {
    pages: Vec<Vec<Op>>,
    y: f32,
    /// The heading of the table being laid out, repeated on each new page.
    heading: Option<Row>,
    /// Nothing but a repeated heading drawn on this page yet.
    fresh: bool,
}

impl Flow {
    pub fn new() -> Self {
        Self { pages: vec![Vec::new()], y: TOP, heading: None, fresh: true }
    }

    fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    fn fresh_room(&self) -> f32 {
        TOP - BOTTOM - self.heading.as_ref().map_or(0.0, Row::height)
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a flow has a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
        if let Some(heading) = self.heading.take() {
            self.draw(&heading, 0..heading.count());
            self.heading = Some(heading);
        }
        self.fresh = true;
    }

    /// Vertical space, none at the top of a page.
    pub fn gap(&mut self, height: f32) {
        if self.fresh {
            return;
        }
        if height < self.room() { self.y -= height } else { self.new_page() }
    }

    /// Starts a new page unless `rows` fit on this one, if they fit on one.
    pub fn keep_together(&mut self, rows: &[&Row]) {
        let height: f32 = rows.iter().map(|row| row.height()).sum();
        if height > self.room() && height <= self.fresh_room() && !self.fresh {
            self.new_page();
        }
    }

    /// A table's heading, repeated on every page the table continues on
    /// until [`Flow::end_table`]; kept with the table's first row.
    pub fn start_table(&mut self, heading: Row, first: Option<&Row>) {
        self.keep_together(&[&heading, first.unwrap_or(&Row::default())]);
        self.row(&heading);
        self.heading = Some(heading);
    }

    pub fn end_table(&mut self) {
        self.heading = None;
    }

    /// A row, on a new page if it fits on none but a new one; its lines
    /// continue on further pages if it fits on no page.
    pub fn row(&mut self, row: &Row) {
        self.keep_together(&[row]);
        let count = row.count();
        let (mut from, mut used) = (0, row.pad);
        for i in 0..count {
            let height = row.slice(i).0;
            if used + height + row.pad > self.room() && (i > from || !self.fresh) {
                if i > from {
                    self.draw(row, from..i);
                }
                self.new_page();
                (from, used) = (i, row.pad);
            }
            used += height;
        }
        self.draw(row, from..count);
        self.fresh = false;
    }

    /// Lines `lines` of `row` from the current position, with its padding,
    /// background and rule.
    fn draw(&mut self, row: &Row, lines: std::ops::Range<usize>) {
        let top = self.y;
        let background = self.ops().len();
        self.y -= row.pad;
        for i in lines {
            let (height, baseline) = row.slice(i);
            let y = self.y - baseline;
            for cell in &row.cells {
                let Some(line) = cell.lines.get(i) else { continue };
                let x = match cell.align {
                    Align::Left => cell.x,
                    Align::Right => cell.x + cell.width - line.width,
                };
                let op = Op::Text { x, y, style: line.style, text: line.text.clone() };
                self.ops().push(op);
            }
            self.y -= height;
        }
        self.y -= row.pad;
        if let Some(gray) = row.fill {
            let fill = Op::Fill { x: MARGIN, y: self.y, width: CONTENT_WIDTH, height: top - self.y, gray };
            // Behind the row's text.
            self.ops().insert(background, fill);
        }
        if let Some((gray, x)) = row.rule {
            let y = self.y;
            self.ops().push(Op::Rule { x, y, gray });
        }
    }

    /// The pages, each with what `footer` adds given its number and the
    /// number of pages.
    pub fn finish(mut self, footer: impl Fn(usize, usize) -> Vec<Op>) -> Vec<Vec<Op>> {
        let count = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.extend(footer(i + 1, count));
        }
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide.
    fn wrap_units(text: &str, max: f32) -> Vec<String> {
        wrap(text, max, |s| s.chars().count() as f32)
    }

    #[test]
    fn wraps_at_spaces_within_the_width() {
        assert_eq!(
            wrap_units("Data protection for course leaders", 16.0),
            ["Data protection", "for course", "leaders"]
        );
        assert_eq!(wrap_units("fits exactly", 12.0), ["fits exactly"]);
        assert_eq!(wrap_units("", 10.0), Vec::<String>::new());
    }

    #[test]
    fn keeps_paragraphs_and_breaks_words_too_long_for_a_line() {
        assert_eq!(wrap_units("one\n\ntwo", 10.0), ["one", "", "two"]);
        assert_eq!(
            wrap_units("see AAAAAAAAAAAAAAAAAAAAAAAAA end", 10.0),
            ["see", "AAAAAAAAAA", "AAAAAAAAAA", "AAAAA end"]
        );
        // A base letter and its combining mark stay together.
        assert_eq!(wrap_units("abcG\u{307}h", 4.0), ["abc", "G\u{307}h"]);
        // Narrower than a character: one per line, and it ends.
        assert_eq!(wrap_units("abc", 0.5), ["a", "b", "c"]);
    }

    #[test]
    fn lines_never_exceed_the_width() {
        let text = "Ġorġ Ħabib Żammit ".repeat(20) + &"x".repeat(300);
        for max in [3.0, 7.0, 40.0] {
            for line in wrap_units(&text, max) {
                assert!(line.chars().count() as f32 <= max, "{line:?} is wider than {max}");
            }
        }
    }

    #[test]
    fn cleaning_drops_controls_and_bidi_marks_and_flattens_spacing() {
        assert_eq!(clean("a\u{200F}b\u{202E}c\u{0}d\u{7}e\u{FEFF}", false), "abcde");
        assert_eq!(clean("  two\t\tspaces \u{2003} here ", false), "two spaces here");
        assert_eq!(clean("line\r\none\nline two", false), "line one line two");
        assert_eq!(clean("\n\npara one\r\n\r\n\r\n\n  para two  \n\n", true), "para one\n\npara two");
        assert_eq!(clean("1\u{A0}000", false), "1\u{A0}000");
        assert_eq!(clean(") Tj ET (\\ %%EOF <script>", false), ") Tj ET (\\ %%EOF <script>");
    }
}
