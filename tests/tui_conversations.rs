//! Where conversations go, by keys through the real App: archive, spam,
//! trash and move with undo; the customer's context (the waiting marker and
//! sort, the panel); merging and splitting conversations by hand.

#[path = "support/tui.rs"]
mod tui_support;

use ratatui::{Terminal, backend::TestBackend};
use replypad::ui::App;
use tui_support::render;

fn app(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    tui_support::app_with_outbox(width, height, "/tmp/replypad-demo/outbox".into())
}

/// Moves down the list (from its top) to the first row that is `what`.
fn go_to(app: &mut App, what: &str, is: impl Fn(&replypad::domain::ConversationSummary) -> bool) {
    let row = app.list.rows.iter().position(is).expect(what);
    for _ in 0..row {
        app.feed("j");
    }
}

#[test]
fn archive_spam_trash_and_move_by_key_with_undo_and_their_views() {
    use replypad::domain::views::View;
    let (mut app, mut term) = app(120, 40);
    let ids = |app: &App| -> Vec<String> { app.list.rows.iter().map(|r| r.id.clone()).collect() };
    let first = app.list.rows[0].id.clone();
    let total = app.list.total;
    app.feed("e");
    assert!(!ids(&app).contains(&first), "archived: out of the list");
    assert!(app.message.as_ref().unwrap().0.contains("moved to Archive"));
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("Archive"),
        "the sidebar has the view:\n{screen}"
    );
    app.feed("g a");
    assert_eq!(app.view, View::Archive);
    // On top of the demo's archived history (older).
    assert_eq!(ids(&app)[0], first);
    let archived = app.list.total;
    // From the Archive view, u takes it back to the inbox.
    app.feed("u");
    assert!(!ids(&app).contains(&first), "{:?}", ids(&app));
    assert_eq!(app.list.total, archived - 1);
    app.feed("g i");
    assert_eq!(app.list.total, total);
    assert!(ids(&app).contains(&first));
    // Ctrl-r archives it again; a bulk spam of two; trash; a prompt move.
    app.feed("<C-r>");
    assert_eq!(app.list.total, total - 1);
    app.feed("vjv");
    app.feed("!");
    assert_eq!(app.list.total, total - 3, "{:?}", app.message);
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("2 of 2 conversations moved to Junk")
    );
    app.feed("g !");
    assert_eq!(app.list.rows.len(), 2);
    app.feed("D");
    assert_eq!(app.list.rows.len(), 1);
    app.feed("g t");
    assert_eq!(app.list.rows.len(), 1);
    app.feed("M");
    app.type_text("in");
    app.feed("<Tab>");
    assert_eq!(app.prompt.as_ref().unwrap().input, "inbox");
    app.feed("<Enter>");
    assert!(app.list.rows.is_empty());
    app.feed("g i");
    assert_eq!(app.list.total, total - 2);
    // A folder replypad does not sync is refused, nothing moves.
    app.feed("M");
    app.type_text("Clients/Acme");
    app.feed("<Enter>");
    assert!(app.message.as_ref().unwrap().0.contains("folders it syncs"));
    assert_eq!(app.list.total, total - 2);
}

