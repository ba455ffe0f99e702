//! Replies, templates and bulk selection in the TUI, driven through the
//! real App: compose by keys, the
//! draft saved on every key, resume, send into the demo's file outbox, the
//! review verdict keys, and snapshots of the compose pane.

#[path = "support/tui.rs"]
mod tui_support;

use replypad::domain::compose::DraftState;
use tui_support::{app_with_outbox, first_sent, render};

#[test]
fn reply_by_keys_is_saved_as_typed_and_sends_to_the_demo_outbox() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(80, 24, outbox.path().to_path_buf());
    app.feed("<Enter>");
    let conv = app.reader.as_ref().unwrap().view.id.clone();
    let customer = app.reader.as_ref().unwrap().view.messages[0]
        .from
        .email
        .clone();
    app.feed("r");
    assert!(app.compose.is_some(), "r opens the compose pane");
    app.type_text("Thanks for waiting");
    // Every key is saved: a killed process loses nothing typed.
    let saved = app
        .desk
        .store
        .draft_for(&conv)
        .unwrap()
        .expect("draft saved");
    assert!(
        saved.body.starts_with("Thanks for waiting"),
        "{:?}",
        saved.body
    );
    assert_eq!(saved.to.len(), 1);
    assert!(saved.to[0].contains(&customer));
    assert!(saved.subject.starts_with("Re: "));
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Thanks for waiting"), "{screen}");
    assert!(screen.contains("Ctrl-s send"), "{screen}");

    // Esc keeps the draft; r resumes it.
    app.feed("<Esc>");
    assert!(app.compose.is_none());
    app.feed("r");
    let c = app.compose.as_ref().unwrap();
    assert!(c.draft.body.starts_with("Thanks for waiting"));
    assert_eq!(c.draft.id, saved.id, "the same draft, resumed");

    app.feed("<C-s>");
    assert!(app.compose.is_none(), "{:?}", app.message);
    let files: Vec<_> = std::fs::read_dir(outbox.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "one message in the demo outbox");
    let raw = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(raw.contains("Thanks for waiting"));
    assert!(raw.contains("In-Reply-To: <"), "{raw}");
    assert!(
        raw.contains("From: \"Dana Demo at Example Support\" <support@example.com>"),
        "{raw}"
    );
    let d = app.desk.store.draft(&saved.id).unwrap();
    assert_eq!(d.state, DraftState::Queued);
    assert_eq!(app.desk.store.outbox().unwrap()[0].state, "sent");
    // The history says who replied.
    let h = app.desk.store.history(&conv).unwrap();
    assert!(h.iter().any(|e| e.event.kind.name() == "sent"));
}

#[test]
fn submit_for_review_then_a_verdict_by_key() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(200, 48, outbox.path().to_path_buf());
    app.feed("<Enter>r");
    app.type_text("Refund approved.");
    app.feed("<C-r>");
    assert!(app.compose.is_none(), "{:?}", app.message);
    app.feed("h gr");
    assert_eq!(app.list.total, 1, "the Review view lists it");
    app.feed("<Enter>");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("DRAFT FOR REVIEW"), "{screen}");
    assert!(screen.contains("Refund approved."), "{screen}");
    // The author cannot approve their own draft.
    app.feed("va");
    assert!(
        app.message.as_ref().unwrap().0.contains("teammate"),
        "{:?}",
        app.message
    );
    // Nor request changes on it (issue 26: refused like `v a`; a
    // teammate's request for changes is in tests/desk.rs).
    app.feed("vc");
    assert!(
        app.prompt.is_none(),
        "no comment prompt for one's own draft"
    );
    assert!(
        app.message.as_ref().unwrap().0.contains("teammate"),
        "{:?}",
        app.message
    );
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("waiting for review"), "{screen}");
}

#[test]
fn compose_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        // Nothing is sent here; a fixed outbox path keeps the status bar stable.
        let (mut app, mut term) = app_with_outbox(w, h, "/tmp/replypad-demo/outbox".into());
        app.feed("jj<Enter>r");
        app.type_text("Hello Emily,");
        // The draft id and Message-ID are random: blank the id in the title.
        let id = app.compose.as_ref().unwrap().draft.id.clone();
        let screen = render(&mut app, &mut term).replace(&id, "DRAFTID00000");
        insta::assert_snapshot!(format!("compose_{w}x{h}"), screen);
    }
}

