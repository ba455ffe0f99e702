//! The TUI driven through the real App: key sequences and snapshots of each
//! pane and popup at 80x24 and 160x48 (ratatui TestBackend + insta).

#[path = "support/tui.rs"]
mod tui_support;

use ratatui::{Terminal, backend::TestBackend};
use replypad::ui::app::Focus;
use replypad::ui::{App, panes};
use tui_support::render;

fn app(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    tui_support::app_with_outbox(width, height, "/tmp/replypad-demo/outbox".into())
}

#[test]
fn navigation_moves_the_selection_and_pages() {
    let (mut app, mut term) = app(80, 24);
    assert_eq!(app.list.selected, 0);
    app.feed("jjj");
    assert_eq!(app.list.selected, 3);
    app.feed("k");
    assert_eq!(app.list.selected, 2);
    app.feed("G");
    assert_eq!(app.list.selected, app.list.total - 1);
    assert!(app.list.offset > 0, "the page follows the selection");
    assert_eq!(
        app.list.rows.len(),
        app.list.height,
        "only the visible page is loaded"
    );
    app.feed("gg");
    assert_eq!((app.list.selected, app.list.offset), (0, 0));
    app.feed("<C-d>");
    assert_eq!(app.list.selected, app.list.height / 2);
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains(&format!(
            "All · {}/{}",
            app.list.selected + 1,
            app.list.total
        )),
        "{screen}"
    );
}

#[test]
fn enter_opens_and_escape_returns() {
    let (mut app, mut term) = app(80, 24);
    app.feed("jj<Enter>");
    assert_eq!(app.focus, Focus::Reader);
    let subject = app.reader.as_ref().unwrap().view.subject.clone();
    assert_eq!(subject, "Data export stuck at 99%");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("Emily Zhang <emily.zhang@lotusdesign.com>"),
        "{screen}"
    );
    app.feed("G");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("quoted lines · z shows them"),
        "quotes are folded: {screen}"
    );
    app.feed("z");
    let screen = render(&mut app, &mut term);
    assert!(!screen.contains("quoted lines · z"), "{screen}");
    app.feed("<Esc>");
    assert_eq!(app.focus, Focus::List);
    assert!(
        app.reader.is_none(),
        "narrow terminals go back to the full list"
    );
}

/// `/` searches from the conversation too: the query goes to the prompt,
/// not to the reader's keys (found driving the binary: "invoice" typed
/// after `/` in the reader ran `i`, `c` (a note), `e` (archive)...).
#[test]
fn slash_in_the_reader_searches() {
    let (mut app, mut term) = app(80, 24);
    app.feed("jj<Enter>");
    assert_eq!(app.focus, Focus::Reader);
    app.feed("/");
    app.type_text("from:blake");
    app.feed("<Enter>");
    assert!(app.prompt.is_none());
    assert_eq!(
        app.view,
        replypad::domain::views::View::Search("from:blake".into())
    );
    // The results are in the list, as when the conversation is closed.
    assert_eq!(app.focus, Focus::List);
    assert!(app.reader.is_none());
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("/from:blake · 1/"), "{screen}");
}

/// `Esc /` typed fast (or over a slow link) reaches the app as Alt-/: the
/// query after it is a search, not keys run in the conversation.
#[test]
fn an_escape_run_into_the_next_key_is_both_keys() {
    let (mut app, _term) = app(80, 24);
    app.feed("jj<Enter>");
    assert_eq!(app.focus, Focus::Reader);
    app.feed("<A-/>");
    app.type_text("refund");
    app.feed("<Enter>");
    assert!(app.compose.is_none(), "r opened a reply");
    assert_eq!(
        app.view,
        replypad::domain::views::View::Search("refund".into())
    );
}

#[test]
fn reader_next_conversation_and_scroll() {
    let (mut app, mut term) = app(80, 24);
    app.feed("<Enter>");
    render(&mut app, &mut term);
    app.feed("J");
    assert_eq!(app.list.selected, 1);
    assert_eq!(
        app.reader.as_ref().unwrap().view.subject,
        "URGENT: all appointments disappeared"
    );
    app.feed("K<C-d>");
    render(&mut app, &mut term);
    assert_eq!(app.list.selected, 0);
}

