//! The post-mortem of a conversation: every message, internal note and
//! state change in order, with who and when, its timings, and the sections
//! the team fills in (`assets/postmortem.md`). `replypad export` and the
//! reader's `g M` write it; the customer-facing summary is the
//! `post-mortem-summary` reply template, which passes review like any reply.

use super::Desk;
use crate::domain::events::{EventKind, Outcome};
use crate::domain::insight::human;
use crate::mail::sanitize;
use anyhow::{Result, bail};
use serde::Serialize;

/// The sections to fill in, after the facts.
const SECTIONS: &str = include_str!("../../assets/postmortem.md");

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PostMortem {
    pub id: String,
    pub subject: String,
    pub status: String,
    pub assignee: Option<String>,
    pub labels: Vec<String>,
    pub zone: String,
    pub timings: Timings,
    pub timeline: Vec<Entry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Timings {
    pub first_message: Option<i64>,
    pub first_response_at: Option<i64>,
    pub first_response_by: Option<String>,
    /// Seconds (business hours where the team set them).
    pub first_response: Option<i64>,
    pub resolved_at: Option<i64>,
    pub resolution: Option<i64>,
    pub reopened: bool,
    pub measured_in: String,
    pub customer_messages: usize,
    pub replies: usize,
    pub notes: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub at: i64,
    pub who: String,
    /// "customer wrote", "replied", "note", "claimed by ana@…", …
    pub what: String,
    /// A message's or note's text (a message's own: without the quoted
    /// history at its end, which is earlier in the timeline).
    pub text: Option<String>,
    /// Lines of quoted history left out of `text`.
    pub quoted_left_out: usize,
}

/// A message's own text and how many lines of quoted history at its end
/// were left out (all of it when the message is nothing but a quote).
fn own_text(text: &str) -> (String, usize) {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let start = crate::domain::quotes::history_start(&lines);
    let own = lines[..start].join("\n");
    if own.trim().is_empty() {
        return (lines.join("\n"), 0);
    }
    (own.trim_end().to_string(), lines.len() - start)
}

/// A time in the document's zone: "2026-12-07 20:40".
fn in_zone(zone: chrono_tz::Tz, t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

impl Desk {
    /// The post-mortem of conversation `id` (a prefix will do).
    pub fn post_mortem(&mut self, id: &str) -> Result<PostMortem> {
        let id = self.store.resolve_conversation(id)?;
        let Some(v) = self.store.conversation(&id)? else {
            bail!("no conversation {id}")
        };
        let history = self.store.history(&id)?;
        let clock = self.insight_clock();
        let case = self.store.insight_case(&id)?;
        let t = case.as_ref().and_then(|c| c.timing(&clock));
        let mut timeline = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for m in &v.messages {
            ids.insert(
                m.message_id
                    .trim_matches(|c| c == '<' || c == '>')
                    .to_string(),
            );
            let (own, quoted_left_out) = own_text(&m.text);
            timeline.push(Entry {
                at: m.date,
                who: sanitize::line(&m.from.to_string()).into_owned(),
                what: if m.from_team {
                    "replied"
                } else {
                    "customer wrote"
                }
                .into(),
                text: Some(sanitize::text(&own).into_owned()),
                quoted_left_out,
            });
        }
        let mut notes = 0;
        // Times inside the words in the document's zone, like its timeline.
        let zone = self.report_zone();
        for h in &history {
            let e = &h.event;
            let what = match &e.kind {
                // The automation's bookkeeping is not part of the story
                // (presence and job claims are not in the history at all).
                EventKind::JobDone { .. } => continue,
                // The reply itself is in the timeline, unless its copy never synced.
                EventKind::Sent { message_id, .. }
                    if ids.contains(message_id.trim_matches(|c| c == '<' || c == '>')) =>
                {
                    continue;
                }
                k => k.describe_with(|t| in_zone(zone, t)),
            };
            let text = match &e.kind {
                EventKind::Note { text, .. } => {
                    notes += 1;
                    Some(sanitize::text(text).into_owned())
                }
                EventKind::Review { comment, .. } if !comment.is_empty() => {
                    Some(sanitize::text(comment).into_owned())
                }
                _ => None,
            };
            let what = match &h.outcome {
                Outcome::Applied => what,
                o => format!("{what} [{o}]"),
            };
            timeline.push(Entry {
                at: e.at,
                who: sanitize::line(&e.agent).into_owned(),
                what: sanitize::line(&what).into_owned(),
                text,
                quoted_left_out: 0,
            });
        }
        // By time; at the same second a message before what was done about it.
        timeline.sort_by_key(|e| (e.at, e.text.is_none() || e.what == "note added"));
        let timings = Timings {
            first_message: t.as_ref().map(|t| t.created),
            first_response_at: t
                .as_ref()
                .and_then(|t| t.first_response.as_ref().map(|f| f.0)),
            first_response_by: t.as_ref().and_then(|t| {
                t.first_response
                    .as_ref()
                    .map(|f| sanitize::line(&f.1).into_owned())
            }),
            first_response: t
                .as_ref()
                .and_then(|t| t.first_response.as_ref().map(|f| f.2)),
            resolved_at: t.as_ref().and_then(|t| t.resolved.map(|r| r.0)),
            resolution: t.as_ref().and_then(|t| t.resolved.map(|r| r.1)),
            reopened: t.as_ref().is_some_and(|t| t.reopened),
            measured_in: clock.hours.as_ref().map_or("clock time".into(), |h| {
                format!("business hours: {}", h.describe())
            }),
            customer_messages: v.messages.iter().filter(|m| !m.from_team).count(),
            replies: v.messages.iter().filter(|m| m.from_team).count(),
            notes,
        };
        Ok(PostMortem {
            id: v.id,
            subject: sanitize::line(&v.subject).into_owned(),
            status: v.status.as_str().into(),
            assignee: v.assignee.map(|a| sanitize::line(&a).into_owned()),
            labels: v
                .labels
                .iter()
                .map(|l| sanitize::line(l).into_owned())
                .collect(),
            zone: self.report_zone().name().into(),
            timings,
            timeline,
        })
    }
}

impl PostMortem {
    /// As Markdown: the facts, then the sections to fill in.
    pub fn to_markdown(&self) -> String {
        let zone: chrono_tz::Tz = self.zone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let when = |t: i64| in_zone(zone, t);
        let t = &self.timings;
        let mut out = format!("# Post-mortem: {}\n\n", self.subject);
        out.push_str(&format!(
            "Conversation {} · status {} · owner {} · labels {}\n\nTimes in {}.\n\n## Timings\n\n",
            self.id,
            self.status,
            self.assignee.as_deref().unwrap_or("none"),
            if self.labels.is_empty() {
                "none".to_string()
            } else {
                self.labels.join(", ")
            },
            self.zone
        ));
        let line = |label: &str, v: String| format!("- {label}: {v}\n");
        out.push_str(&line(
            "First message",
            t.first_message.map_or("-".into(), when),
        ));
        out.push_str(&line(
            "First response",
            match (t.first_response_at, &t.first_response_by, t.first_response) {
                (Some(at), Some(by), Some(d)) => {
                    format!("{} by {by}, after {}", when(at), human(d))
                }
                _ => "not answered".into(),
            },
        ));
        out.push_str(&line(
            "Resolved",
            match (t.resolved_at, t.resolution) {
                (Some(at), Some(d)) => format!("{}, after {}", when(at), human(d)),
                _ => "not closed".into(),
            },
        ));
        out.push_str(&line(
            "Reopened",
            if t.reopened { "yes" } else { "no" }.into(),
        ));
        out.push_str(&line(
            "Messages",
            format!(
                "{} from the customer, {}, {}",
                t.customer_messages,
                count(t.replies, "reply", "replies"),
                count(t.notes, "internal note", "internal notes")
            ),
        ));
        out.push_str(&line("Durations in", t.measured_in.clone()));
        out.push_str("\n## Timeline\n\n");
        for e in &self.timeline {
            out.push_str(&format!("- **{}** · {} · {}\n", when(e.at), e.who, e.what));
            if let Some(text) = &e.text {
                out.push('\n');
                for l in text.lines() {
                    out.push_str(&format!("  > {l}\n"));
                }
                if e.quoted_left_out > 0 {
                    out.push_str(&format!(
                        "  > [… {} quoted lines of earlier mail left out]\n",
                        e.quoted_left_out
                    ));
                }
                out.push('\n');
            }
        }
        out.push('\n');
        out.push_str(SECTIONS);
        out
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