#[test]
fn template_picker_fills_fields_and_an_unfilled_one_blocks_sending() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(160, 48, outbox.path().to_path_buf());
    app.feed("<Enter>");
    let from = app.reader.as_ref().unwrap().view.messages[0].from.clone();
    let first = replypad::domain::names::first_name(from.name.as_deref(), &from.email).unwrap();
    app.feed("T");
    assert!(app.picker.is_some(), "T opens the picker");
    app.type_text("refund-ap");
    assert_eq!(
        app.picker.as_ref().unwrap().current().unwrap().name,
        "refund-approved"
    );
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains(&format!("Hi {first},")),
        "live preview with the real name: {screen}"
    );
    assert!(
        screen.contains("⟦Amount⟧"),
        "unfilled fields shown: {screen}"
    );
    // The heuristic's name can be corrected: Ctrl-f.
    app.feed("<C-f>");
    for _ in 0..40 {
        app.feed("<Backspace>");
    }
    app.type_text("Jo");
    app.feed("<Enter>");
    let preview = app.picker.as_ref().unwrap().preview().unwrap().text;
    assert!(preview.starts_with("Hi Jo,"), "{preview}");
    app.feed("<C-f>");
    for _ in 0..40 {
        app.feed("<Backspace>");
    }
    app.type_text(&first);
    app.feed("<Enter>");
    app.feed("<Enter>");
    app.type_text("49 EUR");
    app.feed("<Enter>"); // next field: Order number, left for later
    app.feed("<Esc>");
    assert!(app.picker.is_none());
    let c = app
        .compose
        .as_ref()
        .expect("a reply started with the template");
    assert!(
        c.draft.body.starts_with(&format!("Hi {first},")),
        "{}",
        c.draft.body
    );
    assert!(
        c.draft
            .body
            .contains("refund of 49 EUR for order ⟦Order number⟧")
    );

    // Sending with a field left is refused, and the field is named.
    app.feed("<C-s>");
    let c = app.compose.as_ref().expect("still composing");
    let blocked = c.blocked.as_deref().unwrap();
    assert!(blocked.contains("⟦Order number⟧ on line 3"), "{blocked}");
    assert!(std::fs::read_dir(outbox.path()).unwrap().next().is_none());
    // Wider than the pane, the reason wraps instead of being cut.
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("(fill them in or remove them)"), "{screen}");

    // Tab jumps to the field; typing fills it; now it goes.
    app.feed("<Tab>");
    app.type_text("1234");
    app.feed("<C-s>");
    assert!(app.compose.is_none(), "{:?}", app.message);
    // (quoted-printable: join soft line breaks)
    let raw = first_sent(outbox.path()).replace("=\r\n", "");
    assert!(raw.contains("refund of 49 EUR for order 1234"), "{raw}");
    // Used templates rank first next time.
    app.feed("<Enter>T");
    let p = app.picker.as_ref().unwrap();
    assert_eq!(p.current().unwrap().name, "refund-approved");
}

#[test]
fn picker_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let (mut app, mut term) = app_with_outbox(w, h, "/tmp/replypad-demo/outbox".into());
        app.feed("jj<Enter>T");
        app.type_text("ack");
        let screen = render(&mut app, &mut term);
        insta::assert_snapshot!(format!("picker_{w}x{h}"), screen);
    }
}

#[test]
fn visual_selection_bulk_acts_and_undo_of_the_batch() {
    let (mut app, mut term) = app_with_outbox(120, 40, "/tmp/replypad-demo/outbox".into());
    let labels = |app: &replypad::ui::App, i: usize| app.list.rows[i].labels.clone();
    let before: Vec<Vec<String>> = (0..6).map(|i| labels(&app, i)).collect();
    // v marks single rows (and moves down); V marks a range.
    app.feed("v j v"); // rows 0 and 2
    assert_eq!(app.selected.len(), 2);
    app.feed("V jj"); // range 3..=5, still visual
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("VISUAL"), "{screen}");
    assert_eq!(screen.matches('✓').count(), 5, "{screen}");
    app.feed("#");
    app.type_text("+feature");
    app.feed("<Enter>");
    for i in [0, 2, 3, 4, 5] {
        assert!(labels(&app, i).contains(&"feature".to_string()), "row {i}");
    }
    assert_eq!(labels(&app, 1), before[1], "row 1 was not selected");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("on 5 conversations")
    );
    assert!(app.selected.is_empty(), "the selection is used up");
    // One undo reverts the whole batch.
    app.feed("u");
    for (i, b) in before.iter().enumerate() {
        assert_eq!(&labels(&app, i), b, "row {i}");
    }
    // Esc clears a selection.
    app.feed("v v <Esc>");
    assert!(app.selected.is_empty());
}

