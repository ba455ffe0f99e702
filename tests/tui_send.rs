//! Sending from the TUI, through the real App: a likely mistake asked about
//! first, send and set the status in one key, undo send (with the status
//! and the claim it set), and the assign-on-reply policy.

#[path = "support/tui.rs"]
mod tui_support;

use replypad::domain::compose::DraftState;
use tui_support::{app_with_config, app_with_outbox, render};

/// The first message the demo's file outbox holds, as written.
fn first_sent(outbox: &std::path::Path) -> String {
    let f = std::fs::read_dir(outbox).unwrap().next().unwrap().unwrap();
    std::fs::read_to_string(f.path()).unwrap()
}

/// A reply with no text of its own, or one that mentions an attachment
/// with none attached, is asked about first; Ctrl-s again sends it.
#[test]
fn an_empty_reply_or_a_missing_attachment_is_asked_about_first() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(120, 40, dir.path().into());
    app.feed("r");
    assert!(app.compose.is_some());
    app.feed("<C-s>");
    let c = app.compose.as_ref().expect("not sent: asked first");
    assert!(
        c.blocked
            .as_deref()
            .unwrap_or("")
            .contains("no text of its own")
    );
    assert!(render(&mut app, &mut term).contains("no text of its own"));
    app.type_text("The invoice is attached.");
    app.feed("<C-s>");
    let c = app.compose.as_ref().expect("asked again: the attachment");
    assert!(
        c.blocked
            .as_deref()
            .unwrap_or("")
            .contains("mentions an attachment"),
        "{:?}",
        c.blocked
    );
    app.feed("<C-s>");
    assert!(
        app.compose.is_none(),
        "the second Ctrl-s sends: {:?}",
        app.message
    );
    assert!(first_sent(dir.path()).contains("The invoice is attached."));
}

/// Send and set the status in one key: Alt-c sends and closes, Alt-p sends
/// and sets pending.
#[test]
fn send_and_close_in_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _term) = app_with_outbox(120, 40, dir.path().into());
    let conv = app.list.rows[0].id.clone();
    app.feed("r");
    app.type_text("Fixed on our side; closing this.");
    app.feed("<A-c>");
    assert!(app.compose.is_none(), "{:?}", app.message);
    assert!(
        matches!(&app.message, Some((m, _)) if m.contains("status closed")),
        "{:?}",
        app.message
    );
    assert!(first_sent(dir.path()).contains("closing this"));
    assert_eq!(
        app.desk.store.team_state(&conv).unwrap().status,
        replypad::domain::Status::Closed
    );
}

/// Undo send: the reply waits `undo_send` seconds in the outbox, the
/// status bar counts down, and `u` takes it back to the draft in compose;
/// left alone, it goes when its time comes.
#[test]
fn undo_send_takes_a_held_reply_back_to_its_draft() {
    let outbox = tempfile::tempdir().unwrap();
    let cfg = replypad::config::Config::demo();
    assert_eq!(cfg.undo_send, 10, "on by default");
    let (mut app, _term) = app_with_config(100, 30, outbox.path().to_path_buf(), cfg);
    let sent = || std::fs::read_dir(outbox.path()).unwrap().count();
    app.feed("r");
    app.type_text("Fixed on our side.");
    app.feed("<C-s>");
    assert!(app.compose.is_none());
    assert_eq!(sent(), 0, "held, not sent");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("sending in 10 s · u takes it back")
    );
    // Due at the second past the hold (the key came somewhere in the
    // clock's second): never sooner than asked.
    app.clock.now += 4;
    app.tick();
    assert!(app.message.as_ref().unwrap().0.contains("sending in 7 s"));
    app.feed("u");
    assert_eq!(sent(), 0);
    let c = app.compose.as_ref().expect("the draft is open again");
    assert!(c.draft.body.contains("Fixed on our side."));
    assert_eq!(c.draft.state, DraftState::Editing);
    assert!(app.message.as_ref().unwrap().0.contains("send undone"));
    // Its time passes with nothing held: nothing goes.
    app.clock.now += 30;
    app.tick();
    assert_eq!(sent(), 0);
    // Sent again and left alone: it goes when due, and u is too late.
    app.feed("<C-s>");
    app.clock.now += 10;
    app.tick();
    assert_eq!(sent(), 0, "not before the whole hold has passed");
    app.clock.now += 1;
    app.tick();
    assert_eq!(sent(), 1, "{:?}", app.message);
    assert!(first_sent(outbox.path()).contains("Fixed on our side."));
    app.feed("u");
    assert!(app.message.as_ref().unwrap().0.contains("too late"));
    assert!(app.compose.is_none());
}

