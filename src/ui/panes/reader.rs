//! The conversation pane: every message in order, quoted text folded,
//! attachments listed. Team replies are set apart from customer mail.

use super::super::team::Names;
use super::{border, title_style};
use crate::domain::{BodyState, ConversationView, MessageView};
use crate::mail::sanitize;
use crate::ui::app::{App, Focus};
use crate::ui::format::{Clock, human_size, wrap};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use std::collections::BTreeMap;

pub fn draw(app: &mut App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::Reader && app.help.is_none();
    let th = app.theme.clone();
    let block = Block::bordered().border_style(border(&th, focused));
    let inner = block.inner(area);
    let Some(r) = &mut app.reader else {
        let block = block.title(Span::styled(" Conversation ", title_style()));
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Enter opens the selected conversation.",
                th.dim,
            ))
            .block(block),
            area,
        );
        return;
    };
    let mut lines = Vec::new();
    if let Some(h) = &r.history {
        history_lines(
            h,
            inner.width as usize,
            &app.clock,
            &app.names,
            &th,
            &mut lines,
        );
    }
    // A draft under review comes first: it is what the reviewer is here for.
    if let Some(review) = &r.review {
        let reviewers_send =
            app.desk.cfg().review.sender == crate::domain::review::Sender::Reviewer;
        review_lines(
            review,
            &app.me,
            reviewers_send,
            inner.width as usize,
            &app.clock,
            &th,
            &mut lines,
        );
    }
    if let Some(j) = &r.next_job {
        lines.push(Line::styled(
            format!("⏲ {j} (g J lists the jobs, g X cancels)"),
            th.notice,
        ));
        lines.push(Line::raw(""));
    }
    // A draft left here (not one under review: its banner says it all).
    if let Some(d) = r.my_draft.as_ref().filter(|_| r.review.is_none()) {
        for w in wrap(d, inner.width as usize) {
            lines.push(Line::styled(w, th.notice));
        }
        lines.push(Line::raw(""));
    }
    let before = lines.len();
    let (conversation, starts) = render_lines(
        &r.view,
        inner.width as usize,
        r.show_quotes,
        &app.clock,
        &app.desk.cfg().labels,
        &app.names,
        &th,
    );
    lines.extend(conversation);
    if let Some(i) = r.jump.take()
        && let Some(start) = starts.get(i)
    {
        r.scroll = before + start;
    }
    r.rendered_lines = lines.len();
    r.message_starts = starts.iter().map(|s| before + s).collect();
    r.height = inner.height as usize;
    r.scroll = r.scroll.min(lines.len().saturating_sub(r.height));
    let n = r.view.messages.len();
    let title = format!(
        " {n} message{} · line {}/{} ",
        if n == 1 { "" } else { "s" },
        r.scroll + 1,
        lines.len().max(1)
    );
    let visible: Vec<Line> = lines.into_iter().skip(r.scroll).take(r.height).collect();
    let mut block = block.title(Span::styled(title, title_style()));
    // A teammate drafting here: in the title, seen wherever the text is
    // scrolled (the reader opens on the newest message).
    if let Some(who) = &r.others_replying {
        block = block.title(Span::styled(
            format!(" ✎ {who} replying now "),
            th.notice.add_modifier(Modifier::BOLD),
        ));
    }
    frame.render_widget(Paragraph::new(visible).block(block), area);
}

/// All lines of a conversation at `width` cells (the pane scrolls over
/// them), and the line each message starts at.
pub fn render_lines(
    v: &ConversationView,
    width: usize,
    show_quotes: bool,
    clock: &Clock,
    label_colours: &BTreeMap<String, String>,
    names: &Names,
    th: &Theme,
) -> (Vec<Line<'static>>, Vec<usize>) {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    for l in wrap(&sanitize::line(&v.subject), width) {
        out.push(Line::styled(l, Style::new().add_modifier(Modifier::BOLD)));
    }
    let mut meta = vec![Span::styled(v.status.as_str().to_string(), th.good)];
    if let Some(a) = &v.assignee {
        meta.push(Span::raw(format!(
            " · assigned to {}",
            sanitize::line(names.full(a))
        )));
    } else {
        meta.push(Span::styled(" · unassigned", th.dim));
    }
    for l in &v.labels {
        meta.push(Span::styled(
            format!(" #{}", sanitize::line(l)),
            th.label(label_colours.get(l).map(String::as_str)),
        ));
    }
    if let Some(since) = v.waiting_since {
        meta.push(Span::styled(
            format!(" · ← customer waiting {}", clock.elapsed(since)),
            th.heading,
        ));
    }
    out.extend(wrap_spans(meta, width));
    // Attachments are numbered across the conversation (w saves, o opens #N).
    let mut attachment_no = 0;
    // Messages and internal notes, interleaved by time.
    let mut notes = v.notes.iter().peekable();
    for m in &v.messages {
        while let Some(n) = notes.next_if(|n| n.at <= m.date) {
            note_lines(n, width, clock, names, th, &mut out);
        }
        starts.push(out.len());
        out.push(Line::styled("─".repeat(width), th.dim));
        message_lines(
            m,
            width,
            show_quotes,
            clock,
            th,
            &mut attachment_no,
            &mut out,
        );
    }
    for n in notes {
        note_lines(n, width, clock, names, th, &mut out);
    }
    (out, starts)
}

