//! The desk: one path per act for every front end. The same act typed in
//! the TUI (the real App, keys) and given to the CLI (the real binary)
//! against the same cache makes the same event; the drifts the two front
//! ends once had stay fixed.

use replypad::config::{Config, Secret};
use replypad::desk::{Desk, transport::Demo};
use replypad::domain::events::Event;
use replypad::domain::views::View;
use replypad::store::Store;
use replypad::ui::App;
use replypad::ui::format::Clock;
use replypad::ui::keymap::Keymap;
use std::path::{Path, PathBuf};
use std::process::Command;

const KEY: &str = "desk-test-key";

/// A config whose server is never there (a closed port): the CLI's acts
/// stay queued in the cache, where the test reads them.
fn offline_account(dir: &Path) -> PathBuf {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[identity]\nname = \"Dana\"\nemail = \"dana@example.com\"\n\
             [team]\nname = \"Support\"\naddress = \"support@example.com\"\nkey_command = \"echo {KEY}\"\n\
             [imap]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nuser = \"support\"\npassword_command = \"echo pw\"\n\
             [cache]\ndir = {:?}\n",
            dir.join("cache")
        ),
    )
    .unwrap();
    let cfg = Config::load(&path).unwrap();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    replypad::demo::load(&mut store, &cfg, chrono::Utc::now().timestamp()).unwrap();
    path
}