/// Customer context: ← marks a customer who wrote last, W sorts who waited
/// longest first (and back), C shows their other conversations by address
/// and by company domain.
#[test]
fn customer_waiting_marker_sort_and_panel() {
    let (mut app, mut term) = app(120, 40);
    let waiting: Vec<_> = app
        .list
        .rows
        .iter()
        .filter(|r| r.waiting_since.is_some())
        .collect();
    assert!(!waiting.is_empty());
    assert!(
        app.list
            .rows
            .iter()
            .filter(|r| r.status == replypad::domain::Status::Closed)
            .all(|r| r.waiting_since.is_none()),
        "a closed conversation waits for nobody"
    );
    let screen = render(&mut app, &mut term);
    let first = app.list.rows[0].clone();
    let line = screen
        .lines()
        .find(|l| l.contains(&first.subject[..10]))
        .unwrap();
    assert_eq!(line.contains('←'), first.waiting_since.is_some(), "{line}");

    app.feed("W");
    assert!(render(&mut app, &mut term).contains("waiting longest first"));
    let all: Vec<_> = {
        let mut v = Vec::new();
        for _ in 0..app.list.total {
            v.push(app.list.rows[app.list.selected - app.list.offset].clone());
            app.feed("j");
        }
        v
    };
    let since: Vec<i64> = all.iter().map_while(|r| r.waiting_since).collect();
    assert!(since.len() >= 2 && since.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        all[since.len()..].iter().all(|r| r.waiting_since.is_none()),
        "the waiting ones come first"
    );
    // W again: the soonest SLA target first (the demo team has targets).
    app.feed("gg");
    app.feed("W");
    assert!(render(&mut app, &mut term).contains("SLA target due soonest first"));
    let mut dues = Vec::new();
    for _ in 0..app.list.total {
        let r = &app.list.rows[app.list.selected - app.list.offset];
        dues.push(app.sla.get(&r.id).map(|d| d.1));
        app.feed("j");
    }
    let due: Vec<i64> = dues.iter().map_while(|d| *d).collect();
    assert!(due.len() >= 5, "{dues:?}");
    assert!(due.windows(2).all(|w| w[0] <= w[1]), "{due:?}");
    assert!(
        dues[due.len()..].iter().all(Option::is_none),
        "targets first"
    );
    app.feed("gg");
    app.feed("W");
    assert!(render(&mut app, &mut term).contains("sorted: newest first"));
    // A search keeps its order, and says so.
    app.feed("/");
    app.type_text("has:attachment");
    app.feed("<Enter>W");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("search results stay newest first")
    );
    assert_eq!(app.sort, replypad::store::ListSort::Newest);
    app.feed("<Esc>");
    assert_eq!(app.list.rows[0].id, first.id, "newest first again");

    // Jordan Blake wrote before; so did a colleague at blakeandco.io.
    go_to(&mut app, "Jordan's conversation", |r| {
        r.from.email == "jordan@blakeandco.io"
    });
    app.feed("C");
    let screen = render(&mut app, &mut term);
    for want in [
        "Customer · jordan@blakeandco.io",
        "← waiting for us",
        "Their other conversations (1):",
        "closed   sam",
        "Sync delays after the October update",
        "Others at blakeandco.io (1):",
        "Adding five seats for new hires  (priya.shah@blakeandco.io)",
    ] {
        assert!(screen.contains(want), "{want:?} in\n{screen}");
    }
    app.feed("<Esc>");
    assert!(app.text_view.is_none());
    // A free-mail customer: no company to look up.
    app.feed("gg");
    go_to(&mut app, "a gmail customer in the first page", |r| {
        r.from.email.ends_with("@gmail.com")
    });
    app.feed("C");
    assert!(render(&mut app, &mut term).contains("a free-mail address"));
    // A sender posing under another address's name is flagged in the panel.
    app.feed("<Esc>gg");
    go_to(&mut app, "the demo's phishing message", |r| {
        r.from.looks_forged()
    });
    app.feed("C");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("⚠ support@example.com <security-alert"),
        "{screen}"
    );
}

/// `+` merges the selected conversations after asking; one alone is refused.
#[test]
fn plus_merges_the_selected_conversations_after_asking() {
    let (mut app, _term) = app(120, 40);
    let total = app.list.total;
    app.feed("+");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("select the conversations")
    );
    // Jordan Blake's two conversations: the outage today, the sync delays in November.
    let mut jordan = Vec::new();
    for i in 0..total {
        let r = &app.list.rows[i - app.list.offset];
        if r.from.email == "jordan@blakeandco.io" {
            jordan.push(r.id.clone());
            app.feed("v");
        }
        app.feed("j");
    }
    assert_eq!(jordan.len(), 2);
    app.feed("+");
    assert!(app.message.as_ref().unwrap().0.contains("+ again merges"));
    assert_eq!(app.list.total, total, "asked, not merged");
    app.feed("+");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("2 conversations merged into"),
        "{:?}",
        app.message
    );
    assert_eq!(app.list.total, total - 1);
    let survivor = jordan.iter().min().unwrap();
    let v = app.desk.store.conversation(survivor).unwrap().unwrap();
    assert_eq!(v.messages.len(), 5);
    assert!(app.selected.is_empty());
}

/// `X` splits the conversation at the message on top, after asking; at its
/// first message it says what to do instead.
#[test]
fn x_splits_the_conversation_at_the_message_on_top() {
    let (mut app, mut term) = app(120, 40);
    let total = app.list.total;
    let conv = app.list.rows[0].id.clone();
    app.feed("<Enter>");
    render(&mut app, &mut term); // the reader jumps to the newest message
    let r = app.reader.as_ref().unwrap();
    let n = r.view.messages.len();
    assert!(n >= 3, "Jordan's conversation has {n}");
    app.feed("X");
    let asked = app.message.as_ref().unwrap().0.clone();
    assert!(
        asked.contains(&format!("#{n} of {n}")) && asked.contains("X again"),
        "{asked}"
    );
    app.feed("X");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("split: that message"),
        "{:?}",
        app.message
    );
    assert_eq!(app.list.total, total + 1);
    let left = app.desk.store.conversation(&conv).unwrap().unwrap();
    assert_eq!(left.messages.len(), n - 1);
    // A conversation of one message (the one just split off): nothing to split.
    app.feed("h");
    let new = app
        .list
        .rows
        .iter()
        .position(|r| r.id != conv && r.from.email == "jordan@blakeandco.io" && r.messages == 1)
        .expect("the split-off conversation is listed");
    app.feed("gg");
    for _ in 0..new {
        app.feed("j");
    }
    app.feed("<Enter>");
    render(&mut app, &mut term);
    app.feed("X");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("starts the conversation"),
        "{:?}",
        app.message
    );
}

