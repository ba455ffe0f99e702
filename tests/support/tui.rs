//! The real App on the demo mailbox with a fixed clock, and a TestBackend.

// Each test binary uses part of it.
#![allow(dead_code)]

use ratatui::{Terminal, backend::TestBackend};
use replypad::config::Config;
use replypad::desk::{Desk, transport::Demo};
use replypad::store::Store;
use replypad::ui::format::Clock;
use replypad::ui::keymap::Keymap;
use replypad::ui::{App, panes};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const NOW: i64 = 1_764_000_000;

/// The App at `width` x `height`; demo sends go to `outbox` at once.
pub fn app_with_outbox(width: u16, height: u16, outbox: PathBuf) -> (App, Terminal<TestBackend>) {
    let mut cfg = Config::demo();
    cfg.undo_send = 0;
    app_with_config(width, height, outbox, cfg)
}

/// [`app_with_outbox`] with `cfg`.
pub fn app_with_config(
    width: u16,
    height: u16,
    outbox: PathBuf,
    cfg: Config,
) -> (App, Terminal<TestBackend>) {
    let mut store = Store::open_in_memory().unwrap();
    replypad::demo::load(&mut store, &cfg, NOW).unwrap();
    let desk = Desk::new(
        store,
        cfg,
        Some(replypad::config::Secret::new("demo")),
        Box::new(Demo::files(outbox)),
    );
    app_on(desk, width, height)
}

/// The App on `desk` at `width` x `height`, settled.
fn app_on(desk: Desk, width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    let mut app = App::new(
        desk,
        Keymap::load(&BTreeMap::new()).unwrap(),
        Clock::fixed(NOW),
    )
    .unwrap();
    app.resize(width, height);
    // As the event loop does after its first frame.
    app.settle();
    (app, Terminal::new(TestBackend::new(width, height)).unwrap())
}

/// The screen as text, one line per row.
pub fn render(app: &mut App, term: &mut Terminal<TestBackend>) -> String {
    term.draw(|f| panes::draw(app, f)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The App on the demo's mail alone, with team state off (no team key,
/// nothing folded): what an agent sees before the team is set up.
pub fn app_without_team(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    app_without_key(width, height, &[])
}

/// The App on the demo's mail with no team key, after `before` was folded
/// into the newest conversation (state left from before the key was
/// removed).
pub fn app_without_key(
    width: u16,
    height: u16,
    before: &[replypad::domain::events::EventKind],
) -> (App, Terminal<TestBackend>) {
    use replypad::store::{MailboxRole, NewMessage};
    let cfg = Config::demo();
    let mut store = Store::open_in_memory().unwrap();
    let inbox = store.mailbox_id("INBOX", MailboxRole::Inbox).unwrap();
    let parsed: Vec<_> = replypad::demo::raw_messages()
        .map(|raw| (replypad::mail::parse_message(raw, NOW), raw.len()))
        .collect();
    store
        .transaction(|tx| {
            let mut touched = std::collections::BTreeSet::new();
            for (i, (p, size)) in parsed.iter().enumerate() {
                touched.insert(Store::put_message(
                    tx,
                    &NewMessage {
                        mailbox_id: inbox,
                        uid: i as u32 + 1,
                        modseq: None,
                        internal_date: p.date,
                        size: *size as u64,
                        seen: true,
                        answered: false,
                        flagged: false,
                        from_team: false,
                        parsed: p,
                    },
                )?);
            }
            Store::refresh_conversations(tx, &touched)
        })
        .unwrap();
    if !before.is_empty() {
        let newest = store
            .list_view(
                &replypad::domain::views::View::All,
                "dana@example.com",
                replypad::store::ListQuery {
                    offset: 0,
                    limit: 1,
                },
            )
            .unwrap()[0]
            .id
            .clone();
        for kind in before {
            let e = replypad::domain::events::Event {
                id: replypad::domain::events::new_event_id(),
                conversation: newest.clone(),
                agent: "sam@example.com".into(),
                at: NOW - 3600,
                kind: kind.clone(),
            };
            store.record_local_event(&e, b"x").unwrap();
        }
    }
    let desk = Desk::new(
        store,
        cfg,
        None,
        Box::new(Demo::files("/tmp/replypad-demo/outbox".into())),
    );
    app_on(desk, width, height)
}

/// The first message the demo's file outbox holds, as written.
pub fn first_sent(outbox: &std::path::Path) -> String {
    let f = std::fs::read_dir(outbox).unwrap().next().unwrap().unwrap();
    std::fs::read_to_string(f.path()).unwrap()
}