#[test]
fn help_lists_bindings_from_the_keymap_and_quit_works() {
    let (mut app, mut term) = app(80, 24);
    app.feed("?");
    assert!(app.help.is_some());
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Next conversation"), "{screen}");
    assert!(screen.contains("j, <Down>"), "{screen}");
    app.feed("j"); // scrolls help, does not move the list
    assert_eq!(app.list.selected, 0);
    app.feed("<Esc>");
    assert!(app.help.is_none());
    app.feed("q");
    assert!(app.should_quit);
}

/// The help is longer than an 80x24 screen: the page keys every other
/// text page takes move it, its end is reachable, and scrolling past the
/// end does not leave k with hundreds of presses to undo before it moves.
#[test]
fn help_scrolls_by_page_to_its_end_and_back() {
    for (w, h) in [(80, 24), (200, 50)] {
        let (mut app, mut term) = app(w, h);
        app.feed("?");
        let first = render(&mut app, &mut term);
        assert!(first.contains("Everywhere"), "{first}");
        assert!(
            first.contains("j/k"),
            "the title says how to scroll: {first}"
        );
        app.feed("<PageDown>");
        let paged = render(&mut app, &mut term);
        assert!(
            !paged.contains("Everywhere"),
            "PageDown pages at {w}x{h}: {paged}"
        );
        app.feed("<Home>");
        assert!(render(&mut app, &mut term).contains("Everywhere"));
        app.feed("<End>");
        let end = render(&mut app, &mut term);
        let last = app.keymap.bindings(replypad::ui::keymap::Layer::Prompt);
        let last = &last.last().unwrap().desc;
        assert!(
            end.contains(last.as_str()),
            "End shows the last binding {last:?}: {end}"
        );
        for _ in 0..300 {
            app.feed("j");
        }
        app.feed("<Down>");
        assert_eq!(
            render(&mut app, &mut term),
            end,
            "past the end stays at the end"
        );
        app.feed("k");
        let up = render(&mut app, &mut term);
        assert_ne!(up, end, "one k after scrolling past the end moves up");
        app.feed("<Up>G");
        assert_eq!(render(&mut app, &mut term), end, "G goes to the end");
        app.feed("gg");
        assert!(
            render(&mut app, &mut term).contains("Everywhere"),
            "g g to the top"
        );
        assert_eq!(app.list.selected, 0, "help keys never move the list");
    }
    // A terminal too short for the help's border draws without a panic.
    let (mut app, mut term) = app(80, 24);
    app.feed("?");
    for (w, h) in [(80, 3), (80, 2), (10, 1), (80, 5)] {
        *term.backend_mut() = TestBackend::new(w, h);
        app.resize(w, h);
        app.feed("<End>j");
        render(&mut app, &mut term);
    }
}

/// The page keys of a terminal work in the conversation as in the list:
/// PageDown did nothing there (only Space paged) and End, Home, PageUp
/// neither.
#[test]
fn the_reader_takes_the_page_keys() {
    for (w, h) in [(80, 24), (200, 50)] {
        let (mut app, mut term) = app(w, h);
        // The outage conversation with its quoted history shown.
        app.feed("<Enter>z");
        render(&mut app, &mut term);
        let r = app.reader.as_ref().unwrap();
        assert!(
            r.rendered_lines > r.height + 5,
            "a conversation longer than a page"
        );
        let scroll = |app: &App| app.reader.as_ref().unwrap().scroll;
        app.feed("gg<PageDown>");
        let paged = scroll(&app);
        assert!(paged > 0, "PageDown pages at {w}x{h}");
        app.feed("<End>");
        let end = scroll(&app);
        assert!(end >= paged, "End goes to the end at {w}x{h}");
        app.feed("G");
        assert_eq!(scroll(&app), end, "End is G");
        app.feed("<PageUp>");
        assert!(scroll(&app) < end || end == 0, "PageUp pages back");
        app.feed("<Home>");
        assert_eq!(scroll(&app), 0, "Home is g g");
        assert!(app.reader.is_some(), "still reading");
    }
}