/// A draft shared for review: the latest revision, what changed since the
/// previous one, and the verdicts. Blue, so it is never mistaken for mail.
fn review_lines(
    (d, tone, diff): &crate::ui::app::UnderReview,
    me: &str,
    reviewers_send: bool,
    width: usize,
    clock: &Clock,
    th: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let l = d.latest();
    let bar = th.title;
    // Wrapped, as the rest: at 80 columns the keys and the subject were cut.
    // The keys its reader can use: a teammate's verdict (once approved,
    // who sends it), the author's own draft (they cannot approve it; `r`
    // resumes it).
    use crate::domain::review::ReviewState;
    let keys = match d.state() {
        ReviewState::Sent => "",
        _ if d.author.eq_ignore_ascii_case(me) => "  r resumes it",
        ReviewState::Approved if reviewers_send => "  v s sends it · v c requests changes",
        ReviewState::Approved => "  its author sends it · v c requests changes",
        _ => "  v a approves · v c requests changes",
    };
    let banner = format!(
        " DRAFT FOR REVIEW  rev {} by {}  [{}]{keys} ",
        l.revision,
        sanitize::line(&d.author),
        d.state().as_str()
    );
    for w in wrap(&banner, width) {
        out.push(Line::styled(w, bar.add_modifier(Modifier::BOLD)));
    }
    for field in [
        format!("To: {}", sanitize::line(&l.to.join(", "))),
        format!("Subject: {}", sanitize::line(&l.subject)),
    ] {
        out.extend(wrap(&field, width).into_iter().map(Line::raw));
    }
    for v in &d.verdicts {
        let text = verdict_text(v, clock);
        let style = if v.approved { th.good } else { th.heading };
        for w in wrap(&text, width) {
            out.push(Line::styled(w, style));
        }
    }
    for f in tone {
        let at = if f.line > 0 {
            format!("line {}: ", f.line)
        } else {
            String::new()
        };
        for w in wrap(&format!("tone · {at}{}", f.message), width) {
            out.push(Line::styled(w, th.accent));
        }
    }
    for (mark, text) in diff {
        let style = match mark {
            '+' => th.good,
            '-' => th.bad,
            _ => Style::new(),
        };
        for w in wrap(&sanitize::line(text), width.saturating_sub(4)) {
            out.push(Line::from(vec![
                Span::styled("▌ ", th.title.patch(th.accent)),
                Span::styled(format!("{mark} {w}"), style),
            ]));
        }
    }
}

/// An internal note: set apart (yellow bar) so it is never mistaken for mail.
fn note_lines(
    n: &crate::domain::Note,
    width: usize,
    clock: &Clock,
    names: &Names,
    th: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let bar = th.banner;
    let head = format!(
        " NOTE  {}  {}{} ",
        sanitize::line(names.full(&n.agent)),
        clock.datetime(n.at),
        if n.pushed { "" } else { "  (not pushed yet)" }
    );
    out.push(Line::styled(head, bar.add_modifier(Modifier::BOLD)));
    for l in sanitize::text(&n.text).lines() {
        for w in wrap(l, width.saturating_sub(2)) {
            out.push(Line::from(vec![
                Span::styled("▌ ", th.heading),
                Span::raw(w),
            ]));
        }
    }
}

