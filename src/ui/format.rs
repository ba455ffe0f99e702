//! Text helpers for panes: relative ages, sizes, width-aware truncation and
//! wrapping (terminal cells, not bytes or chars).

use chrono::{DateTime, FixedOffset};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The clock the UI renders with; injected so tests and snapshots are stable.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub now: i64,
    pub offset: FixedOffset,
}

impl Clock {
    pub fn system() -> Clock {
        let now = chrono::Local::now();
        Clock {
            now: now.timestamp(),
            offset: *now.offset(),
        }
    }

    /// Now, shown in the agent's zone (config `timezone`), else the
    /// system's: the zone times are typed in.
    pub fn system_in(zone: Option<chrono_tz::Tz>) -> Clock {
        let Some(zone) = zone else {
            return Clock::system();
        };
        let now = chrono::Utc::now().with_timezone(&zone);
        Clock {
            now: now.timestamp(),
            offset: chrono::Offset::fix(now.offset()),
        }
    }

    pub fn fixed(now: i64) -> Clock {
        Clock {
            now,
            offset: FixedOffset::east_opt(0).unwrap(),
        }
    }

    /// "now", "5m", "3h", "2d", then "24 Nov", then "Nov 2024".
    pub fn age(&self, t: i64) -> String {
        let d = (self.now - t).max(0);
        match d {
            0..60 => "now".into(),
            60..3600 => format!("{}m", d / 60),
            3600..86_400 => format!("{}h", d / 3600),
            86_400..604_800 => format!("{}d", d / 86_400),
            _ => {
                let (this_year, that) =
                    (self.local(self.now).format("%Y").to_string(), self.local(t));
                if that.format("%Y").to_string() == this_year {
                    that.format("%d %b").to_string()
                } else {
                    that.format("%b %Y").to_string()
                }
            }
        }
    }

    /// How long since `t`, as a length of time: "5m", "3h", "2d", "40d"
    /// (a wait, where `age`'s dates would read as a when).
    pub fn elapsed(&self, t: i64) -> String {
        let d = (self.now - t).max(0);
        match d {
            0..60 => "under a minute".into(),
            60..3600 => format!("{}m", d / 60),
            3600..86_400 => format!("{}h", d / 3600),
            _ => format!("{}d", d / 86_400),
        }
    }

    /// A full local date and time for the reader.
    pub fn datetime(&self, t: i64) -> String {
        self.local(t).format("%a %d %b %Y %H:%M").to_string()
    }

    fn local(&self, t: i64) -> DateTime<FixedOffset> {
        DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .with_timezone(&self.offset)
    }
}

/// 1.2 KB, 3.4 MB.
pub fn human_size(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KB", n as f64 / 1024.0),
        _ => format!("{:.1} MB", n as f64 / 1_048_576.0),
    }
}

/// Cuts `s` to at most `width` cells, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The end of `s` in at most `width` cells, starting with `…` when cut:
/// where typing happens in a long input.
pub fn tail(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut kept = Vec::new();
    let mut w = 0;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        kept.push(c);
        w += cw;
    }
    let mut out = String::from(if width > 0 { "…" } else { "" });
    out.extend(kept.into_iter().rev());
    out
}

/// `s` cut or padded with spaces to exactly `width` cells.
pub fn fit(s: &str, width: usize) -> String {
    let mut t = truncate(s, width);
    let w = t.width();
    t.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    t
}

/// Key hints (`items`) joined with ` · ` on at most `lines` lines of
/// `width` cells, never splitting an item; what does not fit ends the last
/// line with `…`.
pub fn hints(items: &[&str], width: usize, lines: usize) -> Vec<String> {
    let join = |v: &[&str]| v.join(" · ");
    let mut out: Vec<String> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for item in items {
        cur.push(item);
        if join(&cur).width() <= width {
            continue;
        }
        cur.pop();
        if out.len() + 1 < lines.max(1) && !cur.is_empty() {
            out.push(join(&cur));
            cur = vec![item];
            if join(&cur).width() <= width {
                continue;
            }
            cur.pop();
        }
        // The last line: whole items and a mark that more keys exist.
        while !cur.is_empty() && join(&cur).width() + 2 > width {
            cur.pop();
        }
        out.push(if cur.is_empty() {
            truncate(item, width)
        } else {
            format!("{} …", join(&cur))
        });
        return out;
    }
    if !cur.is_empty() {
        out.push(join(&cur));
    }
    out
}

/// Wraps one line to `width` cells, breaking at spaces where possible.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    if line.width() <= width {
        return vec![line.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    for word in line.split_inclusive(' ') {
        let ww = word.width();
        if cur_w + word.trim_end().width() > width && !cur.is_empty() {
            out.push(cur.trim_end().to_string());
            cur.clear();
            cur_w = 0;
        }
        if ww > width {
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if cur_w + cw > width {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
                cur.push(c);
                cur_w += cw;
            }
        } else {
            cur.push_str(word);
            cur_w += ww;
        }
    }
    if !cur.is_empty() {
        out.push(cur.trim_end().to_string());
    }
    out
}