#[test]
fn the_split_view_starts_at_split_width_and_tab_moves_the_focus() {
    use replypad::ui::app::Focus;
    for (w, split, side) in [(139, false, true), (140, true, false), (160, true, true)] {
        let (mut app, mut term) = app(w, 40);
        app.feed("<Enter>");
        let screen = render(&mut app, &mut term);
        assert_eq!(app.is_wide(), split, "{w}");
        // Beside the conversation, the list keeps its owner and labels.
        if split {
            assert!(screen.contains("5m lee"), "{w}:\n{screen}");
        }
        assert_eq!(screen.contains("Unassigned"), side, "{w}:\n{screen}");
        if split {
            assert_eq!(app.focus, Focus::Reader);
            app.feed("<Tab>");
            assert_eq!(app.focus, Focus::List);
            app.feed("j");
            assert_eq!(
                app.list.selected, 1,
                "the list moves, the conversation stays open"
            );
            app.feed("<Tab>");
            assert_eq!(app.focus, Focus::Reader);
        }
    }
}

#[test]
fn hostile_subject_is_visible_not_obeyed() {
    let (mut app, mut term) = app(160, 48);
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Invoice ␛["), "{screen}");
    app.feed("jjjj<Enter>");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("Invoice ␛[31mOVERDUE␛[0m ␀ pay now ⟪bidi⟫fdp.exe"),
        "{screen}"
    );
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{202e}') && !screen.contains('\0'));
    assert!(
        screen.contains("⚠ support@example"),
        "spoofed display name flagged: {screen}"
    );
}

#[test]
fn resize_keeps_the_selection_visible() {
    let (mut app, mut term) = app(160, 48);
    app.feed("G");
    app.resize(80, 10);
    let sel = app.list.selected;
    assert!(sel >= app.list.offset && sel < app.list.offset + app.list.height);
    *term.backend_mut() = TestBackend::new(80, 10);
    let screen = render(&mut app, &mut term);
    assert!(screen.contains(&format!("{}/{}", sel + 1, app.list.total)));
    app.resize(20, 3);
    *term.backend_mut() = TestBackend::new(20, 3);
    render(&mut app, &mut term);
}

macro_rules! snapshot {
    ($name:ident, $w:expr, $h:expr, $keys:expr) => {
        snapshot!($name, $w, $h, $keys, app);
    };
    ($name:ident, $w:expr, $h:expr, $keys:expr, $app:path) => {
        #[test]
        fn $name() {
            let (mut app, mut term) = $app($w, $h);
            app.feed($keys);
            term.draw(|f| panes::draw(&mut app, f)).unwrap();
            insta::assert_snapshot!(term.backend());
        }
    };
}

snapshot!(list_80x24, 80, 24, "");
snapshot!(list_160x48, 160, 48, "jj");
snapshot!(reader_80x24, 80, 24, "jj<Enter>");
snapshot!(reader_160x48, 160, 48, "jj<Enter>");
// The split view: from 140 columns the list keeps every column beside the
// conversation, the sidebar comes from 160; Tab moves the focus.
snapshot!(split_140x40, 140, 40, "jj<Enter>");
snapshot!(split_200x50, 200, 50, "jj<Enter><Tab>");
snapshot!(split_240x60, 240, 60, "jj<Enter>");
snapshot!(list_120x40, 120, 40, "jj");
snapshot!(list_200x50, 200, 50, "jj");
snapshot!(list_240x60, 240, 60, "jj");
snapshot!(reader_120x40, 120, 40, "jj<Enter>");
// Below 80 columns: one pane at a time, lines wrapped rather than cut.
snapshot!(list_60x20, 60, 20, "jj");
snapshot!(reader_60x20, 60, 20, "jj<Enter>");
snapshot!(help_80x24, 80, 24, "?");
// A tmux split of 40 columns: the subject keeps room to be read.
snapshot!(list_40x12, 40, 12, "");

#[test]
fn a_narrow_list_leaves_the_subject_room() {
    for w in [30u16, 40, 50] {
        let (mut app, mut term) = app(w, 12);
        let screen = render(&mut app, &mut term);
        let row = screen.lines().nth(1).unwrap();
        assert!(row.contains("THIS IS"), "{w} columns: {row}");
        assert!(row.contains("5m"), "the age stays at {w} columns: {row}");
    }
}
// Team state off (no team key) and none in the cache: no owner, status or
// label columns, the subject has their room.
snapshot!(
    split_without_team_200x50,
    200,
    50,
    "jj<Enter>",
    tui_support::app_without_team
);
snapshot!(
    list_without_team_80x24,
    80,
    24,
    "",
    tui_support::app_without_team
);
snapshot!(help_160x48, 160, 48, "?");

