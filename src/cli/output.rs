//! Printing for `threads` and `show`: aligned text for people (sanitized),
//! JSON for scripts (escaped so no control or bidi character reaches a terminal).

use crate::domain::{Address, ConversationSummary, ConversationView};
use crate::mail::sanitize;
use crate::store::{ListQuery, Store};
use crate::ui::format::{fit, truncate};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

fn iso(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[derive(Serialize)]
struct ThreadJson<'a> {
    id: &'a str,
    subject: &'a str,
    from: &'a Address,
    last_date: String,
    messages: u32,
    unread: u32,
    status: &'a str,
    assignee: Option<&'a str>,
    labels: &'a [String],
    snippet: &'a str,
    has_attachment: bool,
    /// An agent drafting a reply now ("replying" presence, unexpired).
    replying: Option<&'a str>,
}

fn thread_json(c: &ConversationSummary) -> ThreadJson<'_> {
    ThreadJson {
        id: &c.id,
        subject: &c.subject,
        from: &c.from,
        last_date: iso(c.last_date),
        messages: c.messages,
        unread: c.unread,
        status: c.status.as_str(),
        assignee: c.assignee.as_deref(),
        labels: &c.labels,
        snippet: &c.snippet,
        has_attachment: c.has_attachment,
        replying: c.replying.as_deref(),
    }
}

/// What an empty `threads` says (like "no drafts"): the view or search
/// that has nothing, and of a label nobody uses, the labels in use.
fn nothing_in(store: &Store, view: &crate::domain::views::View) -> Result<String> {
    use crate::domain::views::View;
    Ok(match view {
        View::Search(q) => format!("nothing matches {:?}", sanitize::line(q)),
        View::Label(l) => {
            let known = store.known_labels()?;
            if known.iter().any(|k| k == l) {
                format!("no conversation in #{}", sanitize::line(l))
            } else {
                format!(
                    "no conversation has the label {:?} (labels: {})",
                    sanitize::line(l),
                    sanitize::line(&known.join(", "))
                )
            }
        }
        v => format!("no conversation in {}", sanitize::line(&v.title())),
    })
}

pub fn threads(
    store: &Store,
    json: bool,
    view: &crate::domain::views::View,
    me: &str,
    zone: Option<chrono_tz::Tz>,
) -> Result<ExitCode> {
    let all = store.list_view(view, me, ListQuery::ALL)?;
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = all.iter().map(thread_json).collect();
        write_json(&mut out, &rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        writeln!(out, "{}", nothing_in(store, view)?)?;
    }
    let clock = crate::ui::format::Clock::system_in(zone);
    for c in &all {
        let from = sanitize::line(&c.from.email).into_owned();
        let assignee = c
            .assignee
            .as_deref()
            .map(crate::domain::names::handle)
            .unwrap_or("-");
        writeln!(
            out,
            "{}  {:>6}  {}  {:>2}  {:<7}  {:<10}  {}{}",
            c.id,
            clock.age(c.last_date),
            fit(&from, 28),
            c.messages,
            c.status.as_str(),
            truncate(&sanitize::line(assignee), 10),
            sanitize::line(&c.subject),
            if c.labels.is_empty() {
                String::new()
            } else {
                format!("  [{}]", sanitize::line(&c.labels.join(", ")))
            },
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct MessageJson<'a> {
    message_id: &'a str,
    from: &'a Address,
    to: &'a [Address],
    cc: &'a [Address],
    date: String,
    subject: &'a str,
    text: &'a str,
    attachments: &'a [crate::domain::Attachment],
    unread: bool,
    from_team: bool,
    body_state: &'a str,
}

#[derive(Serialize)]
struct ShowJson<'a> {
    id: &'a str,
    subject: &'a str,
    status: &'a str,
    assignee: Option<&'a str>,
    labels: &'a [String],
    messages: Vec<MessageJson<'a>>,
    notes: &'a [crate::domain::Note],
}

pub fn show(store: &Store, id: &str, json: bool) -> Result<ExitCode> {
    let id = store.resolve_conversation(id)?;
    let Some(v) = store.conversation(&id)? else {
        anyhow::bail!("no conversation {id}")
    };
    let mut out = std::io::stdout().lock();
    if json {
        write_json(&mut out, &show_json(&v))?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{}  {}", v.id, sanitize::line(&v.subject))?;
    writeln!(
        out,
        "status: {}  assignee: {}  labels: {}",
        v.status,
        sanitize::line(v.assignee.as_deref().unwrap_or("-")),
        sanitize::line(&v.labels.join(", "))
    )?;
    let mut no = 0;
    for m in &v.messages {
        writeln!(
            out,
            "\n--- {}  {}{}",
            sanitize::line(&m.from.to_string()),
            iso(m.date),
            if m.from.looks_forged() {
                "  [⚠ sender looks forged]"
            } else {
                ""
            }
        )?;
        for a in &m.attachments {
            no += 1;
            writeln!(
                out,
                "attachment #{no}: {} ({}, {} bytes)",
                sanitize::filename(&a.filename),
                sanitize::line(&a.content_type),
                a.size
            )?;
        }
        writeln!(out, "\n{}", sanitize::text(m.text.trim_end()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show_json(v: &ConversationView) -> ShowJson<'_> {
    ShowJson {
        id: &v.id,
        subject: &v.subject,
        status: v.status.as_str(),
        assignee: v.assignee.as_deref(),
        labels: &v.labels,
        messages: v
            .messages
            .iter()
            .map(|m| MessageJson {
                message_id: &m.message_id,
                from: &m.from,
                to: &m.to,
                cc: &m.cc,
                date: iso(m.date),
                subject: &m.subject,
                text: &m.text,
                attachments: &m.attachments,
                unread: m.unread,
                from_team: m.from_team,
                body_state: m.body_state.as_str(),
            })
            .collect(),
        notes: &v.notes,
    }
}

/// Writes pretty JSON in which C1 controls, bidi controls and invisible
/// characters are `\u` escapes (serde_json already escapes C0): the data is
/// kept exactly, but nothing in it can act on a terminal.
pub(crate) fn write_json<W: Write>(w: &mut W, value: &impl Serialize) -> Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        &mut *w,
        SafeFormatter(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser)?;
    writeln!(w)?;
    Ok(())
}

struct SafeFormatter<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for SafeFormatter<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if !sanitize::is_clean_line(c.encode_utf8(&mut [0; 4])) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    write!(w, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_bidi_but_keeps_text() {
        let mut buf = Vec::new();
        write_json(&mut buf, &vec!["a\u{202e}b", "ü\x1b"]).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("a\\u202eb"), "{s}");
        assert!(s.contains("ü\\u001b"), "{s}");
        let back: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(back, vec!["a\u{202e}b", "ü\x1b"]);
    }
}