/// [`wrap`], the rows after the first indented as the line is (a list's
/// item stays one block), the indent at most half the width.
pub fn wrap_hanging(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let indent = line.len() - line.trim_start_matches(' ').len();
    // The rows after the indent keep room for a wide character.
    if indent == 0 || indent == line.len() || indent > width / 2 || width - indent < 2 {
        return wrap(line, width);
    }
    let pad = &line[..indent];
    wrap(&line[indent..], width - indent)
        .into_iter()
        .map(|r| format!("{pad}{r}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_clock_shows_the_agents_zone() {
        let c = Clock::system_in(Some(chrono_tz::Pacific::Auckland));
        // New Zealand is 12 hours ahead in winter, 13 in summer.
        assert!(
            [12 * 3600, 13 * 3600].contains(&c.offset.local_minus_utc()),
            "{:?}",
            c.offset
        );
        assert_eq!(
            Clock::system_in(None).offset,
            *chrono::Local::now().offset()
        );
    }

    proptest::proptest! {
        /// No text panics the helpers panes cut and wrap with, and none
        /// draws past its width.
        #[test]
        fn cutting_and_wrapping_stay_in_width(s in "\\PC{0,80}", w in 0usize..40) {
            // Cells as the helpers count them, character by character
            // (unicode-width gives a few sequences, Khmer signs among
            // them, another width as a string).
            let cells = |t: &str| t.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
            proptest::prop_assert!(cells(&tail(&s, w)) <= w);
            proptest::prop_assert!(cells(&truncate(&s, w)) <= w);
            for r in wrap(&s, w).into_iter().chain(wrap_hanging(&s, w)) {
                // A character wider than the row takes a row of its own
                // (U+17D8 is three cells).
                proptest::prop_assert!(
                    cells(&r) <= w.max(2) || r.trim_start().chars().count() == 1,
                    "{r:?} in {w}"
                );
            }
        }
    }

    #[test]
    fn wrapped_rows_keep_the_lines_indent() {
        assert_eq!(
            wrap_hanging("   closed  lee  Adding five seats (priya@b.io)", 30),
            vec!["   closed  lee  Adding five", "   seats (priya@b.io)"]
        );
        assert_eq!(
            wrap_hanging("no indent here at all", 10),
            wrap("no indent here at all", 10)
        );
        // Blank lines and an indent over half the width wrap as before.
        assert_eq!(wrap_hanging("    ", 3), wrap("    ", 3));
        assert_eq!(wrap_hanging("      ab cd", 10), wrap("      ab cd", 10));
        for r in wrap_hanging("  日本語のテキスト日本語のテキスト", 9) {
            assert!(r.width() <= 9, "{r}");
        }
        // The proptest's find: an indent leaving one cell for a wide character.
        for r in wrap_hanging(" 𱍐", 2) {
            assert!(r.width() <= 2, "{r:?}");
        }
    }

    #[test]
    fn tail_keeps_the_end_in_cells() {
        use unicode_width::UnicodeWidthStr;
        assert_eq!(tail("short", 10), "short");
        assert_eq!(tail("abcdefghij", 5), "…ghij");
        // Wide characters count two cells each; never over the width.
        let t = tail("日本語のテキスト", 7);
        assert_eq!(t, "…キスト");
        assert!(t.width() <= 7);
        assert_eq!(tail("abc", 0), "");
    }

    #[test]
    fn hints_wrap_by_item_and_cut_the_last_line() {
        let items = ["Ctrl-s send", "Esc close", "Ctrl-r review", "Tab next"];
        assert_eq!(
            hints(&items, 80, 2),
            vec!["Ctrl-s send · Esc close · Ctrl-r review · Tab next"]
        );
        assert_eq!(
            hints(&items, 26, 2),
            vec!["Ctrl-s send · Esc close", "Ctrl-r review · Tab next"]
        );
        assert_eq!(hints(&items, 26, 1), vec!["Ctrl-s send · Esc close …"]);
        assert_eq!(hints(&items, 8, 1), vec!["Ctrl-s …"]);
    }

    use super::*;

    #[test]
    fn ages() {
        let c = Clock::fixed(1_764_000_000);
        assert_eq!(c.age(1_764_000_000 - 30), "now");
        assert_eq!(c.age(1_764_000_000 - 300), "5m");
        assert_eq!(c.age(1_764_000_000 - 7200), "2h");
        assert_eq!(c.age(1_764_000_000 - 3 * 86_400), "3d");
        assert_eq!(c.age(1_764_000_000 - 20 * 86_400), "04 Nov");
        assert_eq!(c.age(1_700_000_000), "Nov 2023");
    }

    #[test]
    fn waits_read_as_lengths_of_time() {
        let c = Clock::fixed(1_764_000_000);
        assert_eq!(c.elapsed(1_764_000_000 - 300), "5m");
        assert_eq!(c.elapsed(1_764_000_000 - 20 * 86_400), "20d", "not a date");
        assert_eq!(c.elapsed(1_764_000_000 + 60), "under a minute");
    }

    #[test]
    fn widths() {
        assert_eq!(truncate("日本語テキスト", 7), "日本語…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(human_size(2048), "2.0 KB");
    }
}