#[test]
fn saving_an_attachment_by_key() {
    let (mut app, _term) = app_with_outbox(120, 40, "/tmp/replypad-demo/outbox".into());
    app.feed("/");
    app.type_text("has:attachment import");
    app.feed("<Enter><Enter>");
    let dir = tempfile::tempdir().unwrap();
    app.feed("w");
    app.type_text(&format!("1 {}", dir.path().display()));
    app.feed("<Enter>");
    let msg = &app.message.as_ref().unwrap().0;
    assert!(msg.contains("saved to"), "{msg}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    app.feed("w");
    app.type_text("9");
    app.feed("<Enter>");
    assert!(app.message.as_ref().unwrap().0.contains("no attachment #9"));
}

#[test]
fn review_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let (mut app, mut term) = app_with_outbox(w, h, "/tmp/replypad-demo/outbox".into());
        app.feed("jj<Enter>r");
        app.type_text("Hi Emily, thank you. The attachments are in the second zip.");
        let id = app.compose.as_ref().unwrap().draft.id.clone();
        app.feed("<C-r>");
        app.feed("<Esc>gr<Enter>");
        let screen = render(&mut app, &mut term).replace(&id, "DRAFTID00000");
        assert!(screen.contains("DRAFT FOR REVIEW"), "{screen}");
        insta::assert_snapshot!(format!("review_{w}x{h}"), screen);
    }
}

#[test]
fn team_templates_are_created_edited_and_deleted_from_the_picker() {
    let (mut app, _term) = app_with_outbox(120, 40, "/tmp/replypad-demo/outbox".into());
    app.feed("<Enter>T<C-n>");
    assert!(
        app.external_edit && app.template_edit.is_some(),
        "Ctrl-n opens $EDITOR"
    );
    // What the run loop does after $EDITOR: read the file back.
    app.external_edit = false;
    app.external_edit_done(
        "---\nname: vat-invoice\ndescription: Invoice with VAT\ntags: [billing]\n---\n\
         Hi {{ customer.first_name | default(\"there\", true) }},\n\nThank you: the invoice with VAT is attached.\n",
    )
    .unwrap();
    assert!(
        app.desk
            .store
            .team_templates()
            .unwrap()
            .contains_key("vat-invoice")
    );
    // Edit: the selected template comes back changed.
    app.feed("T");
    app.type_text("vat-invoice");
    app.feed("<C-e>");
    let text = app.template_edit.as_ref().unwrap().text.clone();
    assert!(text.contains("name: vat-invoice"), "{text}");
    app.external_edit = false;
    app.external_edit_done(&text.replace("is attached", "is attached, in EUR"))
        .unwrap();
    assert!(app.desk.store.team_templates().unwrap()["vat-invoice"].contains("in EUR"));
    // Delete (team templates only): the first Ctrl-d asks and names it
    // (issue 26), the second deletes.
    app.feed("T");
    app.type_text("vat-invoice");
    app.feed("<C-d>");
    assert!(
        app.desk
            .store
            .team_templates()
            .unwrap()
            .contains_key("vat-invoice"),
        "one Ctrl-d only asks"
    );
    assert!(
        matches!(&app.message, Some((m, _)) if m.contains("vat-invoice") && m.contains("restore")),
        "{:?}",
        app.message
    );
    app.feed("<C-d>");
    assert!(
        !app.desk
            .store
            .team_templates()
            .unwrap()
            .contains_key("vat-invoice")
    );
    app.feed("T");
    app.type_text("acknowledgement");
    app.feed("<C-d>");
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .0
            .contains("only team templates"),
        "{:?}",
        app.message
    );
    // A deleted team template comes back with its last text.
    app.feed("<Esc>");
    app.desk.restore_template("vat-invoice").unwrap();
    assert!(app.desk.store.team_templates().unwrap()["vat-invoice"].contains("in EUR"));
}

