//! No line of a conversation is wider than the pane: at any width, every
//! demo conversation's lines (headers, meta, attachments, bodies) wrap
//! instead of being cut at the border.

use super::*;
use crate::config::Config;
use crate::store::Store;
use unicode_width::UnicodeWidthStr;

#[test]
fn no_line_is_cut_at_any_width() {
    let cfg = Config::demo();
    let mut store = Store::open_in_memory().unwrap();
    crate::demo::load(&mut store, &cfg, 1_764_000_000).unwrap();
    let ids: Vec<String> = store
        .conn
        .prepare("SELECT id FROM conversations")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(ids.len() > 40);
    let clock = Clock::fixed(1_764_000_000);
    let th = Theme::default();
    let names = crate::ui::team::Names::default();
    let mut too_wide = Vec::new();
    for id in &ids {
        let Some(v) = store.conversation(id).unwrap() else {
            continue;
        };
        for width in [24, 40, 59, 78, 118] {
            let (lines, _) = render_lines(&v, width, true, &clock, &cfg.labels, &names, &th);
            for l in lines {
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                // A single word longer than the line (a URL) cannot wrap.
                let one_word = !text.trim().contains(' ');
                if text.width() > width && !one_word {
                    too_wide.push(format!("{width}: {text}"));
                }
            }
        }
    }
    assert!(
        too_wide.is_empty(),
        "{} lines cut, first: {:?}",
        too_wide.len(),
        &too_wide[..too_wide.len().min(5)]
    );
}