/// Send and set pending, then undo send: the reply is a draft again and the
/// conversation is as it was (not pending on a reply the customer never got).
#[test]
fn undo_send_takes_back_the_status_set_with_it() {
    let outbox = tempfile::tempdir().unwrap();
    let cfg = replypad::config::Config::demo();
    let (mut app, _term) = app_with_config(100, 30, outbox.path().to_path_buf(), cfg);
    let conv = app.list.rows[0].id.clone();
    let status =
        |app: &replypad::ui::App| app.desk.store.conversation(&conv).unwrap().unwrap().status;
    let before = status(&app);
    assert_ne!(before, replypad::domain::Status::Pending);
    app.feed("r");
    app.type_text("Fixed on our side.");
    app.feed("<A-p>");
    assert_eq!(status(&app), replypad::domain::Status::Pending);
    app.feed("u");
    assert!(app.compose.is_some(), "the draft is open again");
    assert_eq!(status(&app), before, "{:?}", app.message);
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("and the conversation as it was")
    );
    // With undo send off, u after send and pending takes back the status.
    let mut cfg = replypad::config::Config::demo();
    cfg.undo_send = 0;
    let (mut app, _term) = app_with_config(100, 30, outbox.path().to_path_buf(), cfg);
    app.feed("r");
    app.type_text("Second answer.");
    app.feed("<A-p>");
    assert_eq!(status(&app), replypad::domain::Status::Pending);
    app.feed("<Esc>u");
    assert_eq!(status(&app), before, "{:?}", app.message);
}

/// Policy assign_on_reply: replying to an unowned conversation claims it
/// (undo send takes the claim back too); an owned one keeps its owner.
#[test]
fn replying_to_an_unowned_conversation_claims_it_when_the_policy_says_so() {
    let outbox = tempfile::tempdir().unwrap();
    let mut cfg = replypad::config::Config::demo();
    cfg.assign_on_reply = true;
    let (mut app, _term) = app_with_config(100, 30, outbox.path().to_path_buf(), cfg);
    let owner = |app: &replypad::ui::App, id: &str| {
        app.desk.store.conversation(id).unwrap().unwrap().assignee
    };
    let row = |app: &replypad::ui::App, owned: bool| {
        app.list
            .rows
            .iter()
            .position(|r| {
                r.assignee.is_some() == owned && r.status != replypad::domain::Status::Closed
            })
            .unwrap()
    };
    let unowned = row(&app, false);
    let id = app.list.rows[unowned].id.clone();
    for _ in 0..unowned {
        app.feed("j");
    }
    app.feed("r");
    app.type_text("On it.");
    app.feed("<C-s>");
    assert_eq!(owner(&app, &id).as_deref(), Some("dana@example.com"));
    app.feed("u");
    assert_eq!(owner(&app, &id), None, "undo send takes the claim back");
    app.feed("<Esc>");
    // An owned conversation keeps its owner.
    app.feed("gg");
    let owned = row(&app, true);
    let id = app.list.rows[owned].id.clone();
    let before = owner(&app, &id);
    for _ in 0..owned {
        app.feed("j");
    }
    app.feed("r");
    app.type_text("Adding a detail.");
    app.feed("<C-s>");
    assert_eq!(owner(&app, &id), before);
}