/// A recipient nobody reads (noreply, mailer-daemon, …) is flagged in the
/// compose pane before anything is sent, at 80 and 160 columns.
#[test]
fn a_no_reply_recipient_is_flagged_in_compose() {
    for (w, h) in [(80, 24), (160, 48)] {
        let dir = tempfile::tempdir().unwrap();
        let (mut app, mut term) = app_with_outbox(w, h, dir.path().into());
        app.feed("m");
        app.type_text("Shop <noreply@shop.test>");
        app.feed("<Enter>");
        app.type_text("Your order");
        app.feed("<Enter>");
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains("nobody reads noreply@shop.test"),
            "{screen}"
        );
    }
}

/// A long line wraps on screen in compose (its end stays visible) while
/// the text stays as typed; the `$EDITOR` file ends with a newline.
#[test]
fn long_lines_wrap_softly_and_the_editor_file_ends_with_a_newline() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(80, 24, dir.path().into());
    app.feed("r");
    let long = "We have checked every part of the export and found the cause in the attachments step ENDMARK";
    app.type_text(long);
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("ENDMARK"),
        "the end of the line is on screen: {screen}"
    );
    let c = app.compose.as_ref().unwrap();
    assert!(c.draft.body.starts_with(long), "one line, as typed");
    let f = app.external_edit_file().unwrap();
    let text = std::fs::read_to_string(f.path()).unwrap();
    assert!(text.ends_with('\n'), "{text:?}");
}

/// A text attachment read inside the TUI (`i`), sanitized and scrolled;
/// a binary one is refused with what to do instead.
#[test]
fn a_text_attachment_is_read_inline_and_a_binary_one_refused() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, mut term) = app_with_outbox(120, 40, outbox.path().to_path_buf());
    // The conversation with console.log (and where it and a PNG are numbered).
    let (row, log_n, png_n) = (0..app.list.total)
        .find_map(|i| {
            let id = &app.list.rows.get(i)?.id;
            let v = app.desk.store.conversation(id).unwrap()?;
            let names: Vec<String> = v
                .messages
                .iter()
                .flat_map(|m| m.attachments.iter().map(|a| a.filename.clone()))
                .collect();
            let log = names.iter().position(|n| n == "console.log")? + 1;
            let png = names
                .iter()
                .position(|n| n.ends_with(".png"))
                .map(|p| p + 1);
            Some((i, log, png))
        })
        .expect("the demo has console.log");
    for _ in 0..row {
        app.feed("j");
    }
    app.feed("<Enter>i");
    app.type_text(&log_n.to_string());
    app.feed("<Enter>");
    let v = app
        .text_view
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", app.message));
    assert!(v.title.contains("console.log"), "{}", v.title);
    assert!(!v.lines.is_empty());
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("console.log · lines 1-"), "{screen}");
    assert!(!screen.contains('\u{1b}'));
    app.feed("j");
    let v = app.text_view.as_ref().unwrap();
    assert_eq!(v.scroll, 1.min(v.lines.len().saturating_sub(v.height)));
    // G shows the last page, the last line at the bottom (as in less).
    app.feed("G");
    let last = app
        .text_view
        .as_ref()
        .unwrap()
        .lines
        .last()
        .unwrap()
        .clone();
    let screen = render(&mut app, &mut term);
    assert!(screen.contains(last.trim()), "{screen}");
    let v = app.text_view.as_ref().unwrap();
    assert_eq!(v.scroll, v.lines.len().saturating_sub(v.height));
    app.feed("<Esc>");
    assert!(app.text_view.is_none());
    assert!(
        app.reader.is_some(),
        "Esc closes the attachment, not the conversation"
    );
    // Wrong numbers and a binary attachment: a clear line, nothing opens.
    for (n, why) in [
        ("99", "no attachment #99"),
        ("x", "give the attachment's number"),
    ] {
        app.feed("i");
        app.type_text(n);
        app.feed("<Enter>");
        assert!(app.text_view.is_none());
        assert!(
            app.message.as_ref().unwrap().0.contains(why),
            "{:?}",
            app.message
        );
    }
    if let Some(png) = png_n {
        app.feed("i");
        app.type_text(&png.to_string());
        app.feed("<Enter>");
        assert!(app.text_view.is_none());
        assert!(
            app.message.as_ref().unwrap().0.contains("is not text"),
            "{:?}",
            app.message
        );
    }
    // A conversation with none: i says so instead of asking for a number.
    app.feed("h");
    app.feed("gg<Enter>i");
    assert!(app.prompt.is_none() && app.text_view.is_none());
    assert!(
        app.message.as_ref().unwrap().0.contains("no attachments"),
        "{:?}",
        app.message
    );
    // A conversation with one attachment (the audit log CSV): i reads it at once.
    app.feed("h");
    app.feed("gg");
    for _ in 0..app.list.total {
        let r = &app.list.rows[app.list.selected - app.list.offset];
        if r.subject.contains("Audit log export") {
            break;
        }
        app.feed("j");
    }
    app.feed("<Enter>i");
    let v = app
        .text_view
        .as_ref()
        .unwrap_or_else(|| panic!("{:?}", app.message));
    assert!(v.title.contains("audit-log"), "{}", v.title);
}