/// The team history: who assigned, labelled, noted, and when.
fn history_lines(
    h: &[crate::store::HistoryEntry],
    width: usize,
    clock: &Clock,
    names: &Names,
    th: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    out.push(Line::styled(
        "Team history (H hides)",
        th.accent.add_modifier(Modifier::BOLD),
    ));
    if h.is_empty() {
        out.push(Line::styled("  nothing yet", th.dim));
    }
    for e in h {
        let what = match &e.event.kind {
            crate::domain::events::EventKind::Note { text, .. } => format!("note: {text}"),
            other => other.describe_with(|t| clock.datetime(t)),
        };
        let mut line = format!(
            "  {}  {}  {}",
            clock.datetime(e.event.at),
            names.full(&e.event.agent),
            what
        );
        if e.outcome != crate::domain::events::Outcome::Applied {
            line.push_str(&format!(" [{}]", e.outcome));
        }
        // A long entry wraps under its indent, not at the pane's edge.
        for w in crate::ui::format::wrap_hanging(&sanitize::line(&line), width) {
            out.push(Line::styled(w, th.accent));
        }
    }
    out.push(Line::raw(""));
}

/// Spans on as many lines as `width` needs, broken between spans (a span
/// wider than a line is wrapped by words).
fn wrap_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut cur_w = 0;
    for span in spans {
        let w = span.content.width();
        if cur_w + w > width && !cur.is_empty() {
            lines.push(Line::from(std::mem::take(&mut cur)));
            cur_w = 0;
        }
        if w > width {
            let style = span.style;
            let text = span.content.trim_start().to_string();
            let mut parts = wrap(&text, width);
            let last = parts.pop().unwrap_or_default();
            lines.extend(parts.into_iter().map(|p| Line::styled(p, style)));
            cur_w = last.width();
            cur.push(Span::styled(last, style));
        } else {
            // A span that starts a line loses its leading separator (" · ").
            let span = if cur.is_empty() && !lines.is_empty() {
                let t = span.content.trim_start_matches([' ', '·']).to_string();
                Span::styled(t, span.style)
            } else {
                span
            };
            cur_w += span.content.width();
            cur.push(span);
        }
    }
    if !cur.is_empty() {
        lines.push(Line::from(cur));
    }
    lines
}

fn message_lines(
    m: &MessageView,
    width: usize,
    show_quotes: bool,
    clock: &Clock,
    th: &Theme,
    attachment_no: &mut usize,
    out: &mut Vec<Line<'static>>,
) {
    let who = if m.from_team { th.accent } else { th.heading };
    let who = if m.unread {
        who.add_modifier(Modifier::BOLD)
    } else {
        who
    };
    let from = sanitize::line(&m.from.to_string()).into_owned();
    let date = format!("  {} ({})", clock.datetime(m.date), clock.age(m.date));
    let mark = if m.unread { "● " } else { "" };
    // On a narrow screen the date goes under the sender rather than being
    // cut off at the border.
    use unicode_width::UnicodeWidthStr;
    if mark.width() + from.width() + date.width() <= width {
        out.push(Line::from(vec![
            Span::styled(mark, th.heading),
            Span::styled(from, who),
            Span::styled(date, th.dim),
        ]));
    } else {
        for l in wrap(&format!("{mark}{from}"), width) {
            out.push(Line::styled(l, who));
        }
        for l in wrap(date.trim_start(), width) {
            out.push(Line::styled(format!("  {l}"), th.dim));
        }
    }
    if m.from.looks_forged() {
        let why = if m.from.name_spoofs_address() {
            "the display name shows an address that is not the sender's"
        } else {
            "the sender's address is malformed (an encoded word where the name should be), shown as received"
        };
        for l in wrap(
            &format!("  ⚠ {why} ({})", sanitize::line(&m.from.email)),
            width,
        ) {
            out.push(Line::styled(l, th.bad.add_modifier(Modifier::BOLD)));
        }
    }
    let to: Vec<String> =
        m.to.iter()
            .chain(&m.cc)
            .map(|a| sanitize::line(&a.to_string()).into_owned())
            .collect();
    if !to.is_empty() {
        for l in wrap(&format!("To: {}", to.join(", ")), width) {
            out.push(Line::styled(l, th.dim));
        }
    }
    for a in &m.attachments {
        *attachment_no += 1;
        let line = format!(
            "📎 [{}] {} ({}, {})",
            attachment_no,
            sanitize::filename(&a.filename),
            sanitize::line(&a.content_type),
            human_size(a.size)
        );
        for l in wrap(&line, width) {
            out.push(Line::styled(l, th.notice));
        }
    }
    match m.body_state {
        BodyState::Headers => {
            out.push(Line::styled("(body not downloaded yet)", th.dim));
            return;
        }
        BodyState::Unparseable => {
            out.push(Line::styled("⚠ unparseable message", th.bad));
        }
        BodyState::Full => {}
    }
    out.push(Line::raw(""));
    body_lines(&sanitize::text(&m.text), width, show_quotes, th, out);
}

