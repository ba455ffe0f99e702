//! The thread list: one line per conversation, only the visible page.

use super::{border, title_style};
use crate::domain::{ConversationSummary, Status};
use crate::mail::sanitize;
use crate::ui::app::{App, Focus};
use crate::ui::format::{fit, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let l = &app.list;
    let mut name = app.view.title();
    if app.sort == crate::store::ListSort::WaitingLongest && app.view.query().is_none() {
        name.push_str(" · waiting longest first");
    }
    let partial = app.search_partial && app.view.query().is_some();
    let title = |count: String| {
        if partial {
            format!(" {name}{count} · partial: mail still syncing ")
        } else {
            format!(" {name}{count} ")
        }
    };
    let searching = app.searching();
    let title = if let Some(found) = searching {
        // A search still scanning: what it found so far.
        if l.rows.is_empty() {
            title(" · searching".into())
        } else {
            title(format!(" · {}/{found}+ searching", l.selected + 1))
        }
    } else if l.total == 0 {
        title(String::new())
    } else if app.view_counts.is_empty() {
        // The first frame: the total is counted just after it.
        title(format!(" · {}", l.selected + 1))
    } else {
        title(format!(" · {}/{}", l.selected + 1, l.total))
    };
    let block = Block::bordered()
        .title(Span::styled(title, title_style()))
        .border_style(border(
            &app.theme,
            app.focus == Focus::List || app.help.is_some(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if searching.is_some() && l.rows.is_empty() {
        frame.render_widget(Paragraph::new("Searching…"), inner);
        return;
    }
    if l.total == 0 {
        use crate::domain::views::View;
        let empty = match &app.view {
            View::All => "No conversations yet. `replypad sync` fetches the mailbox.".to_string(),
            View::Search(_) => format!(
                "Nothing matches this search: / edits it, Esc goes back to {}.",
                crate::mail::sanitize::line(
                    &app.before_search.as_ref().unwrap_or(&View::All).title()
                )
            ),
            _ => "Nothing in this view. [ and ] switch views.".to_string(),
        };
        frame.render_widget(
            Paragraph::new(empty).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    // Owner, status and labels: while team state is off (no team key) no
    // act can set them, so the columns are kept only for a page whose rows
    // carry state from before; else the subject gets their room.
    let team = app.desk.team_key().is_some()
        || l.rows
            .iter()
            .any(|c| c.assignee.is_some() || !c.labels.is_empty() || c.status != Status::Open);
    let lines: Vec<Line> = l
        .rows
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let marked = app.is_selected(l.offset + i, &c.id);
            row(
                app,
                c,
                inner.width as usize,
                l.offset + i == l.selected,
                marked,
                team,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `● Sender Name @domain   Subject — snippet      3  2h  sam  billing`
fn row<'a>(
    app: &App,
    c: &'a ConversationSummary,
    width: usize,
    selected: bool,
    marked: bool,
    team: bool,
) -> Line<'a> {
    let unread = c.unread > 0;
    let t = &app.theme;
    let base = if selected {
        t.cursor
    } else if marked {
        t.marked
    } else if c.status == Status::Closed {
        t.dim
    } else {
        Style::new()
    };
    let bold = if unread {
        base.add_modifier(Modifier::BOLD)
    } else {
        base
    };
    let name = sanitize::line(c.from.name.as_deref().unwrap_or(&c.from.email)).into_owned();
    let spoof = c.from.looks_forged();
    // A narrow list (the split view's) keeps every column, each narrower.
    let narrow = width < 100;
    // Under 50 columns (a tmux split) the sender and the count give way
    // so the subject can be read.
    let tiny = width < 50;
    let from_w = match width {
        118.. => 28,
        100.. => 22,
        50.. => 18,
        _ => (width / 4).max(6),
    };
    let sender = format!(
        "{}{} @{}",
        if spoof { "⚠ " } else { "" },
        name,
        sanitize::line(&c.from.domain())
    );
    let age = app.clock.age(c.last_date);
    // In parentheses: a bare count before an age of another year read as
    // a date ("25 Jul 2025" for 25 messages, last in July 2025).
    let count = if c.messages > 1 && !tiny {
        format!("({})", c.messages)
    } else {
        String::new()
    };
    // Ages run from "now" to "Jul 2025": eight columns.
    // ← the customer wrote last: the team owes an answer.
    let mark = if c.waiting_since.is_some() {
        '←'
    } else {
        ' '
    };
    let mut right = if tiny {
        format!(" {mark} {age:>6}")
    } else {
        format!(" {mark}{count:>4} {age:>8}")
    };
    let team = team && width >= 80;
    let assignee = c
        .assignee
        .as_deref()
        .map(|a| app.names.short(a))
        .unwrap_or("");
    if team {
        let owner_w = if narrow { 6 } else { 7 };
        right.push_str(&format!(
            " {:<owner_w$} {:<7}",
            truncate(&sanitize::line(assignee), owner_w),
            status_word(c.status)
        ));
    }
    let labels_w = match (team, narrow) {
        (false, _) => 0,
        (true, true) => 12,
        (true, false) => 15,
    };
    let subject_w = width.saturating_sub(2 + from_w + 1 + right.width() + labels_w);
    let subject = sanitize::line(&c.subject).into_owned();
    let mut spans = vec![
        Span::styled(
            match (marked, unread) {
                (true, _) => "✓ ",
                (false, true) => "● ",
                (false, false) => "  ",
            },
            if selected {
                bold
            } else {
                bold.patch(t.heading)
            },
        ),
        Span::styled(
            fit(&sender, from_w),
            if spoof && !selected {
                bold.patch(t.bad)
            } else {
                bold
            },
        ),
        Span::styled(" ", base),
    ];
    // "Someone is replying": another agent is drafting on this one.
    let mut subject_w = subject_w;
    if let Some(who) = c.replying.as_deref().filter(|w| *w != app.me) {
        let mark = truncate(
            &format!("✎{} ", sanitize::line(app.names.short(who))),
            subject_w / 2,
        );
        subject_w = subject_w.saturating_sub(mark.width());
        spans.push(Span::styled(
            mark,
            if selected { base } else { base.patch(t.notice) },
        ));
    }
    // A draft of mine left here (the Drafts view lists them too).
    if app.drafted.contains(&c.id) {
        let mark = truncate("✎draft ", subject_w / 2);
        subject_w = subject_w.saturating_sub(mark.width());
        spans.push(Span::styled(
            mark,
            if selected { base } else { base.patch(t.notice) },
        ));
    }
    // An SLA target due within two hours, or missed.
    if let Some(&(_, due)) = app.sla.get(&c.id) {
        let left = due - app.clock.now;
        if left <= 2 * 3600 {
            let (text, style) = if left < 0 {
                ("⚠SLA ".to_string(), t.bad)
            } else {
                (
                    format!("⏱{} ", crate::domain::insight::human(left)),
                    t.notice,
                )
            };
            let mark = truncate(&text, subject_w / 2);
            subject_w = subject_w.saturating_sub(mark.width());
            spans.push(Span::styled(
                mark,
                if selected { base } else { base.patch(style) },
            ));
        }
    }
    let subj_fit = truncate(&subject, subject_w);
    let rest = subject_w.saturating_sub(subj_fit.width());
    spans.push(Span::styled(subj_fit, bold));
    if rest > 3 && !c.snippet.is_empty() {
        let snip = fit(&format!(" — {}", sanitize::line(&c.snippet)), rest);
        spans.push(Span::styled(
            snip,
            if selected { base } else { base.patch(t.dim) },
        ));
    } else {
        spans.push(Span::styled(" ".repeat(rest), base));
    }
    spans.push(Span::styled(right, base));
    let mut used_labels = 0;
    for l in c.labels.iter().take_while(|_| team) {
        let text = truncate(&format!(" {}", sanitize::line(l)), labels_w - used_labels);
        used_labels += text.width();
        let st = if selected {
            base
        } else {
            base.patch(t.label(app.desk.cfg().labels.get(l).map(String::as_str)))
        };
        spans.push(Span::styled(text, st));
        if used_labels >= labels_w {
            break;
        }
    }
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    if used < width {
        spans.push(Span::styled(" ".repeat(width - used), base));
    }
    Line::from(spans)
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Open => "",
        other => other.as_str(),
    }
}