/// `g U` schedules an update; the jobs screen (`g J`) names the
/// conversation by its subject, not only by its id.
#[test]
fn the_jobs_screen_names_a_scheduled_update_by_its_subject() {
    for (w, h) in [(80, 24), (200, 50)] {
        let dir = tempfile::tempdir().unwrap();
        let (mut app, mut term) = app_with_outbox(w, h, dir.path().join("outbox"));
        render(&mut app, &mut term);
        app.feed("g");
        app.feed("U");
        for c in "2h".chars() {
            app.feed(&c.to_string());
        }
        app.feed("<Enter>");
        let screen = render(&mut app, &mut term);
        assert!(screen.contains("update scheduled"), "{w}x{h}: {screen}");
        app.feed("g");
        app.feed("J");
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains("“THIS IS UNACCEPTABLE"),
            "{w}x{h}: the subject is named: {screen}"
        );
    }
}

/// `g X` with nothing scheduled says so rather than asking for an id no
/// job has; with a job on the conversation it offers its id; a blank
/// answer cancels nothing ("" is a prefix of every id).
#[test]
fn cancel_job_asks_only_when_something_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(80, 24, dir.path().join("outbox"));
    render(&mut app, &mut term);
    app.feed("gX");
    assert!(app.prompt.is_none(), "nothing to cancel: no prompt");
    let (said, _) = app.message.clone().unwrap();
    assert!(said.contains("nothing waits to be sent"), "{said}");
    app.feed("gU");
    app.type_text("2h");
    app.feed("<Enter>");
    let job = app.desk.jobs().unwrap()[0].id.clone();
    app.feed("gX");
    assert_eq!(
        app.prompt.as_ref().map(|p| p.input.as_str()),
        Some(job.as_str())
    );
    app.feed("<C-u>");
    app.type_text("  ");
    app.feed("<Enter>");
    app.feed("<Esc>");
    assert_eq!(
        app.desk.jobs().unwrap()[0].state(),
        replypad::domain::jobs::State::Pending
    );
}

/// Times an agent reads are in the zone they typed them in (config
/// `timezone`): the confirmation of a scheduled update, its line on the
/// jobs screen, and a snooze (they said UTC, an hour or thirteen off what
/// was typed).
#[test]
fn times_read_back_in_the_agents_zone() {
    for (w, h) in [(80, 24), (200, 50)] {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = replypad::config::Config::demo();
        cfg.undo_send = 0;
        // Tuesday 25 November, 05:00 there (NOW is 16:00 UTC on the 24th).
        cfg.timezone = Some("Pacific/Auckland".into());
        let (mut app, mut term) = app_with_config(w, h, dir.path().join("outbox"), cfg);
        render(&mut app, &mut term);
        app.feed("g");
        app.feed("U");
        app.type_text("tomorrow 10:00");
        app.feed("<Enter>");
        let (said, _) = app.message.clone().expect("a confirmation");
        assert!(said.contains("Wed 26 Nov 10:00"), "{w}x{h}: {said}");
        app.feed("g");
        app.feed("J");
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains("due Wed 26 Nov 10:00"),
            "{w}x{h}: the jobs screen: {screen}"
        );
        app.feed("q");
        app.feed(":");
        app.type_text("snooze tomorrow 9:00");
        app.feed("<Enter>");
        let (said, _) = app.message.clone().expect("a confirmation");
        assert!(
            said.contains("snoozed until Wed 26 Nov 09:00"),
            "{w}x{h}: {said}"
        );
    }
}

/// A snooze takes the times a schedule takes: "in 2 business days" (and
/// "in 3d") were refused by `S` and `snooze` while `g U` and `schedule`
/// took them.
#[test]
fn a_snooze_takes_the_times_a_schedule_takes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _term) = app_with_outbox(80, 24, dir.path().join("outbox"));
    for when in ["in 2 business days", "in 3d", "2 working days"] {
        app.feed("S");
        app.type_text(when);
        app.feed("<Enter>");
        assert!(
            app.prompt.is_none(),
            "{when}: {:?}",
            app.prompt.as_ref().and_then(|p| p.error.clone())
        );
        let (said, _) = app.message.clone().unwrap();
        assert!(said.contains("snoozed until"), "{when}: {said}");
        app.feed("u");
    }
}