/// A search reads the full-text index, which a message enters with its
/// body: while mail is still on its way (a first sync's history, bodies
/// not fetched yet), the list's title says the result is partial; a search
/// by fields only (labels, status) is complete and says nothing.
#[test]
fn a_search_says_when_mail_is_still_on_its_way() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut app, mut term) = app(w, h);
        app.feed("/");
        app.type_text("refund");
        app.feed("<Enter>");
        let screen = render(&mut app, &mut term);
        assert!(screen.contains("/refund · 1/"), "{screen}");
        assert!(!screen.contains("partial"), "every demo body is cached");
        app.feed("<Esc>");

        // A message arrives with its headers only (its body comes later).
        let raw = b"From: Kim <kim@example.org>\r\nTo: support@example.com\r\n\
                    Subject: refund please\r\nMessage-ID: <late@example.org>\r\n\
                    Date: Mon, 24 Nov 2025 10:00:00 +0000\r\n\r\n";
        let parsed = replypad::mail::parse_headers(raw, tui_support::NOW, 4000);
        let store = &mut app.desk.store;
        let inbox = store
            .mailbox_id("INBOX", replypad::store::MailboxRole::Inbox)
            .unwrap();
        store
            .transaction(|tx| {
                replypad::store::Store::put_message(
                    tx,
                    &replypad::store::NewMessage {
                        mailbox_id: inbox,
                        uid: 900_001,
                        modseq: None,
                        internal_date: tui_support::NOW,
                        size: 4000,
                        seen: false,
                        answered: false,
                        flagged: false,
                        from_team: false,
                        parsed: &parsed,
                    },
                )
            })
            .unwrap();
        app.feed("/");
        app.type_text("refund");
        app.feed("<Enter>");
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains("/refund · 1/") && screen.contains("partial: mail still syncing"),
            "{w}x{h}\n{screen}"
        );
        app.feed("<Esc>/");
        app.type_text("label:billing");
        app.feed("<Enter>");
        let screen = render(&mut app, &mut term);
        assert!(screen.contains("/label:billing · 1/"), "{screen}");
        assert!(!screen.contains("partial"), "fields only: {screen}");
    }
}

/// A search that matches much shows its first page at once and scans on
/// between keys: the title says how many it found so far, `j` past them
/// and `G` read on, and the scan ends with the same list and count as a
/// search read whole. (The demo is small: the store is told to scan it
/// two conversations at a time.)
#[test]
fn a_search_that_matches_much_shows_its_first_page_and_scans_on() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut app, mut term) = app(w, h);
        let whole = app
            .desk
            .store
            .search_all_ids("-refund", "dana@example.com")
            .unwrap();
        assert!(whole.len() > h as usize, "the demo fills more than a page");
        app.desk.store.set_search_scan(0, 2);
        app.feed("/");
        app.type_text("-refund");
        app.feed("<Enter>");
        let found = app.searching().expect("still scanning");
        assert!(found < whole.len(), "{found}");
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains(&format!("/-refund · 1/{found}+ searching")),
            "{w}x{h}\n{screen}"
        );
        if (w, h) == (80, 24) {
            insta::assert_snapshot!("search_scanning_80x24", screen);
        }
        // Steps between keys find more, then all.
        assert!(app.search_step());
        assert!(app.searching().unwrap_or(usize::MAX) > found);
        while app.search_step() {}
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains(&format!("/-refund · 1/{} ", whole.len())),
            "{w}x{h}\n{screen}"
        );
        assert!(!app.search_step(), "nothing left to scan");
        assert_eq!(app.list.total, whole.len());

        // Again, and move: `G` reads to the end at once.
        app.feed("<Esc>/");
        app.type_text("-refund");
        app.feed("<Enter>");
        assert!(app.searching().is_some());
        app.feed("G");
        assert_eq!(app.searching(), None);
        assert_eq!(app.list.selected, whole.len() - 1);
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains(&format!("· {n}/{n} ", n = whole.len())),
            "{w}x{h}\n{screen}"
        );
        let last = app.list.rows.last().expect("the last page").id.clone();
        assert_eq!(&last, whole.last().unwrap());
    }
}

/// At 80 columns a line of the customer panel wraps under its own indent
/// (the colleague's address stood at the left edge, read as a heading).
#[test]
fn the_customer_panel_wraps_under_the_indent() {
    let (mut app, mut term) = app(80, 24);
    go_to(&mut app, "Jordan's conversation", |r| {
        r.from.email == "jordan@blakeandco.io"
    });
    app.feed("C");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("│   (priya.shah@blakeandco.io)"),
        "indented under its line:\n{screen}"
    );
}