/// `o` on a conversation without attachments opens the message on top as
/// HTML in the browser (from a sanitized private copy); with attachments,
/// the prompt takes `h` for it; a plain-text message says it has none.
#[test]
fn o_opens_an_html_message_in_the_browser() {
    let outbox = tempfile::tempdir().unwrap();
    let (mut app, _term) = app_with_outbox(120, 40, outbox.path().to_path_buf());
    app.feed("/");
    app.type_text("digest");
    app.feed("<Enter><Enter>o");
    let (text, _) = app.message.clone().expect("a status line");
    // Opened, or (no xdg-open on the machine) saved, naming the copy.
    assert!(
        text.contains("message #1 as HTML opened from") || text.contains("the file is saved at"),
        "{text}"
    );
    let path = text
        .split_once(" opened from ")
        .or_else(|| text.split_once(" saved at "))
        .unwrap()
        .1;
    let html = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert!(
        html.contains("SaaS Weekly") && html.contains("default-src 'none'"),
        "{html}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    std::fs::remove_file(path).unwrap();
    // A plain-text conversation.
    let (mut app, mut term) = app_with_outbox(120, 40, outbox.path().to_path_buf());
    app.feed("/");
    app.type_text("UNACCEPTABLE");
    app.feed("<Enter><Enter>o");
    if app.message.is_none() {
        // It has attachments: the prompt asks, and h is the message's HTML.
        app.type_text("h");
        app.feed("<Enter>");
    }
    let screen = tui_support::render(&mut app, &mut term);
    let (text, _) = app.message.clone().unwrap_or_else(|| panic!("{screen}"));
    assert!(text.contains("has no HTML part"), "{text}");
}

/// A long answer to a template's field shows its end, where typing
/// happens (at 80 columns it ran off the popup's edge, the typing unseen),
/// and the keys stay in view.
#[test]
fn a_long_field_answer_in_the_picker_shows_its_end() {
    for (w, h) in [(80, 24), (200, 50)] {
        let outbox = tempfile::tempdir().unwrap();
        let (mut app, mut term) = app_with_outbox(w, h, outbox.path().to_path_buf());
        app.feed("<Enter>");
        app.feed("T");
        app.type_text("refund-ap");
        app.feed("<Enter>");
        let long = format!("{} the end", "x".repeat(300));
        app.type_text(&long);
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains("x the end▏"),
            "{w}x{h}: the end of the answer: {screen}"
        );
        assert!(screen.contains("Esc insert as is"), "{w}x{h}: {screen}");
    }
}

