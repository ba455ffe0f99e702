//! The reports view (`g R`) and the post-mortem, on the demo mailbox: key
//! sequences against the real App, snapshots of every page at 80x24 and
//! 160x48, and the figures against `replypad report --json`'s.

#[path = "support/tui.rs"]
mod tui_support;

use ratatui::{Terminal, backend::TestBackend};
use replypad::config::Config;
use replypad::domain::insight::human;
use replypad::ui::App;
use tui_support::{NOW, render};

fn app(width: u16, height: u16) -> (App, Terminal<TestBackend>) {
    let mut cfg = Config::demo();
    cfg.undo_send = 0;
    // Days and hours in a fixed zone, whatever the machine's.
    cfg.timezone = Some("Europe/Berlin".into());
    tui_support::app_with_config(width, height, "/tmp/replypad-demo/outbox".into(), cfg)
}

#[test]
fn every_page_at_two_sizes() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut app, mut term) = app(w, h);
        app.feed("gR");
        for (i, page) in ["volume", "times", "backlog", "hours", "sla"]
            .iter()
            .enumerate()
        {
            app.feed(&(i + 1).to_string());
            insta::assert_snapshot!(
                format!("reports_{page}_{w}x{h}"),
                render(&mut app, &mut term)
            );
        }
        app.feed("2t");
        insta::assert_snapshot!(
            format!("reports_times_table_{w}x{h}"),
            render(&mut app, &mut term)
        );
    }
}

/// The SLA list and the tables scroll to their last row and no further:
/// j past the end scrolled into blank lines, and k then needed as many
/// presses before anything moved. A table keeps its header in view.
#[test]
fn reports_scroll_to_their_end_and_back_at_once() {
    // The whole screen drawn afresh: the test backend keeps what an earlier
    // frame left in the cell a wide character covers, a terminal does not.
    let screen = |app: &mut App, term: &mut Terminal<TestBackend>| {
        term.clear().unwrap();
        render(app, term)
    };
    for (w, h) in [(80, 24), (200, 50)] {
        let (mut app, mut term) = app(w, h);
        app.feed("gR5");
        let top = screen(&mut app, &mut term);
        for _ in 0..300 {
            app.feed("j");
        }
        let end = screen(&mut app, &mut term);
        let last_row = end.lines().rev().nth(2).unwrap_or_default().to_string();
        assert!(
            last_row.contains("due ") || last_row.contains("Nothing breached"),
            "the SLA list's last case is on the last line at {w}x{h}: {end}"
        );
        app.feed("G");
        assert_eq!(screen(&mut app, &mut term), end, "G: the end");
        app.feed("k");
        if top != end {
            assert_ne!(screen(&mut app, &mut term), end, "one k moves at {w}x{h}");
        }
        app.feed("g");
        assert_eq!(screen(&mut app, &mut term), top, "g: the top");
        // The volume table: a row a day, under its header.
        app.feed("1t<End>");
        let table = screen(&mut app, &mut term);
        assert!(
            table.contains("day "),
            "the header stays at {w}x{h}: {table}"
        );
        let today = chrono::DateTime::from_timestamp(NOW, 0)
            .unwrap()
            .with_timezone(&chrono_tz::Europe::Berlin)
            .format("%Y-%m-%d")
            .to_string();
        assert!(
            table.contains(&today),
            "End shows the last day, {today}: {table}"
        );
        app.feed("<PageUp><PageDown><PageDown>");
        assert_eq!(screen(&mut app, &mut term), table, "PageDown to the end");
    }
}