/// The real binary with `args`: (exit code, stdout and stderr).
fn run(args: &[&str]) -> (i32, String) {
    let state = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_replypad"))
        .args(args)
        .env("XDG_STATE_HOME", state.path())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn cli(config: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    run(&all)
}

fn demo(args: &[&str]) -> (i32, String) {
    let mut all = vec!["--demo"];
    all.extend_from_slice(args);
    run(&all)
}

/// The real App over the account's cache, sending nowhere.
fn tui(config: &Path) -> (App, tempfile::TempDir) {
    let cfg = Config::load(config).unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let store = Store::open(&cfg.cache_file()).unwrap();
    (app_over(store, cfg, outbox.path().into()), outbox)
}

/// The real App at 120x40 over `store`, sending into `outbox`.
fn app_over(store: Store, cfg: Config, outbox: PathBuf) -> App {
    let desk = Desk::new(
        store,
        cfg,
        Some(Secret::new(KEY)),
        Box::new(Demo::files(outbox)),
    );
    app_of(desk, 120, 40)
}

/// The newest event on `conv`.
fn last_event(config: &Path, conv: &str) -> Event {
    let cfg = Config::load(config).unwrap();
    let mut store = Store::open(&cfg.cache_file()).unwrap();
    store.history(conv).unwrap().pop().expect("an event").event
}

/// Everything but the event's own id and the second it was made.
fn same_act(a: &Event, b: &Event) {
    assert_eq!(a.conversation, b.conversation);
    assert_eq!(a.agent, b.agent);
    assert_eq!(a.kind, b.kind, "the CLI and the TUI made different events");
}

#[test]
fn the_same_act_through_the_cli_and_the_tui_makes_the_same_event() {
    let dir = tempfile::tempdir().unwrap();
    let config = offline_account(dir.path());
    let (app, _o) = tui(&config);
    let conv = app.list.rows[0].id.clone();
    drop(app);
    let when = (chrono::Local::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d 09:00")
        .to_string();
    // (CLI arguments, TUI keys after selecting the first row, then typed text)
    let cases: &[(&[&str], &str, &str)] = &[
        (&["assign", &conv, "none"], "A", "none"),
        (&["assign", &conv, "me"], "a", ""),
        (&["assign", &conv, "lee"], "A", "lee"),
        (&["label", &conv, "billing"], "#", "billing"),
        (&["label", &conv, "+vip", "-billing"], "#", "+vip -billing"),
        (&["status", &conv, "pending"], "s", "pending"),
        (&["snooze", &conv, &when], "S", &when),
        (
            &["note", &conv, "ask @lee about it"],
            "c",
            "ask @lee about it",
        ),
        (&["follow", &conv], "F", ""),
    ];
    for (args, key, text) in cases {
        // Start each case from "not following" so the follow toggles agree.
        let (code, out) = cli(&config, &["follow", &conv, "--off"]);
        assert_eq!(code, 0, "{out}");
        let (code, out) = cli(&config, args);
        assert_eq!(code, 0, "{args:?}: {out}");
        assert!(out.contains("queued"), "offline, the act is queued: {out}");
        let by_cli = last_event(&config, &conv);

        let (code, out) = cli(&config, &["follow", &conv, "--off"]);
        assert_eq!(code, 0, "{out}");
        let (mut app, _o) = tui(&config);
        assert_eq!(app.list.rows[0].id, conv);
        app.feed(key);
        if !text.is_empty() {
            app.type_text(text);
            app.feed("<Enter>");
        }
        assert!(
            !matches!(&app.message, Some((_, replypad::ui::app::Level::Error))),
            "{key} {text}: {:?}",
            app.message
        );
        drop(app);
        let by_tui = last_event(&config, &conv);
        assert_ne!(by_cli.id, by_tui.id, "{key}: the TUI recorded nothing");
        same_act(&by_cli, &by_tui);
    }
}

#[test]
fn a_bare_word_label_works_in_the_cli_as_in_the_tui() {
    let (code, out) = demo(&["threads", "--json"]);
    assert_eq!(code, 0, "{out}");
    let id = first_id(&out);
    let (code, out) = demo(&["label", &id, "billing"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("labels +billing"), "{out}");
    let (code, out) = demo(&["label", &id, "+"]);
    assert_ne!(code, 0, "an empty label is refused: {out}");
}

fn first_id(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn claiming_a_conversation_someone_else_owns_in_the_demo_exits_3() {
    let (_, out) = demo(&["threads", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let owned = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["assignee"]
                .as_str()
                .is_some_and(|a| a != "dana@example.com")
        })
        .expect("the demo has a conversation a teammate owns");
    let id = owned["id"].as_str().unwrap();
    let (code, out) = demo(&["assign", id, "me"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("not claimed") && out.contains("claim lost to"),
        "{out}"
    );
    // Taking it explicitly is a reassign, and goes.
    let (code, out) = demo(&["assign", id, "me", "--force"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn agent_names_get_the_agents_domain_in_both_front_ends() {
    let dir = tempfile::tempdir().unwrap();
    let config = offline_account(dir.path());
    let (mut app, _o) = tui(&config);
    let conv = app.list.rows[0].id.clone();
    app.feed("A");
    app.type_text("Lee Park");
    app.feed("<Enter>");
    // Refused, and the prompt stays open with what was typed.
    let p = app.prompt.as_ref().expect("the prompt stays open");
    assert!(
        p.error
            .as_deref()
            .is_some_and(|e| e.contains("not an agent"))
            && p.input == "Lee Park",
        "{:?} {:?}",
        p.error,
        p.input
    );
    drop(app);
    let (code, out) = cli(&config, &["assign", &conv, "Lee Park"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("not an agent"), "{out}");
    // A short name the team does not have: refused, with the closest.
    let (code, out) = cli(&config, &["assign", &conv, "leee"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("did you mean lee@example.com"), "{out}");
}

#[test]
fn a_quoted_name_with_a_comma_is_one_recipient_in_compose() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = support_app(dir.path().to_path_buf());
    app.feed("m");
    app.type_text("\"Lima, Ana\" <ana@shop.test>");
    app.feed("<Enter>");
    app.type_text("Your order");
    app.feed("<Enter>");
    let c = app.compose.as_ref().expect("compose open");
    assert_eq!(
        c.draft.to,
        vec!["\"Lima, Ana\" <ana@shop.test>".to_string()]
    );
    // A wrong address is refused at its prompt, which stays open to mend.
    app.feed("<Esc>");
    let mut app2 = support_app(dir.path().join("2"));
    app2.feed("m");
    app2.type_text("not an address");
    app2.feed("<Enter>");
    let p = app2.prompt.as_ref().expect("the To prompt stays open");
    assert!(p.error.is_some());
}

fn support_app(outbox: PathBuf) -> App {
    std::fs::create_dir_all(&outbox).unwrap();
    let cfg = Config::demo();
    let mut store = Store::open_in_memory().unwrap();
    replypad::demo::load(&mut store, &cfg, chrono::Utc::now().timestamp()).unwrap();
    app_over(store, cfg, outbox)
}

/// The real App over `desk` at `w` x `h`.
fn app_of(desk: Desk, w: u16, h: u16) -> App {
    let mut app = App::new(
        desk,
        Keymap::load(&Default::default()).unwrap(),
        Clock::system(),
    )
    .unwrap();
    app.resize(w, h);
    // As the event loop does after its first frame.
    app.settle();
    app
}

/// A desk for `agent` over the cache at `path`.
fn desk_as(path: &Path, agent: &str, outbox: &Path) -> Desk {
    let mut cfg = Config::demo();
    cfg.identity.email = format!("{agent}@example.com");
    Desk::new(
        Store::open(path).unwrap(),
        cfg,
        Some(Secret::new(KEY)),
        Box::new(Demo::files(outbox.into())),
    )
}

/// A demo cache in a file two desks can share, Ana's desk over it, and an
/// unassigned conversation: (the directory, the cache, Ana, the conversation).
fn shared_cache_as_ana() -> (tempfile::TempDir, PathBuf, Desk, String) {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite3");
    {
        let mut store = Store::open(&cache).unwrap();
        replypad::demo::load(&mut store, &Config::demo(), chrono::Utc::now().timestamp()).unwrap();
    }
    let ana = desk_as(&cache, "ana", dir.path());
    let conv = ana
        .store
        .list_view(
            &View::Unassigned,
            "ana@example.com",
            replypad::store::ListQuery {
                offset: 0,
                limit: 1,
            },
        )
        .unwrap()[0]
        .id
        .clone();
    (dir, cache, ana, conv)
}

/// Ana's reply on `conv` with `text`, shared for review (revision 1).
fn submitted(ana: &mut Desk, conv: &str, text: &str) -> replypad::domain::compose::Draft {
    let mut d = ana
        .start_reply(conv, replypad::domain::compose::DraftKind::Reply)
        .unwrap();
    d.body = format!("{text}{}", d.body);
    ana.submit(&mut d, None).unwrap();
    d
}

#[test]
fn an_approval_of_an_older_revision_leaves_the_draft_waiting_in_the_list_and_the_reader() {
    use replypad::domain::review::ReviewState;
    let (dir, cache, mut ana, conv) = shared_cache_as_ana();
    let mut d = submitted(&mut ana, &conv, "First try.");
    let mut bo = desk_as(&cache, "bo", dir.path());
    bo.review(&d.id, true, "").unwrap();
    let in_review = |desk: &Desk| {
        desk.store
            .list_view(
                &View::Review,
                "bo@example.com",
                replypad::store::ListQuery::ALL,
            )
            .unwrap()
            .iter()
            .any(|c| c.id == conv)
    };
    assert!(!in_review(&bo), "approved: not waiting");
    // Ana revises: revision 2 has no verdict; the approval was of revision 1.
    d.body = format!("Second try.{}", d.body);
    ana.store.save_draft(&d).unwrap();
    ana.submit(&mut d, None).unwrap();
    drop((ana, bo));

    let bo = desk_as(&cache, "bo", dir.path());
    assert!(in_review(&bo), "the Review view lists it");
    let mut app = app_of(bo, 160, 48);
    app.set_view(View::Review).unwrap();
    assert_eq!(app.list.total, 1);
    app.feed("<Enter>");
    let review = app
        .reader
        .as_ref()
        .unwrap()
        .review
        .as_ref()
        .expect("the reader shows the draft");
    assert_eq!(review.0.state(), ReviewState::Waiting);
    assert!(review.0.waiting());
}

#[test]
fn a_reply_while_an_earlier_one_is_unsettled_asks_first_in_the_tui() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = support_app(dir.path().to_path_buf());
    let conv = app.list.rows[0].id.clone();
    // An earlier reply waits in the outbox (queued, not sent yet).
    let d = app
        .desk
        .start_reply(&conv, replypad::domain::compose::DraftKind::Reply)
        .unwrap();
    app.desk.queue_send(&d).unwrap();
    app.feed("r");
    assert!(app.compose.is_none(), "asked first");
    assert!(
        matches!(&app.message, Some((m, _)) if m.contains("earlier reply") && m.contains("again")),
        "{:?}",
        app.message
    );
    // Another key in between: the question stands again.
    app.feed("j");
    app.feed("k");
    app.feed("r");
    assert!(app.compose.is_none());
    app.feed("r");
    assert!(app.compose.is_some(), "the same key again replies anyway");
    // Forwarding is another message: not asked.
    app.feed("<Esc>");
}

#[test]
fn review_keys_work_from_the_review_list_and_the_author_cannot_review() {
    use replypad::domain::review::ReviewState;
    let (dir, cache, mut ana, conv) = shared_cache_as_ana();
    let d = submitted(&mut ana, &conv, "Here is the fix.");
    // The author: neither `v a` nor `v c` on their own draft.
    let mut app = app_of(ana, 120, 40);
    app.set_view(View::Review).unwrap();
    app.feed("vc");
    assert!(
        app.prompt.is_none(),
        "no comment prompt for one's own draft"
    );
    assert!(
        matches!(&app.message, Some((m, _)) if m.contains("you wrote this draft")),
        "{:?}",
        app.message
    );
    drop(app);
    // A reviewer in the Review view: `v a` approves the row's draft; it
    // does not select the row and claim it.
    let bo = desk_as(&cache, "bo", dir.path());
    let mut app = app_of(bo, 120, 40);
    app.set_view(View::Review).unwrap();
    assert_eq!(app.list.total, 1);
    app.feed("va");
    assert!(app.selected.is_empty(), "not selected");
    let shared = app.desk.store.shared_drafts_of(&conv).unwrap();
    assert_eq!(
        shared[&d.id].state(),
        ReviewState::Approved,
        "{:?}",
        app.message
    );
    assert_ne!(
        app.desk.store.assignee(&conv).unwrap().as_deref(),
        Some("bo@example.com"),
        "not claimed"
    );
}

/// Once a teammate's draft is approved, its banner offers what is left
/// (its author sends it, `v c`), not "v a approves" again.
#[test]
fn an_approved_drafts_banner_says_what_is_left() {
    let (dir, cache, mut ana, conv) = shared_cache_as_ana();
    submitted(&mut ana, &conv, "Refund approved.");
    drop(ana);
    // The screen's words in a row: at 80 columns the banner wraps.
    let flat = |s: String| {
        s.replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let bo = desk_as(&cache, "bo", dir.path());
        let mut app = app_of(bo, w, h);
        open_row(&mut app, &conv);
        screen_of(&mut app, w, h);
        app.feed("gg");
        let before = flat(screen_of(&mut app, w, h));
        if before.contains("[approved]") {
            // The second size: approved at the first.
            assert!(!before.contains("v a approves"), "{w}x{h}: {before}");
            assert!(before.contains("its author sends it"), "{w}x{h}: {before}");
            continue;
        }
        assert!(before.contains("v a approves"), "{before}");
        app.feed("va");
        app.feed("gg");
        let after = flat(screen_of(&mut app, w, h));
        assert!(after.contains("[approved]"), "{w}x{h}: {after}");
        assert!(!after.contains("v a approves"), "{w}x{h}: {after}");
        assert!(after.contains("its author sends it"), "{w}x{h}: {after}");
    }
}

#[test]
fn a_teammates_request_for_changes_is_shown_on_the_draft() {
    let (dir, cache, mut ana, conv) = shared_cache_as_ana();
    submitted(&mut ana, &conv, "Refund approved.");
    drop(ana);
    let bo = desk_as(&cache, "bo", dir.path());
    // Wide enough that the reviewer's line does not wrap in the conversation pane.
    let mut app = app_of(bo, 240, 48);
    app.set_view(View::Review).unwrap();
    app.feed("<Enter>vc");
    app.type_text("Add the date");
    app.feed("<Enter>");
    let screen = screen_of(&mut app, 240, 48);
    assert!(
        screen.contains("changes requested by bo@example.com"),
        "{screen}"
    );
    assert!(screen.contains("Add the date"), "{screen}");
}

#[test]
fn the_author_resuming_a_draft_sees_what_the_reviewer_asked_for() {
    let (dir, cache, mut ana, conv) = shared_cache_as_ana();
    let d = submitted(&mut ana, &conv, "Refund approved.");
    let mut bo = desk_as(&cache, "bo", dir.path());
    bo.review(&d.id, false, "Add the date of the refund")
        .unwrap();
    drop(bo);
    let mut app = app_of(ana, 100, 30);
    open_row(&mut app, &conv);
    app.feed("r");
    let c = app.compose.as_ref().expect("r resumes the reply draft");
    assert_eq!(c.draft.id, d.id, "her own draft, not a new one");
    let screen = screen_of(&mut app, 100, 30);
    assert!(
        screen.contains("rev 1 changes requested by bo@example.com: Add the date of the refund"),
        "{screen}"
    );
}

#[test]
fn an_author_without_a_working_copy_resumes_the_shared_draft() {
    // A rebuilt cache, or a new machine: the local copy is gone; the log has it.
    let (dir, cache, mut ana, conv) = shared_cache_as_ana();
    let d = submitted(&mut ana, &conv, "Refund approved.");
    ana.store.delete_draft(&d.id).unwrap();
    let mut bo = desk_as(&cache, "bo", dir.path());
    bo.review(&d.id, false, "Say when").unwrap();
    // Bo has no draft of Ana's to resume: r starts his own.
    let mut bo_app = app_of(bo, 100, 30);
    open_row(&mut bo_app, &conv);
    bo_app.feed("r");
    assert_ne!(bo_app.compose.as_ref().unwrap().draft.id, d.id);
    let mut app = app_of(ana, 100, 30);
    open_row(&mut app, &conv);
    app.feed("r");
    let c = app.compose.as_ref().expect("r resumes it");
    assert_eq!(c.draft.id, d.id);
    assert_eq!(c.draft.revision, 1);
    assert!(c.draft.body.starts_with("Refund approved."));
    assert_eq!(c.reviews.len(), 1);
}

#[test]
fn a_running_app_sees_what_another_process_wrote() {
    let (dir, cache, ana, conv) = shared_cache_as_ana();
    let mut app = app_of(ana, 120, 40);
    assert!(!app.check_outside(), "nothing changed yet");
    let mut bo = desk_as(&cache, "bo", dir.path());
    bo.act(
        std::slice::from_ref(&conv),
        replypad::desk::input::assign(Some("bo@example.com".into()), "bo@example.com", true),
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    assert!(app.check_outside());
    let row = app.list.rows.iter().find(|r| r.id == conv);
    assert!(
        row.is_none_or(|r| r.assignee.as_deref() == Some("bo@example.com")),
        "the list was re-read"
    );
    assert!(!app.check_outside(), "once");
    // While the worker announces its writes, their notices re-read them.
    app.on_notice(replypad::desk::Notice::Changed(
        replypad::desk::Changed::everything(),
    ));
    bo.act(
        std::slice::from_ref(&conv),
        replypad::desk::input::assign(None, "bo@example.com", true),
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    assert!(!app.check_outside(), "a notice came: no second recount");
    bo.act(
        std::slice::from_ref(&conv),
        replypad::desk::input::assign(Some("bo@example.com".into()), "bo@example.com", true),
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    assert!(app.check_outside(), "no notice since: re-read");
}

#[test]
fn a_snapshot_of_the_team_log_shows_before_the_archives_are_taken() {
    let (dir, cache, ana, conv) = shared_cache_as_ana();
    let mut app = app_of(ana, 120, 40);
    // The worker laid a snapshot in (here: another desk's act on the same
    // cache stands for it) and says so with its progress.
    let mut bo = desk_as(&cache, "bo", dir.path());
    bo.act(
        std::slice::from_ref(&conv),
        replypad::desk::input::assign(Some("bo@example.com".into()), "bo@example.com", true),
        chrono::Utc::now().timestamp(),
    )
    .unwrap();
    app.message = None; // the demo's notice would hide the activity
    app.on_notice(replypad::desk::Notice::Progress(
        replypad::desk::Progress::TeamLog {
            done: 0,
            total: 500_000,
        },
    ));
    let row = app.list.rows.iter().find(|r| r.id == conv).unwrap();
    assert_eq!(row.assignee.as_deref(), Some("bo@example.com"), "re-read");
    let screen = screen_of(&mut app, 120, 40);
    assert!(screen.contains("team log 0%"), "{screen}");
    app.on_notice(replypad::desk::Notice::Progress(
        replypad::desk::Progress::TeamLog {
            done: 200_000,
            total: 500_000,
        },
    ));
    assert!(screen_of(&mut app, 80, 24).contains("team log 40%"));
}

/// The App drawn at `w`×`h`, as text.
fn screen_of(app: &mut App, w: u16, h: u16) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| replypad::ui::panes::draw(app, f)).unwrap();
    let buf = term.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

fn open_row(app: &mut App, conv: &str) {
    let row = app
        .list
        .rows
        .iter()
        .position(|r| r.id == conv)
        .expect("the conversation is listed");
    for _ in 0..row {
        app.feed("j");
    }
    app.feed("<Enter>");
}

#[test]
fn reply_then_pending_sets_the_status_with_the_send() {
    let dir = tempfile::tempdir().unwrap();
    let config = offline_account(dir.path());
    let (app, _o) = tui(&config);
    let conv = app.list.rows[0].id.clone();
    drop(app);
    let body = dir.path().join("r.txt");
    std::fs::write(&body, "We are looking into it.").unwrap();
    let (code, out) = cli(
        &config,
        &[
            "reply",
            &conv,
            "--file",
            body.to_str().unwrap(),
            "--then",
            "pending",
        ],
    );
    // No SMTP server here: queued, not sent (exit 4); the status goes with it.
    assert_eq!(code, 4, "{out}");
    let e = last_event(&config, &conv);
    assert!(
        matches!(
            e.kind,
            replypad::domain::events::EventKind::Status {
                status: replypad::domain::Status::Pending,
                ..
            }
        ),
        "{e:?}"
    );
    let (code, out) = cli(
        &config,
        &[
            "reply",
            &conv,
            "--file",
            body.to_str().unwrap(),
            "--then",
            "later",
            "--force",
        ],
    );
    assert_ne!(code, 0);
    assert!(out.contains("unknown status"), "{out}");
}