/// After Ctrl-r the conversation shows the draft just shared: at 80x24 the
/// reader kept its place while the draft's block pushed the text down, so
/// the agent saw the middle of an old message, neither the draft nor the
/// newest mail.
#[test]
fn a_draft_shared_for_review_is_in_view_after_ctrl_r() {
    for (w, h) in [(80, 24), (200, 50)] {
        let outbox = tempfile::tempdir().unwrap();
        let (mut app, mut term) = app_with_outbox(w, h, outbox.path().to_path_buf());
        app.feed("<Enter>");
        // The reader opens on the newest message.
        render(&mut app, &mut term);
        app.feed("r");
        app.type_text("We will credit this month.");
        app.feed("<C-r>");
        assert!(app.compose.is_none(), "{:?}", app.message);
        let screen = render(&mut app, &mut term);
        assert!(screen.contains("DRAFT FOR REVIEW"), "{w}x{h}: {screen}");
        assert!(
            screen.contains("We will credit this month."),
            "{w}x{h}: {screen}"
        );
        // Its author is shown the key they can use, not the verdicts.
        assert!(screen.contains("r resumes"), "{w}x{h}: {screen}");
        assert!(!screen.contains("approves"), "{w}x{h}: {screen}");
        app.feed("r");
        let c = app.compose.as_ref().expect("the draft resumed");
        assert!(c.draft.body.contains("We will credit this month."));
    }
}

/// Collision, before it happens: when a teammate is drafting a reply on the
/// conversation, its reader says so and the reply key warns (both replies
/// went out before; the second was only stopped at send, if at all).
#[test]
fn a_teammate_replying_now_is_shown_before_a_reply_crosses_theirs() {
    use replypad::domain::events::{Event, EventKind};
    for (w, h) in [(80, 24), (200, 50)] {
        let outbox = tempfile::tempdir().unwrap();
        let (mut app, mut term) = app_with_outbox(w, h, outbox.path().to_path_buf());
        let conv = app.list.rows[0].id.clone();
        let now = chrono::Utc::now().timestamp();
        let presence = |agent: &str, until: i64, n: u32| Event {
            id: format!("presence-{agent}-{n}"),
            conversation: conv.clone(),
            agent: agent.into(),
            at: now,
            kind: EventKind::Replying { on: true, until },
        };
        let team = replypad::config::Secret::new("demo");
        for e in [
            presence("lee@example.com", now + 600, 1),
            // Expired: Sam stopped long ago.
            presence("sam@example.com", now - 1, 2),
        ] {
            let raw =
                replypad::mail::team_event::encode(&e, Some(&team), None, "support@example.com");
            app.desk.store.record_local_event(&e, &raw).unwrap();
        }
        app.feed("<Enter>");
        let screen = render(&mut app, &mut term);
        assert!(
            screen.contains("✎ lee is replying now"),
            "{w}x{h}: the reader says so: {screen}"
        );
        assert!(!screen.contains("sam is"), "{w}x{h}: expired: {screen}");
        app.feed("r");
        assert!(app.compose.is_some(), "the reply opens all the same");
        let (said, _) = app.message.clone().expect("a warning");
        assert!(said.contains("lee is replying here now"), "{w}x{h}: {said}");
    }
}

/// Text typed in `$EDITOR` above the blank line that ends the To/Cc/Subject
/// lines (vi opens on the first line) is kept, at the top of the body, and
/// the agent is told: it was dropped without a word.
#[test]
fn text_typed_among_the_editor_headers_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _term) = app_with_outbox(80, 24, dir.path().into());
    app.feed("r");
    app.type_text("Hi Jordan,");
    let f = app.external_edit_file().unwrap();
    let text = std::fs::read_to_string(f.path()).unwrap();
    let to = app.compose.as_ref().unwrap().draft.to.clone();
    // "Thanks for waiting." typed on the first line, and a line after it.
    let edited = format!("Thanks for waiting.{text}").replacen("\nCc:", "\nWe are on it.\nCc:", 1);
    let r = app.external_edit_done(&edited);
    let c = app.compose.as_ref().unwrap();
    assert!(
        c.draft
            .body
            .starts_with("Thanks for waiting.\nWe are on it.\n"),
        "{:?}",
        c.draft.body
    );
    assert!(c.draft.body.contains("Hi Jordan,"), "{:?}", c.draft.body);
    assert_eq!(c.draft.to, to, "the To line as it was");
    let said = match r {
        Err(e) => format!("{e:#}"),
        Ok(()) => app.message.clone().map(|m| m.0).unwrap_or_default(),
    };
    assert!(
        said.contains("top of the text"),
        "the agent is told: {said}"
    );
}
