//! Drafts and new messages in the TUI, driven through the real App: a
//! draft left behind (named in its conversation and on its list row),
//! a new message's prompts, attachments, resuming and discarding, and a
//! draft per kind (reply, reply to all, forward).

#[path = "support/tui.rs"]
mod tui_support;

use tui_support::{app_with_outbox, first_sent, render};

/// `m`, then the recipient and subject prompts answered: compose opens.
fn new_message_to_kim(app: &mut replypad::ui::App) {
    app.feed("m");
    app.type_text("Kim <kim@shop.test>");
    app.feed("<Enter>");
    app.type_text("Our new prices");
    app.feed("<Enter>");
}

/// A reply left with Esc is named when its conversation is opened again
/// (from the Drafts view, say), with the key that resumes it.
#[test]
fn a_draft_left_behind_is_named_in_its_conversation() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(80, 24, outbox.path().to_path_buf());
    app.feed("jj<Enter>");
    assert!(!render(&mut app, &mut term).contains("your reply draft"));
    app.feed("r");
    app.type_text("Hi Emily, half an answer");
    app.feed("<Esc><Esc>");
    // The list marks it too.
    let screen = render(&mut app, &mut term);
    let row = screen.lines().find(|l| l.contains("Emily Zhang")).unwrap();
    assert!(row.contains("✎draft"), "{row}");
    assert_eq!(screen.matches("✎draft").count(), 1, "{screen}");
    app.feed("gd<Enter>");
    render(&mut app, &mut term); // the first draw scrolls to the unread
    app.feed("gg");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("✎ your reply draft, saved") && screen.contains("r resumes it"),
        "{screen}"
    );
    app.feed("r");
    assert!(
        app.compose
            .as_ref()
            .unwrap()
            .draft
            .body
            .contains("half an answer"),
        "r resumes it"
    );
    // Discarded: the line goes.
    app.feed("<C-d><C-d>");
    assert!(app.compose.is_none());
    let r = app.reader.as_ref().expect("back in the conversation");
    assert_eq!(r.my_draft, None);
    app.feed("gg");
    let screen = render(&mut app, &mut term);
    assert!(!screen.contains("your reply draft"), "{screen}");
    assert!(screen.contains("Data export stuck at 99%"), "{screen}");
    app.feed("<Esc>gi");
    assert!(!render(&mut app, &mut term).contains("✎draft"));
}

/// Enter on an empty subject keeps the new message's prompt (it dropped
/// the message and the recipients typed a moment before).
#[test]
fn a_new_message_asks_for_a_subject() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, _term) = app_with_outbox(80, 24, outbox.path().to_path_buf());
    app.feed("m");
    app.type_text("Kim <kim@shop.test>");
    app.feed("<Enter><Enter>");
    let p = app.prompt.as_ref().expect("still asking");
    assert!(
        p.error.as_deref().unwrap_or("").contains("needs a subject"),
        "{:?}",
        p.error
    );
    app.type_text("Our new prices");
    app.feed("<Enter>");
    let c = app.compose.as_ref().expect("compose opens");
    assert_eq!(c.draft.to, vec!["Kim <kim@shop.test>"]);
    assert_eq!(c.draft.subject, "Our new prices");
}

