//! Views by key on the real App: the sidebar (team views only with team
//! state), `]` `[`, searches as views, and the counts an act moves.

#[path = "support/tui.rs"]
mod tui_support;

use ratatui::{Terminal, backend::TestBackend};
use replypad::ui::App;
use tui_support::render;

fn app(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    tui_support::app_with_outbox(width, height, "/tmp/replypad-demo/outbox".into())
}

/// The title of every view `]` (or `[`) steps through from the first.
fn cycle(app: &mut App, key: &str) -> Vec<String> {
    let first = app.view.clone();
    let mut seen = vec![first.title()];
    for _ in 0..40 {
        app.feed(key);
        if app.view == first {
            return seen;
        }
        seen.push(app.view.title());
    }
    panic!("{key} never came back to {first:?}: {seen:?}")
}

#[test]
fn without_team_state_the_team_views_are_left_out() {
    use replypad::domain::events::EventKind;
    use replypad::domain::views::View;
    let (mut app, mut term) = tui_support::app_without_team(200, 50);
    let screen = render(&mut app, &mut term);
    for gone in [
        "Unassigned",
        "Mine",
        "All open",
        "Pending",
        "Review",
        "#billing",
    ] {
        assert!(!screen.contains(gone), "{gone}:\n{screen}");
    }
    let on = [
        "All",
        "Drafts",
        "Unread billing",
        "Archive",
        "Spam",
        "Trash",
    ];
    assert_eq!(cycle(&mut app, "]"), on);
    let mut back: Vec<String> = on.iter().map(|s| s.to_string()).collect();
    back[1..].reverse();
    assert_eq!(cycle(&mut app, "["), back);
    // A team view asked for by name still opens, and shows while open.
    app.feed("gu");
    assert_eq!(app.view, View::Unassigned);
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("Unassigned") && !screen.contains("Mine"),
        "{screen}"
    );
    app.feed("]");
    assert_eq!(app.view.title(), "Drafts", "from where Unassigned stands");

    // State folded before the key was removed shows, with every team view:
    // an owner, a status, a label each.
    let sam = Some("sam@example.com".to_string());
    for before in [
        EventKind::Assign {
            to: sam,
            reassign: false,
        },
        EventKind::Status {
            status: replypad::domain::Status::Closed,
            until: None,
        },
        EventKind::Label {
            add: vec!["billing".into()],
            remove: vec![],
        },
    ] {
        let (mut app, mut term) =
            tui_support::app_without_key(200, 50, std::slice::from_ref(&before));
        let screen = render(&mut app, &mut term);
        for shown in [
            "Unassigned",
            "Mine",
            "All open",
            "Closed",
            "Review",
            "#billing",
        ] {
            assert!(screen.contains(shown), "{before:?}: {shown}:\n{screen}");
        }
        assert_eq!(cycle(&mut app, "]").len(), app.views().len(), "{before:?}");
    }
}

#[test]
fn views_switch_by_key_and_the_sidebar_counts_them() {
    let (mut app, mut term) = app(160, 48);
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("Views") && screen.contains("Unassigned"),
        "{screen}"
    );
    app.feed("gu");
    assert_eq!(app.view, replypad::domain::views::View::Unassigned);
    assert!(
        app.list
            .rows
            .iter()
            .all(|r| r.assignee.is_none() && r.status == replypad::domain::Status::Open)
    );
    let unassigned = app.list.total;
    // Claiming one moves it out of Unassigned and into Mine.
    app.feed("a");
    assert_eq!(app.list.total, unassigned - 1);
    app.feed("gm");
    assert!(
        app.list
            .rows
            .iter()
            .all(|r| r.assignee.as_deref() == Some("dana@example.com"))
    );
    // A note mentioning me puts it under Mentions; following under Following.
    app.feed("c");
    app.type_text("@dana look");
    app.feed("<Enter>F g@");
    assert_eq!(app.list.total, 1);
    app.feed("gf");
    assert_eq!(app.list.total, 1);
    app.feed("]");
    assert_eq!(app.view, replypad::domain::views::View::Drafts);
    app.feed("]]");
    // A saved search from the config is a view too, counted like the others.
    let replypad::domain::views::View::Saved { name, query } = app.view.clone() else {
        panic!("{:?}", app.view)
    };
    assert_eq!(name, "Unread billing");
    assert_eq!(
        app.list.total,
        app.desk
            .store
            .search_count(&query, "dana@example.com")
            .unwrap()
    );
    assert!(app.list.total > 0);
    app.feed("]");
    assert_eq!(
        app.view,
        replypad::domain::views::View::Label("billing".into())
    );
    assert!(
        app.list
            .rows
            .iter()
            .all(|r| r.labels.contains(&"billing".to_string()))
    );
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("#billing · 1/"), "{screen}");
}