#[test]
fn range_label_group_and_close() {
    let (mut app, mut term) = app(80, 24);
    app.feed("gR");
    assert!(render(&mut app, &mut term).contains("last 28 days · all labels"));
    app.feed("]");
    assert!(render(&mut app, &mut term).contains("last 90 days"));
    app.feed("]]]");
    assert!(
        render(&mut app, &mut term).contains("last 365 days"),
        "stops at the longest"
    );
    app.feed("[[[[[[");
    assert!(
        render(&mut app, &mut term).contains("last 7 days"),
        "stops at the shortest"
    );
    app.feed("l");
    assert!(render(&mut app, &mut term).contains("#billing"));
    // Past the last label: all labels again.
    app.feed("llll");
    assert!(render(&mut app, &mut term).contains("all labels"));
    app.feed("2b");
    assert!(render(&mut app, &mut term).contains("by agent"));
    app.feed("b");
    assert!(render(&mut app, &mut term).contains("by week"));
    // Keys that mean nothing here do nothing; Esc closes.
    app.feed("xyz<Esc>");
    let screen = render(&mut app, &mut term);
    assert!(!screen.contains("Reports ·"), "{screen}");
    assert!(app.reports.is_none());
}

#[test]
fn the_view_shows_the_figures_report_json_gives() {
    let (mut app, mut term) = app(160, 48);
    app.feed("gR");
    let screen = render(&mut app, &mut term);
    // What `replypad report --json` computes: the same desk call.
    let zone = app.desk.report_zone();
    let range = replypad::desk::insight::last_days(28, zone, NOW);
    let r = app.desk.report(range, None, NOW).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    let t = &json["totals"];
    for want in [
        format!(
            "new {} · replied {} · resolved {} · reopened {}",
            t["new"], t["replied"], t["resolved"], t["reopened"]
        ),
        format!(
            "first response {} / {}",
            human(t["first_response"]["median"].as_i64().unwrap()),
            human(t["first_response"]["p90"].as_i64().unwrap())
        ),
        format!("now {} open, {} pending", t["open"], t["pending"]),
        format!("SLA: {} breached, {} at risk", t["breached"], t["at_risk"]),
    ] {
        assert!(screen.contains(&want), "{want} not in\n{screen}");
    }
    // Every chart has something to show.
    assert!(
        r.days.iter().filter(|d| d.new > 0).count() >= 14,
        "new per day"
    );
    assert!(r.days.iter().any(|d| d.open > 0), "backlog");
    assert!(r.by_label.len() >= 4, "labels");
    assert!(
        r.by_agent.iter().filter(|g| g.conversations > 0).count() >= 3,
        "agents"
    );
    assert!(r.by_week.len() >= 4, "weeks");
    assert!(r.totals.reopened > 0, "reopens");
    let busy = r.busiest.iter().flatten().filter(|&&n| n > 0).count();
    assert!(busy >= 30, "busiest hours: {busy} cells");
    assert!(!r.sla.is_empty(), "SLA");
}

#[test]
fn the_post_mortem_of_a_demo_conversation_has_everything_in_order() {
    let (mut app, mut term) = app(80, 24);
    // A conversation that was closed, reopened by the customer, closed again.
    let cases = app.desk.cases().unwrap();
    let case = cases
        .iter()
        .find(|c| c.customer.len() == 2 && c.replies.len() == 1 && c.statuses.len() == 2)
        .expect("the demo has a reopened conversation");
    let id = case.id.clone();
    let pm = app.desk.post_mortem(&id).unwrap();
    // Two customer messages, one reply, a claim, a label and two closes.
    let whats: Vec<&str> = pm.timeline.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(
        whats.iter().filter(|w| **w == "customer wrote").count(),
        2,
        "{whats:?}"
    );
    assert_eq!(whats.iter().filter(|w| **w == "replied").count(), 1);
    assert_eq!(whats.iter().filter(|w| **w == "status closed").count(), 2);
    assert!(whats.iter().any(|w| w.starts_with("claimed by")));
    assert!(whats.iter().any(|w| w.starts_with("labels +")));
    assert!(
        pm.timeline.windows(2).all(|w| w[0].at <= w[1].at),
        "in order"
    );
    // Timings from the facts.
    let first = case.customer[0];
    assert_eq!(pm.timings.first_message, Some(first));
    assert_eq!(pm.timings.first_response, Some(case.replies[0].at - first));
    let closed = case.statuses[1].0;
    assert_eq!(pm.timings.resolved_at, Some(closed));
    assert_eq!(pm.timings.resolution, Some(closed - first));
    assert!(pm.timings.reopened);
    let md = pm.to_markdown();
    for part in [
        "## Timings",
        "## Timeline",
        "## What happened",
        "## Steps taken",
        "## Prevention",
        &format!("after {}", human(closed - first)),
        "It happened again.",
    ] {
        assert!(md.contains(part), "{part} not in\n{md}");
    }
    // A note and a status change made now come last.
    let note = replypad::desk::input::note("Root cause: the @lee sync job").unwrap();
    app.desk.act(std::slice::from_ref(&id), note, NOW).unwrap();
    let pm = app.desk.post_mortem(&id).unwrap();
    let last = pm.timeline.last().unwrap();
    assert_eq!(last.text.as_deref(), Some("Root cause: the @lee sync job"));
    // And `g M` on the conversation at hand shows it and saves it, never
    // over an earlier one.
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: no other test in this binary reads the environment.
    unsafe { std::env::set_var("XDG_DATA_HOME", dir.path()) };
    app.feed("gM");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("Post-mortem · saved to"), "{screen}");
    assert!(screen.contains("## Timings"), "{screen}");
    // At 80 columns its long lines wrap: the conversation's line (owner,
    // labels) goes on on the next row instead of losing its end.
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|l| l.contains("Conversation "))
        .unwrap();
    let next = rows[at + 1].trim_matches(['│', ' ']);
    assert!(!next.is_empty(), "the line is cut:\n{screen}");
    app.feed("<Esc>gM<Esc>");
    let saved = std::fs::read_dir(dir.path().join("replypad/post-mortems"))
        .unwrap()
        .count();
    assert_eq!(saved, 2);
}