#[test]
fn new_message_with_an_attachment_and_a_reviewers_edit() {
    let outbox = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    std::fs::write(
        files.path().join("price-list-2026.csv"),
        "plan,price\nteam,49\n",
    )
    .unwrap();
    let (mut app, _term) = app_with_outbox(120, 40, outbox.path().to_path_buf());
    new_message_to_kim(&mut app);
    let c = app
        .compose
        .as_ref()
        .expect("compose opens for the new message");
    assert_eq!(c.draft.to, vec!["Kim <kim@shop.test>"]);
    assert_eq!(c.draft.subject, "Our new prices");
    app.type_text("Hi Kim, thank you for asking; the list is attached.");
    // A file too large to mail (sparse: no disk used) and a missing one are
    // refused with the path kept in the prompt to mend; nothing attached.
    let huge = files.path().join("dump.bin");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(replypad::mail::compose::ATTACHMENTS_MAX + 1)
        .unwrap();
    for (path, why) in [
        (
            huge.display().to_string(),
            "share a link to the file instead",
        ),
        (
            "/nonexistent/x.pdf".to_string(),
            "cannot attach /nonexistent/x.pdf",
        ),
    ] {
        app.feed("<C-a>");
        app.type_text(&path);
        app.feed("<Enter>");
        let p = app.prompt.as_ref().expect("the prompt stays open");
        assert_eq!(p.input, path);
        assert!(
            p.error.as_deref().unwrap_or("").contains(why),
            "{:?}",
            p.error
        );
        app.feed("<Esc>");
        assert!(app.compose.as_ref().unwrap().draft.attachments.is_empty());
    }
    let body = &app.compose.as_ref().unwrap().draft.body;
    assert!(
        !body.contains("dump.bin") && !body.contains("nonexistent"),
        "the refused paths went nowhere else: {body}"
    );
    // Ctrl-a, Tab completes the path, Enter attaches.
    app.feed("<C-a>");
    app.type_text(&format!("{}/price", files.path().display()));
    app.feed("<Tab><Enter>");
    let c = app.compose.as_ref().unwrap();
    assert_eq!(c.draft.attachments.len(), 1, "{:?}", app.message);
    assert!(c.draft.attachments[0].ends_with("price-list-2026.csv"));
    app.feed("<C-s>");
    assert!(
        app.compose.is_none(),
        "{:?}",
        app.compose.as_ref().map(|c| c.blocked.clone())
    );
    let raw = first_sent(outbox.path());
    assert!(raw.contains("filename=\"price-list-2026.csv\""), "{raw}");
    assert!(!raw.contains("In-Reply-To"), "{raw}");

    // A reviewer's edit: v e opens the draft under review, Ctrl-r shares a new revision.
    app.feed("<Enter>r");
    app.type_text("Refund done.");
    app.feed("<C-r>");
    app.feed("ve");
    let c = app.compose.as_ref().expect("the reviewer edits");
    assert!(c.draft.body.starts_with("Refund done."));
    app.type_text("Thank you for waiting. ");
    app.feed("<C-r>");
    let shared = app.waiting_draft().unwrap().unwrap();
    assert_eq!(shared.latest().revision, 2);
    assert!(
        shared
            .latest()
            .body
            .starts_with("Thank you for waiting. Refund done.")
    );
}

#[test]
fn an_unfinished_new_message_is_resumed_by_m_and_discarded_by_ctrl_d_twice() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, _term) = app_with_outbox(120, 40, outbox.path().to_path_buf());
    new_message_to_kim(&mut app);
    app.type_text("Hi Kim,");
    let id = app.compose.as_ref().unwrap().draft.id.clone();
    app.feed("<Esc>");
    assert!(app.compose.is_none());
    let said = app.message.clone().unwrap().0;
    assert!(said.contains("m resumes it"), "{said}");

    // A new message has no list row: m leads back to it.
    app.feed("m");
    let c = app
        .compose
        .as_ref()
        .expect("m resumes the unfinished new message");
    assert_eq!(c.draft.id, id);
    assert!(c.draft.body.starts_with("Hi Kim,"), "{:?}", c.draft.body);

    // One Ctrl-d only asks; another key in between keeps the draft.
    app.feed("<C-d>");
    assert!(app.compose.is_some(), "one Ctrl-d only asks");
    app.type_text(" Best,");
    app.feed("<C-d>");
    assert!(app.compose.is_some(), "a key in between disarms");
    app.feed("<C-d>");
    assert!(app.compose.is_none(), "{:?}", app.message);
    assert!(
        app.desk
            .store
            .drafts(app.desk.me())
            .unwrap()
            .iter()
            .all(|d| d.id != id)
    );
    assert_eq!(std::fs::read_dir(outbox.path()).unwrap().count(), 0);

    // Nothing left to resume: m starts a new message again.
    app.feed("m");
    assert!(app.compose.is_none() && app.prompt.is_some());
}