/// Body text with quoted blocks (`> ...`, and the "On ... wrote:" line before
/// them) folded into one line unless `show_quotes`.
fn body_lines(
    text: &str,
    width: usize,
    show_quotes: bool,
    th: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    use crate::domain::quotes;
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let quote = th.dim;
    // Outlook's style: the original below a From:/Sent: block, unquoted.
    let tail = quotes::header_block_start(&lines).unwrap_or(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let is_quote = |j: usize| lines.get(j).is_some_and(|l| quotes::is_quoted(l));
        // An attribution (one line, or two where the client wrapped it)
        // goes with the quote below it.
        let attribution = (quotes::is_attribution(lines[i]) && is_quote(i + 1))
            || (i + 1 < lines.len()
                && quotes::attribution_start(&lines, i + 1) == Some(i)
                && is_quote(i + 2));
        if i >= tail || is_quote(i) || attribution {
            let start = i;
            i += 1;
            while i < lines.len()
                && (start >= tail
                    || is_quote(i)
                    || (i == start + 1 && quotes::attribution_start(&lines, i) == Some(start))
                    || lines[i].trim().is_empty() && is_quote(i + 1))
            {
                i += 1;
            }
            if show_quotes {
                for l in &lines[start..i] {
                    out.extend(wrap(l, width).into_iter().map(|w| Line::styled(w, quote)));
                }
            } else {
                out.push(Line::styled(
                    format!("[… {} quoted lines · z shows them]", i - start),
                    quote,
                ));
            }
            continue;
        }
        out.extend(wrap(lines[i], width).into_iter().map(Line::raw));
        i += 1;
    }
}

/// One reviewer's verdict for people: "rev 2 changes requested by bo: …".
pub(super) fn verdict_text(v: &crate::domain::review::Verdict, clock: &Clock) -> String {
    format!(
        "rev {} {} by {}{} · {}",
        v.revision,
        if v.approved {
            "approved"
        } else {
            "changes requested"
        },
        sanitize::line(&v.by),
        if v.comment.is_empty() {
            String::new()
        } else {
            format!(": {}", sanitize::line(&v.comment))
        },
        clock.datetime(v.at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        body_lines(text, 80, false, &Theme::default(), &mut out);
        out.iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn quotes_fold_for_every_client_and_language() {
        let cases = [
            // Gmail in German, the quote below its attribution.
            "Danke, jetzt geht es.\n\nAm Mo., 3. Nov. 2025 um 09:12 Uhr schrieb Example Support <support@example.com>:\n> Bitte neu laden.\n> Gruß",
            // Gmail in Japanese.
            "ありがとうございます。\n\n2025年11月3日(月) 9:12 Example Support <support@example.com>:\n> 再読み込みしてください。",
            // A long English attribution Gmail wrapped onto two lines.
            "Thanks, it works.\n\nOn Mon, Nov 3, 2025 at 9:12 AM Example Support <\nsupport@example.com> wrote:\n> Please reload.",
            // Outlook: no > at all, the original below a header block.
            "Thanks, it works.\n\n________________________________\nFrom: Example Support <support@example.com>\nSent: Monday, November 3, 2025 9:12 AM\nTo: Jordan Blake <jordan@blakeandco.io>\nSubject: RE: Sync delays\n\nPlease reload.\n\nSam",
            // Outlook in French.
            "Merci, ça marche.\n\nDe : Example Support <support@example.com>\nEnvoyé : lundi 3 novembre 2025 09:12\nÀ : Jordan Blake <jordan@blakeandco.io>\nObjet : RE: Sync\n\nVeuillez recharger.",
        ];
        for text in cases {
            let lines = folded(text);
            let first = text.lines().next().unwrap();
            assert_eq!(lines[0], first, "{text}");
            assert_eq!(
                lines.len(),
                3,
                "the reply, a blank line, one folded block: {lines:?}"
            );
            assert!(
                lines[2].starts_with("[… ") && lines[2].contains("quoted lines"),
                "{lines:?}"
            );
        }
        // Not a quote: a sentence that starts like one.
        let plain = folded("On Monday we ship the fix.\nFrom: the docs, it is clear.");
        assert_eq!(plain.len(), 2, "{plain:?}");
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod width_tests;
