//! The event loop: `tokio::select!` over terminal events, a clock tick and
//! "store changed" notifications from workers. Draws are throttled to about
//! 60 per second; the terminal is restored on exit and on panic.

use super::app::App;
use super::panes;
use anyhow::Result;
use crossterm::event::{self, Event, EventStream, KeyEventKind};
use crossterm::execute;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, interval, sleep_until};

pub use crate::desk::Notice;

const FRAME: Duration = Duration::from_millis(16);

/// Runs the TUI until the user quits. `notices` carries worker notifications.
pub fn run(app: App, notices: mpsc::UnboundedReceiver<Notice>) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // Raw mode may be on already.
            ratatui::restore();
            return Err(anyhow::Error::new(e).context("cannot set up the terminal"));
        }
    };
    // A paste arrives as one event (into compose or a prompt), not as keys
    // one by one: a pasted line break is no Enter, and a long log pasted
    // into a reply is one edit.
    let _ = execute!(std::io::stdout(), event::EnableBracketedPaste);
    install_panic_hook();
    let result = rt.block_on(event_loop(&mut terminal, app, notices));
    let _ = execute!(std::io::stdout(), event::DisableBracketedPaste);
    ratatui::restore();
    result
}

/// ratatui::init restores the terminal on panic; a panic the mail parser
/// raises inside its isolation (mail::parse) must not, because the app goes on.
fn install_panic_hook() {
    let restore_and_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::mail::parse::in_isolated_parse() {
            tracing::warn!("mail parser panic (isolated): {info}");
            return;
        }
        tracing::error!("panic: {info}");
        let _ = execute!(std::io::stdout(), event::DisableBracketedPaste);
        restore_and_report(info);
    }));
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut app: App,
    mut notices: mpsc::UnboundedReceiver<Notice>,
) -> Result<()> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let mut events = EventStream::new();
    let mut tick = interval(Duration::from_secs(30));
    let mut jobs = interval(Duration::from_secs(5));
    let mut second = interval(Duration::from_secs(1));
    // Writes by other processes (no notice comes for them).
    let mut outside = interval(Duration::from_secs(2));
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| panes::draw(&mut app, f))?;
            dirty = false;
            last_draw = Instant::now();
            if app.settle() {
                dirty = true;
                continue;
            }
        }
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    // Acts and sends are stamped with the time of the key.
                    app.clock = super::format::Clock::system_in(app.desk.cfg().time_zone());
                    app.handle_key(k);
                    dirty = true;
                }
                Some(Ok(Event::Paste(text))) => {
                    app.paste(&text);
                    dirty = true;
                }
                Some(Ok(Event::Resize(w, h))) => {
                    app.resize(w, h);
                    repaint(terminal)?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            _ = tick.tick() => {
                app.clock = super::format::Clock::system_in(app.desk.cfg().time_zone());
                app.tick();
                dirty = true;
            }
            // Scheduled jobs fall due without news from the server.
            _ = jobs.tick(), if app.desk.cfg().automation.run_in_tui => {
                app.clock = super::format::Clock::system_in(app.desk.cfg().time_zone());
                app.after_news();
                dirty = true;
            }
            // A reply held for undo send: its countdown, every second.
            _ = second.tick(), if app.held.is_some() => {
                app.clock = super::format::Clock::system_in(app.desk.cfg().time_zone());
                app.tick();
                dirty = true;
            }
            _ = outside.tick() => {
                if app.check_outside() {
                    dirty = true;
                }
            }
            Some(n) = notices.recv() => {
                app.on_notice(n);
                dirty = true;
            }
            // A search that matches much scans on between keys.
            _ = std::future::ready(()), if app.searching().is_some() => {
                if app.search_step() {
                    dirty = true;
                }
            }
            _ = sleep_until(last_draw + FRAME), if dirty => {}
        }
        if app.external_edit {
            app.external_edit = false;
            // The input reader must not steal the editor's keys: stop it meanwhile.
            drop(events);
            let r = external_editor(&mut app);
            app.report(r);
            events = EventStream::new();
            repaint(terminal)?;
            dirty = true;
        }
        // Status lines set outside a key (the editor's, a job's) are kept
        // in the messages log too, before a key can replace them.
        app.log_message();
        let rings = app.take_rings();
        if !rings.is_empty() && app.desk.cfg().notify.terminal_on() {
            ring(&rings);
        }
        if app.should_quit {
            break;
        }
    }
    Ok(())
}

/// The terminal bell, and a desktop notification (OSC 9, and OSC 777 for
/// the terminals that read that one); terminals that know neither ignore
/// them. The text is sanitized, with no escape or bell of its own left.
fn ring(texts: &[String]) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let mut seq = String::from("\x07");
    for t in texts {
        let t: String = crate::mail::sanitize::line(t)
            .chars()
            .filter(|c| !c.is_control() && *c != ';')
            .take(200)
            .collect();
        seq.push_str(&format!("\x1b]9;{t}\x07\x1b]777;notify;replypad;{t}\x07"));
    }
    let _ = out.write_all(seq.as_bytes());
    let _ = out.flush();
}

/// Clears the screen and makes the next draw repaint every cell.
/// (`Terminal::clear` asks the terminal for the cursor position, and that
/// answer can be taken by the input reader: it then fails after a timeout.
/// `resize` to the current size clears without asking.)
fn repaint(terminal: &mut ratatui::DefaultTerminal) -> Result<()> {
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
    Ok(())
}

/// Hands the draft to `$VISUAL` / `$EDITOR` (default `vi`) in a private
/// temp file, with the terminal restored meanwhile, and reads it back.
fn external_editor(app: &mut App) -> Result<()> {
    let file = app.external_edit_file()?;
    // Leave the TUI's terminal modes without rebuilding the Terminal (a new
    // one would query the cursor position, which races with the input reader).
    use crossterm::terminal;
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        event::DisableBracketedPaste,
        terminal::LeaveAlternateScreen
    );
    let status = crate::editor::run(file.path());
    terminal::enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste
    )?;
    match status {
        Ok(s) if s.success() => {
            let text = std::fs::read_to_string(file.path())?;
            app.external_edit_done(&text)
        }
        Ok(s) => anyhow::bail!("{}; the draft is unchanged", crate::editor::failure(s)),
        Err(e) => Err(e),
    }
}