#[test]
fn team_acts_by_key_commit_locally_and_show() {
    let (mut app, mut term) = app(200, 48);
    // Robert Chen's conversation (row 2) is unowned: claim it.
    app.feed("j");
    let id = app.current_conversation().unwrap();
    app.feed("a");
    let row = |app: &App| app.list.rows.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(row(&app).assignee.as_deref(), Some("dana@example.com"));
    // Labels, status and a note through the prompt.
    app.feed("#");
    app.type_text("+billing -urgent");
    app.feed("<Enter>");
    assert_eq!(row(&app).labels, vec!["billing"]);
    app.feed("spending<Enter>");
    assert_eq!(row(&app).status, replypad::domain::Status::Pending);
    app.feed("c");
    app.type_text("Called him back, @sam takes the refund");
    app.feed("<Enter>");
    assert!(
        app.message.as_ref().unwrap().0.contains("note added"),
        "{:?}",
        app.message
    );
    app.feed("<Enter>");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("NOTE  dana@example.com"), "{screen}");
    assert!(
        screen.contains("Called him back, @sam takes the refund"),
        "{screen}"
    );
    // The history timeline on H.
    app.feed("H");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Team history"), "{screen}");
    assert!(screen.contains("claimed by"), "{screen}");
    assert!(screen.contains("labels +billing -urgent"), "{screen}");
    // A claim of a conversation someone else owns is refused at once.
    app.feed("<Esc>gg");
    let owned = app.current_conversation().unwrap();
    app.feed("a");
    let owner = app
        .list
        .rows
        .iter()
        .find(|r| r.id == owned)
        .unwrap()
        .assignee
        .clone();
    assert_eq!(owner.as_deref(), Some("lee@example.com"));
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("already owned by lee@example.com")
    );
    // Esc cancels a prompt without acting.
    app.feed("c");
    app.type_text("never mind");
    app.feed("<Esc>");
    assert!(app.prompt.is_none());
}

#[test]
fn prompt_snapshot_80x24() {
    let (mut app, mut term) = app(80, 24);
    app.feed("c");
    app.type_text("Customer called @sam");
    term.draw(|f| panes::draw(&mut app, f)).unwrap();
    insta::assert_snapshot!(term.backend());
}

#[test]
fn undo_reverts_the_last_triage_act_and_read_toggles() {
    let (mut app, _term) = app(120, 40);
    app.feed("j");
    let id = app.current_conversation().unwrap();
    let row = |app: &App| app.list.rows.iter().find(|r| r.id == id).unwrap().clone();
    let before = row(&app);
    app.feed("#");
    app.type_text("+billing -urgent");
    app.feed("<Enter>");
    assert_eq!(row(&app).labels, vec!["billing"]);
    app.feed("jj"); // undo applies to the act's conversation, not the cursor's
    app.feed("u");
    assert_eq!(row(&app).labels, before.labels, "labels restored");
    app.feed("u");
    assert!(app.message.as_ref().unwrap().0.contains("nothing to undo"));
    app.feed("kk");
    assert_eq!(app.current_conversation().unwrap(), id);
    app.feed("a");
    assert_eq!(row(&app).assignee.as_deref(), Some("dana@example.com"));
    app.feed("u");
    assert_eq!(row(&app).assignee, None);
    // Read / unread.
    assert!(row(&app).unread > 0);
    app.feed("U");
    assert_eq!(row(&app).unread, 0);
    app.feed("U");
    assert!(row(&app).unread > 0);
}

#[test]
fn the_palette_fuzzy_matches_and_runs_actions() {
    let (mut app, mut term) = app(80, 24);
    app.feed(":");
    app.type_text("unassig");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("view_unassigned"), "{screen}");
    app.feed("<Enter>");
    assert_eq!(app.view, replypad::domain::views::View::Unassigned);
    app.feed(":");
    app.type_text("help");
    app.feed("<Enter>");
    assert!(app.help.is_some());
}

snapshot!(palette_80x24, 80, 24, ":");
snapshot!(palette_160x48, 160, 48, ":");
snapshot!(prompt_160x48, 160, 48, "jj<Enter>c");