#[test]
fn recipients_and_subject_are_edited_in_prompts_from_compose() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(100, 30, outbox.path().to_path_buf());
    app.feed("<Enter>r");
    let subject = app.compose.as_ref().unwrap().draft.subject.clone();
    app.feed("<C-o>");
    let p = app.prompt.as_ref().expect("Ctrl-o asks for To");
    assert_eq!(p.input, app.compose.as_ref().unwrap().draft.to.join(", "));
    app.feed("<C-u>");
    app.type_text("Ana <ana@shop.test>");
    app.feed("<Enter>");
    app.type_text(r#""Lima, Ana" <lima@shop.test>, boss@shop.test"#);
    app.feed("<Enter>");
    let p = app.prompt.as_ref().expect("then Subject");
    assert_eq!(p.input, subject, "the subject as it is, to keep or mend");
    app.type_text(" (order 4711)");
    app.feed("<Enter>");
    assert!(app.prompt.is_none());
    let d = &app.compose.as_ref().unwrap().draft;
    assert_eq!(d.to, vec!["Ana <ana@shop.test>"]);
    assert_eq!(
        d.cc,
        vec![r#""Lima, Ana" <lima@shop.test>"#, "boss@shop.test"]
    );
    assert_eq!(d.subject, format!("{subject} (order 4711)"));
    let saved = app.desk.store.draft(&d.id).unwrap();
    assert_eq!(
        (saved.to, saved.cc.len()),
        (d.to.clone(), 2),
        "saved at once"
    );

    // A wrong address: the prompt stays open with it, nothing changes.
    app.feed("<C-o><C-u>");
    app.type_text("not an address");
    app.feed("<Enter>");
    assert_eq!(app.prompt.as_ref().unwrap().input, "not an address");
    let screen = render(&mut app, &mut term);
    let row = screen.lines().last().unwrap();
    assert!(
        row.contains(r#"✗ To: "not an address" is not an address"#) && row.contains("To (commas"),
        "the prompt row says why: {row}"
    );
    app.feed("<Esc>");
    assert!(app.prompt.is_none() && app.compose.is_some());
    assert_eq!(
        app.compose.as_ref().unwrap().draft.to,
        vec!["Ana <ana@shop.test>"]
    );

    // A reply with no text of its own is asked about first (issue 26).
    app.type_text("Here you go.");
    app.feed("<C-s>");
    assert!(app.compose.is_none(), "{:?}", app.message);
    let raw = first_sent(outbox.path());
    assert!(raw.contains("To: Ana <ana@shop.test>"), "{raw}");
    assert!(
        raw.contains("boss@shop.test") && raw.contains("lima@shop.test"),
        "{raw}"
    );
    assert!(raw.contains("(order 4711)"), "{raw}");
}

/// Reply, reply to all and forward each have their own draft: forwarding
/// with a reply draft saved opens a forward, discarding it leaves the
/// reply draft alone, and `u` brings a discarded draft back.
#[test]
fn each_kind_has_its_own_draft_and_a_discard_can_be_undone() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _term) = app_with_outbox(120, 40, dir.path().into());
    app.feed("r");
    app.type_text("My reply text.");
    app.feed("<Esc>");
    app.feed("f");
    let fwd = app.compose.as_ref().expect("a forward opens");
    assert!(
        fwd.draft.body.contains("Forwarded message"),
        "{}",
        fwd.draft.body
    );
    assert!(!fwd.draft.body.contains("My reply text."));
    app.feed("<C-d><C-d>");
    assert!(app.compose.is_none());
    app.feed("R");
    let all = app.compose.as_ref().expect("a reply to all opens");
    assert!(!all.draft.body.contains("My reply text."));
    app.feed("<Esc>");
    app.feed("r");
    let reply = app.compose.as_ref().expect("the reply draft resumes");
    assert!(reply.draft.body.contains("My reply text."));
    let id = reply.draft.id.clone();
    app.feed("<C-d><C-d>");
    assert!(app.compose.is_none());
    assert!(matches!(&app.message, Some((m, _)) if m.contains("u brings it back")));
    app.feed("u");
    app.feed("r");
    let back = app.compose.as_ref().expect("brought back");
    assert_eq!(back.draft.id, id);
    assert!(back.draft.body.contains("My reply text."));
}