/// A range with no conversation says how to widen it instead of drawing
/// empty charts; a range across a new year dates its days with the year.
#[test]
fn an_empty_range_says_so() {
    let (mut app, mut term) = app(80, 24);
    // Two years on: the demo's mail is long past.
    app.clock = replypad::ui::format::Clock::fixed(NOW + 2 * 365 * 86_400);
    app.feed("gR");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("No conversation started in the last 28 days: ] widens"),
        "{screen}"
    );
    app.feed("]]");
    let screen = render(&mut app, &mut term);
    assert!(screen.contains("last 365 days"), "{screen}");
    assert!(
        screen.contains("No conversation started in the last 365 days."),
        "{screen}"
    );
    assert!(
        screen.contains("· 2026-11-") && screen.contains("to 2027-11-"),
        "{screen}"
    );
}

/// A reply's quoted history is not told again in the post-mortem: each
/// message once, in its place, with a line saying what was left out.
#[test]
fn the_post_mortem_tells_each_message_once() {
    let (mut app, _term) = app(80, 24);
    let id = app
        .list
        .rows
        .iter()
        .find(|r| r.from.email == "jordan@blakeandco.io")
        .unwrap()
        .id
        .clone();
    let pm = app.desk.post_mortem(&id).unwrap();
    let reply = pm
        .timeline
        .iter()
        .find(|e| e.what == "replied")
        .expect("Lee's reply");
    let text = reply.text.as_deref().unwrap();
    assert!(text.contains("storage cluster"), "its own text: {text}");
    assert!(
        !text.contains("furious"),
        "the customer's words again: {text}"
    );
    assert!(reply.quoted_left_out > 0);
    let md = pm.to_markdown();
    assert_eq!(md.matches("I am honestly furious").count(), 1, "{md}");
    assert!(md.contains("quoted lines of earlier mail left out"), "{md}");
}

/// By agent, a row counts the conversations the agent answered first (a
/// resolution counts for the owner): "(unassigned) 0" beside resolution
/// times under "convs" read as a contradiction.
#[test]
fn by_agent_the_count_is_of_first_answers() {
    let (mut app, mut term) = app(80, 24);
    app.feed("gR2tb");
    let screen = render(&mut app, &mut term);
    assert!(
        screen.contains("agent") && screen.contains("answered"),
        "{screen}"
    );
    assert!(!screen.contains("convs"), "{screen}");
    app.feed("b");
    assert!(
        render(&mut app, &mut term).contains("convs"),
        "by week: begun"
    );
}