/// A conversation opens at its first unread message (the snapshot
/// reader_80x24 shows it), and `H` brings the history, drawn first, into view.
#[test]
fn a_conversation_opens_at_the_first_unread_and_h_shows_the_history() {
    let (mut app, mut term) = app(80, 24);
    app.feed("jj<Enter>");
    let screen = render(&mut app, &mut term);
    assert!(app.reader.as_ref().unwrap().scroll > 0, "{screen}");
    assert!(
        screen.contains("● Emily Zhang"),
        "the unread message: {screen}"
    );
    app.feed("H");
    let screen = render(&mut app, &mut term);
    assert_eq!(app.reader.as_ref().unwrap().scroll, 0);
    assert!(screen.contains("Team history"), "{screen}");
    // A long entry wraps under its indent.
    let lines: Vec<&str> = screen.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains("replied: Re: Data export"))
        .unwrap_or_else(|| panic!("{screen}"));
    if !lines[i].contains("99%") {
        assert!(lines[i + 1].starts_with("│  99%"), "{screen}");
    }
}

/// `u` takes back acts one by one, newest first (a stack, bulk acts
/// included), and Ctrl-r does them again.
#[test]
fn undo_is_a_stack_and_ctrl_r_redoes() {
    let (mut app, _term) = app(120, 40);
    let conv = app.list.rows[0].id.clone();
    let labels = |app: &App| -> Vec<String> {
        let s = app.desk.store.team_summary(&conv).unwrap();
        s.1
    };
    let start = labels(&app);
    for l in ["one", "two", "three"] {
        app.feed("#");
        app.type_text(l);
        app.feed("<Enter>");
    }
    assert!(labels(&app).contains(&"three".to_string()));
    app.feed("u");
    assert!(!labels(&app).contains(&"three".to_string()));
    assert!(labels(&app).contains(&"two".to_string()));
    app.feed("uu");
    assert_eq!(labels(&app), start, "all three undone");
    app.feed("<C-r>");
    assert!(labels(&app).contains(&"one".to_string()));
    assert!(!labels(&app).contains(&"two".to_string()));
    app.feed("<C-r><C-r>");
    assert!(labels(&app).contains(&"three".to_string()));
    app.feed("<C-r>");
    assert!(
        matches!(&app.message, Some((m, _)) if m.contains("nothing to redo")),
        "{:?}",
        app.message
    );
}

/// The palette speaks people's words, takes arguments (`:snooze 3d`,
/// `:status closed`, `:label +billing`, `:assign lee`), and the arrow keys
/// choose among the matches.
#[test]
fn the_palette_takes_arguments_and_arrow_keys() {
    use replypad::domain::Status;
    let (mut app, mut term) = app(120, 40);
    let conv = app.list.rows[0].id.clone();
    app.feed(":");
    app.type_text("snoo");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Snooze…"), "people's words: {screen}");
    app.feed("<C-u>");
    app.type_text("status closed");
    // What Enter will do is shown, not "0 actions" (no action's name
    // matches a verb with its argument).
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Enter: status closed"), "{screen}");
    assert!(!screen.contains("0 actions"), "{screen}");
    app.feed("<Enter>");
    assert_eq!(
        app.desk.store.team_state(&conv).unwrap().status,
        Status::Closed
    );
    app.feed(":");
    app.type_text("label +billing");
    app.feed("<Enter>");
    assert!(
        app.desk
            .store
            .team_state(&conv)
            .unwrap()
            .labels
            .contains("billing")
    );
    app.feed(":");
    app.type_text("assign lee");
    app.feed("<Enter>");
    assert_eq!(
        app.desk
            .store
            .team_state(&conv)
            .unwrap()
            .assignee
            .as_deref(),
        Some("lee@example.com")
    );
    app.feed(":");
    app.type_text("snooze 3d");
    app.feed("<Enter>");
    assert_eq!(
        app.desk.store.team_state(&conv).unwrap().status,
        Status::Snoozed
    );
    // Arrow keys: "view" matches several views; Down picks the second.
    app.feed(":");
    app.type_text("view: ");
    let first = replypad::ui::palette::matches(&app.keymap, "view: ")[0].action;
    let second = replypad::ui::palette::matches(&app.keymap, "view: ")[1].action;
    app.feed("<Down><Enter>");
    let want = second.view().expect("a view");
    assert_eq!(app.view, want, "not the first match {first:?}");
}