#[test]
fn search_by_key_shows_results_as_a_view() {
    let (mut app, mut term) = app(120, 40);
    app.feed("/");
    app.type_text("label:billing is:unread");
    app.feed("<Enter>");
    assert!(matches!(app.view, replypad::domain::views::View::Search(_)));
    assert!(app.list.total >= 1);
    assert!(
        app.list
            .rows
            .iter()
            .all(|r| r.unread > 0 && r.labels.contains(&"billing".to_string()))
    );
    // `/` offers the last query: Backspace edits it, Enter runs it again.
    app.feed("/");
    assert_eq!(
        app.prompt.as_ref().unwrap().input,
        "label:billing is:unread"
    );
    app.feed("<Backspace>");
    assert_eq!(app.prompt.as_ref().unwrap().input, "label:billing is:unrea");
    app.feed("<Esc>/<C-u>");
    assert_eq!(app.prompt.as_ref().unwrap().input, "");
    app.feed("<Esc>");
    // Typing replaces it (not appended to it).
    app.feed("/");
    app.type_text("\"storage cluster\"");
    app.feed("<Enter>");
    assert_eq!(app.list.total, 1, "a phrase from a body, through FTS5");
    assert_eq!(
        app.list.rows[0].subject,
        "THIS IS UNACCEPTABLE - third outage this week"
    );
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("/\"storage cluster\" · 1/1"), "{screen}");
    // A bad query keeps its prompt open and says why; the list stays.
    for (bad, why) in [
        ("status:done", "unknown status"),
        ("lable:bug", "unknown field lable:"),
        ("from:", "from: needs a value"),
        ("label:bug OR", "OR needs a term"),
    ] {
        app.feed("/");
        app.feed("<C-u>");
        app.type_text(bad);
        app.feed("<Enter>");
        let p = app
            .prompt
            .as_ref()
            .unwrap_or_else(|| panic!("{bad}: prompt closed"));
        assert!(
            p.error.as_deref().unwrap_or("").contains(why),
            "{bad}: {:?}",
            p.error
        );
        assert_eq!(p.input, bad);
        app.feed("<Esc>");
        assert_eq!(app.list.total, 1);
    }
    // OR and negation.
    let n = |app: &mut App, q: &str| {
        app.feed("/");
        app.feed("<C-u>");
        app.type_text(q);
        app.feed("<Enter>");
        assert!(app.prompt.is_none(), "{q}: {:?}", app.prompt);
        app.list.total
    };
    let (billing, bug, both) = (
        n(&mut app, "label:billing"),
        n(&mut app, "label:bug"),
        n(&mut app, "label:billing label:bug"),
    );
    assert_eq!(
        n(&mut app, "label:billing OR label:bug"),
        billing + bug - both
    );
    // Searches cover archived conversations too.
    assert_eq!(
        n(&mut app, "-label:billing") + billing,
        n(&mut app, "label:billing OR -label:billing")
    );
    // Esc (nothing selected) leaves the search for the view it came from.
    app.feed("g u");
    let unassigned = app.list.total;
    n(&mut app, "refund");
    app.feed("<Esc>");
    assert_eq!(app.view, replypad::domain::views::View::Unassigned);
    assert_eq!(app.list.total, unassigned);
    app.feed("gi");
    assert_eq!(app.list.total, 46);
    app.feed("nnN");
    assert_eq!(app.list.selected, 1);
    // A search that finds nothing says so, and how to go on.
    app.feed("g u");
    n(&mut app, "zzqq");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("Nothing matches this search: / edits it, Esc goes back to Unassigned."),
        "{screen}"
    );
}

/// An act moves the sidebar's counts by what it changed (read per
/// conversation, not recounted); they must equal a full recount after each.
#[test]
fn counts_after_acts_equal_a_recount() {
    let (mut app, _term) = app(160, 48);
    let recount = |app: &App| -> Vec<usize> {
        app.views()
            .iter()
            .map(|v| app.desk.store.count_view(v, &app.me).unwrap())
            .collect()
    };
    assert_eq!(app.view_counts, recount(&app));
    // (keys, then text typed into the prompt they open, if any)
    let steps: &[(&str, &str)] = &[
        ("A", "none"),
        ("a", ""),
        ("#", "billing"),
        ("s", "pending"),
        ("S", "2026-01-02 09:00"),
        ("u", ""),
        ("c", "@dana look at this"),
        ("F", ""),
        ("U", ""),
        ("j", ""),
        ("A", "none"),
        ("#", "-billing +urgent"),
        ("s", "closed"),
        ("u", ""),
        ("vjvjv", ""),
        ("a", ""),
        ("u", ""),
    ];
    for (keys, text) in steps {
        app.feed(keys);
        if !text.is_empty() {
            app.type_text(text);
            app.feed("<Enter>");
        }
        assert!(
            !matches!(&app.message, Some((_, replypad::ui::app::Level::Error))),
            "{keys} {text}: {:?}",
            app.message
        );
        assert_eq!(app.view_counts, recount(&app), "after {keys:?}");
    }
}
