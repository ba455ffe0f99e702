//! The team in the TUI, through the real App: the roster's handles in the
//! list's owner column and the team view (`g T`), at several widths.

#[path = "support/tui.rs"]
mod tui_support;

use replypad::config::Secret;
use replypad::desk::Changed;
use replypad::domain::events::{Event, EventKind};
use replypad::domain::roster::{Change, Role};
use replypad::mail::team_event::{decode, encode, public_key};
use replypad::store::Store;
use replypad::ui::App;

fn key(n: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[n; 32])
}

/// A roster as the log would bring it: Dana (admin), Sam (reviewer, handle
/// "sammy"), Lee (invited, not joined); signed for real and decoded.
fn give_roster(app: &mut App) {
    let team = Secret::new("demo");
    let ev = |n: u32, agent: &str, change: Change| Event {
        id: format!("r{n}"),
        conversation: "team".into(),
        agent: agent.into(),
        at: tui_support::NOW - 3600,
        kind: EventKind::Roster { change },
    };
    let member =
        |email: &str, name: &str, handle: &str, role, key: Option<String>| Change::Member {
            email: email.into(),
            name: name.into(),
            handle: handle.into(),
            role,
            invite: key.is_none().then(|| "0".repeat(64)),
            key,
        };
    let log = [
        (
            ev(
                1,
                "dana@example.com",
                Change::Init {
                    name: "Dana Demo".into(),
                    handle: "dana".into(),
                    key: public_key(&key(1)),
                },
            ),
            key(1),
        ),
        (
            ev(
                2,
                "dana@example.com",
                member(
                    "sam@example.com",
                    "Sam Rivera",
                    "sammy",
                    Role::Reviewer,
                    Some(public_key(&key(2))),
                ),
            ),
            key(1),
        ),
        (
            ev(
                3,
                "dana@example.com",
                member("lee@example.com", "Lee Park", "lee", Role::Agent, None),
            ),
            key(1),
        ),
    ];
    let fetched: Vec<_> = log
        .iter()
        .enumerate()
        .map(|(i, (e, k))| {
            let raw = encode(e, Some(&team), Some(k), "support@example.com");
            (
                900_000 + i as u32,
                decode(&raw, Some(&team)).map_err(|e| e.to_string()),
            )
        })
        .collect();
    app.desk
        .store
        .transaction(|tx| Store::apply_log(tx, &fetched))
        .unwrap();
    app.on_changed(&Changed {
        drafts: true,
        ..Changed::default()
    })
    .unwrap();
}

#[test]
fn the_team_view_and_the_rosters_handles() {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let (mut app, mut term) =
            tui_support::app_with_outbox(w, h, "/tmp/replypad-demo/outbox".into());
        // (At 80 columns the list has no owner column.)
        let before = tui_support::render(&mut app, &mut term);
        assert!(
            w < 120 || before.contains(" sam "),
            "{w}x{h}: the local part before the roster:\n{before}"
        );
        give_roster(&mut app);
        let list = tui_support::render(&mut app, &mut term);
        assert!(
            w < 120 || list.contains(" sammy "),
            "{w}x{h}: the roster's handle:\n{list}"
        );
        app.feed("gT");
        let screen = tui_support::render(&mut app, &mut term);
        for bit in [
            "admins:",
            "Dana Demo",
            "reviewers:",
            "Sam Rivera",
            "invited, not joined",
        ] {
            assert!(screen.contains(bit), "{w}x{h}: {bit}:\n{screen}");
        }
        insta::assert_snapshot!(format!("team_view_{w}x{h}"), screen);
    }
}

/// The conversation names its owner and note authors by display name.
#[test]
fn the_reader_gives_members_display_names() {
    let (mut app, mut term) =
        tui_support::app_with_outbox(140, 40, "/tmp/replypad-demo/outbox".into());
    give_roster(&mut app);
    let i = app
        .list
        .rows
        .iter()
        .position(|c| c.assignee.as_deref() == Some("sam@example.com"))
        .expect("a conversation Sam owns on the first page");
    app.feed(&format!("{}<Enter>", "j".repeat(i)));
    let screen = tui_support::render(&mut app, &mut term);
    assert!(screen.contains("assigned to Sam Rivera"), "{screen}");
}

#[test]
fn without_a_roster_the_team_view_says_how_to_start_one() {
    let (mut app, mut term) =
        tui_support::app_with_outbox(100, 30, "/tmp/replypad-demo/outbox".into());
    app.feed("gT");
    let screen = tui_support::render(&mut app, &mut term);
    assert!(screen.contains("no roster yet"), "{screen}");
    assert!(screen.contains("team init"), "{screen}");
}

/// A note whose @mention is off the roster is refused with the closest
/// member, and the prompt keeps what was typed.
#[test]
fn a_note_to_someone_off_the_roster_keeps_its_text() {
    let (mut app, _term) =
        tui_support::app_with_outbox(120, 40, "/tmp/replypad-demo/outbox".into());
    give_roster(&mut app);
    app.feed("c");
    app.type_text("please look @samm");
    app.feed("<Enter>");
    let p = app.prompt.as_ref().expect("the prompt stays open");
    assert_eq!(p.input, "please look @samm");
    let e = p.error.clone().unwrap_or_default();
    assert!(e.contains("did you mean sam@example.com"), "{e}");
}

/// In the demo (its agents share one cache) a teammate's mention rings:
/// the first `g n` showed nothing and marked it read (no mark before a
/// first sync, which the demo never has), and one agent's look hid the
/// others'. Marks are kept per agent; the demo's start is not news.
#[test]
fn a_teammates_mention_rings_in_the_demo_and_marks_are_per_agent() {
    let (mut app, mut term) =
        tui_support::app_with_outbox(80, 24, "/tmp/replypad-demo/outbox".into());
    let conv = app.list.rows[0].id.clone();
    let e = Event {
        id: "note-from-lee".into(),
        conversation: conv,
        agent: "lee@example.com".into(),
        at: tui_support::NOW,
        kind: replypad::desk::input::note("@dana can you check the credit?").unwrap(),
    };
    let raw = encode(&e, Some(&Secret::new("demo")), None, "support@example.com");
    app.desk.store.record_local_event(&e, &raw).unwrap();
    // Sam looks at his notifications first: nothing for him, and his look
    // leaves Dana's news unread.
    assert!(
        app.desk
            .store
            .notifications("sam@example.com", 10)
            .unwrap()
            .is_empty()
    );
    app.desk.store.mark_notices_seen("sam@example.com").unwrap();
    app.feed("gn");
    let screen = tui_support::render(&mut app, &mut term);
    assert!(screen.contains("mentioned you"), "{screen}");
    assert!(screen.contains("can you check the credit?"), "{screen}");
    // Read now: a second look is empty.
    app.feed("<Esc>gn");
    let screen = tui_support::render(&mut app, &mut term);
    assert!(screen.contains("Nothing new"), "{screen}");
}