/// `g l` shows the newest status lines at the bottom however long they
/// are: it kept the last as many lines as the box has rows, and each line
/// of 80 columns or more wraps to two rows, so the newest were cut off.
#[test]
fn the_messages_log_ends_with_the_newest_line() {
    for (w, h) in [(80, 24), (200, 50), (44, 10)] {
        let (mut app, mut term) = app(w, h);
        for i in 0..60 {
            app.feed("#");
            app.type_text(&format!(
                "label-{i:02}-with-a-long-name-to-fill-the-status-line-beyond-80"
            ));
            app.feed("<Enter>");
        }
        app.feed("gl");
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains("label-59"),
            "the newest at {w}x{h}: {screen}"
        );
        assert!(
            !screen.contains("label-00"),
            "the oldest scrolled off at {w}x{h}"
        );
        app.feed("j");
    }
}

/// The status bar names the agent; `g l` shows the last status lines whole
/// (they are cut at 80 columns in the bar); an "offline" line goes away
/// when the worker is online again.
#[test]
fn who_am_i_the_messages_log_and_a_stale_offline_line() {
    let (mut app, mut term) = app(80, 24);
    let screen = render(&mut app, &mut term);
    let bar = screen.lines().last().unwrap().to_string();
    assert!(bar.starts_with(" dana · support@example.com"), "{bar}");
    app.feed("#");
    app.type_text("a-rather-long-label-name-to-make-the-line-long");
    app.feed("<Enter>");
    app.feed("S");
    app.type_text("nonsense");
    app.feed("<Enter>");
    // The prompt stays open with the reason; Esc gives it up.
    assert!(app.prompt.as_ref().is_some_and(|p| p.input == "nonsense"));
    // On 80 columns the reason is cut, not what was typed.
    let screen = render(&mut app, &mut term);
    let bar = screen.lines().last().unwrap();
    assert!(
        bar.starts_with("✗ cannot read") && bar.contains("nonsense▏"),
        "{bar}"
    );
    app.feed("<Esc>");
    // Each line once: the label act's line, back on the status bar behind
    // the prompt, is not logged again.
    let logged: Vec<&str> = app.messages.iter().map(|(_, m, _)| m.as_str()).collect();
    assert_eq!(logged.len(), 3, "{logged:#?}");
    assert!(logged[0].starts_with("demo mode"), "{logged:#?}");
    assert!(
        logged[1].contains("a-rather-long-label-name"),
        "{logged:#?}"
    );
    assert!(
        logged[2].starts_with("cannot read \"nonsense\""),
        "{logged:#?}"
    );
    app.feed("/from:<Enter>");
    assert!(app.prompt.is_some(), "a bad search keeps its prompt");
    assert!(app.messages.last().unwrap().1.starts_with("search:"));
    app.feed("<Esc>gl");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Messages"), "{screen}");
    assert!(screen.contains("a-rather-long-label-name"), "{screen}");
    assert!(screen.contains("cannot read \"nonsense\""), "{screen}");
    app.feed("j");
    assert!(app.messages_view.is_none(), "any key closes it");
    app.on_notice(replypad::desk::Notice::Offline {
        error: "connection refused".into(),
        retry_in: std::time::Duration::from_secs(5),
        disk: false,
    });
    assert!(matches!(&app.message, Some((m, _)) if m.contains("offline")));
    app.on_notice(replypad::desk::Notice::Synced(Default::default()));
    assert!(
        app.message.is_none(),
        "the offline line is gone once online"
    );
}

/// Tab completes agents in the assign prompt, `@names` in a note and labels
/// from the team; an unknown short name is refused with the closest ones.
#[test]
fn prompts_complete_from_the_team_and_suggest() {
    let (mut app, _term) = app(120, 40);
    app.feed("A");
    app.type_text("le");
    app.feed("<Tab>");
    assert_eq!(app.prompt.as_ref().unwrap().input, "lee");
    app.feed("<Esc>#");
    app.type_text("+bil");
    app.feed("<Tab>");
    assert_eq!(app.prompt.as_ref().unwrap().input, "+billing");
    app.feed("<Esc>c");
    app.type_text("ask @le");
    app.feed("<Tab>");
    assert_eq!(app.prompt.as_ref().unwrap().input, "ask @lee");
    app.feed("<Esc>A");
    app.type_text("leee");
    app.feed("<Enter>");
    let p = app.prompt.as_ref().expect("the prompt stays open");
    assert!(
        p.error
            .as_deref()
            .is_some_and(|e| e.contains("did you mean lee@example.com")),
        "{:?}",
        p.error
    );
}
