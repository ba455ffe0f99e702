//! What an agent types, parsed once for every front end: agents, labels,
//! statuses, snooze times, notes, addresses. The TUI's prompts and the
//! CLI's arguments go through the same functions, so they accept and
//! refuse the same things with the same words.

use crate::domain::Status;
use crate::domain::events::{EventKind, mentions};
use anyhow::{Result, anyhow, bail};

/// An agent as typed: `me`, `none`/`nobody` (None), an address, or a handle
/// at the acting agent's domain (`lee` → `lee@example.com`).
pub fn agent(text: &str, me: &str) -> Result<Option<String>> {
    let who = text.trim();
    match who {
        "" => bail!("name an agent: me, an address, a name at the team's domain, or none"),
        "none" | "nobody" => return Ok(None),
        "me" => return Ok(Some(me.to_ascii_lowercase())),
        _ => {}
    }
    if who.chars().any(char::is_whitespace) {
        bail!("{who:?} is not an agent: give an address or a short name without spaces");
    }
    if let Some((local, domain)) = who.rsplit_once('@') {
        if local.is_empty() || domain.is_empty() || !domain.contains('.') && domain != "localhost" {
            bail!("{who:?} is not an address");
        }
        return Ok(Some(who.to_ascii_lowercase()));
    }
    let domain = me
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            anyhow!("{who:?}: give the whole address (your identity.email has no domain to add)")
        })?;
    Ok(Some(format!("{}@{domain}", who.to_ascii_lowercase())))
}

/// The completion of `word` among `candidates` (case-insensitive): the
/// longest prefix they all share, when it is longer than `word`.
pub fn complete(word: &str, candidates: &[String]) -> Option<String> {
    let lower = word.to_lowercase();
    let hits: Vec<&String> = candidates
        .iter()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .collect();
    let first = hits.first()?;
    let mut common: String = first.to_string();
    for h in &hits[1..] {
        let n = common
            .chars()
            .zip(h.chars())
            .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
            .count();
        common = common.chars().take(n).collect();
    }
    (common.chars().count() > word.chars().count()).then_some(common)
}

/// Up to three of `candidates` closest to `word` (by edit distance), for
/// "did you mean".
pub fn closest<'a>(word: &str, candidates: &'a [String]) -> Vec<&'a str> {
    let distance = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut prev = row[0];
            row[0] = i;
            for j in 1..=b.len() {
                let cur = row[j];
                row[j] = (row[j] + 1)
                    .min(row[j - 1] + 1)
                    .min(prev + usize::from(a[i - 1] != b[j - 1]));
                prev = cur;
            }
        }
        row[b.len()]
    };
    let w = word.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| {
            let local = c.split('@').next().unwrap_or(c).to_lowercase();
            (distance(&w, &local), c.as_str())
        })
        .filter(|(d, _)| *d <= 3.max(w.chars().count() / 2))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// An agent as typed, checked against the agents the team has: a short
/// name must be one of them (else the closest ones are suggested); a whole
/// address is taken as given (a new teammate has no events yet).
pub fn known_agent(text: &str, me: &str, known: &[String]) -> Result<Option<String>> {
    let who = agent(text, me)?;
    let typed_address = text.contains('@');
    match &who {
        Some(a) if !typed_address && !known.is_empty() && !known.iter().any(|k| k == a) => {
            let near = closest(text.trim(), known);
            if near.is_empty() {
                bail!(
                    "no agent {:?} on this team; give the whole address to assign a new teammate",
                    text.trim()
                );
            }
            bail!(
                "no agent {:?} on this team; did you mean {}? (a whole address assigns a new teammate)",
                text.trim(),
                near.join(", ")
            )
        }
        _ => Ok(who),
    }
}

/// An agent as typed, checked against the team's roster: `me`, `none`, or
/// an active member by address, handle or display name (any case); anyone
/// else is refused with the closest members.
pub fn roster_agent(
    text: &str,
    me: &str,
    roster: &crate::domain::roster::Roster,
) -> Result<Option<String>> {
    let who = text.trim();
    match who.to_lowercase().as_str() {
        "" => bail!("name an agent: me, a teammate's handle, name or address, or none"),
        "none" | "nobody" => return Ok(None),
        "me" => return Ok(Some(me.to_ascii_lowercase())),
        _ => {}
    }
    let lower = who.to_lowercase();
    let names = |m: &crate::domain::roster::Member| {
        m.email.eq_ignore_ascii_case(who)
            || m.handle.to_lowercase() == lower
            || (!m.name.is_empty() && m.name.to_lowercase() == lower)
    };
    if let Some(m) = roster.active().find(|m| names(m)) {
        return Ok(Some(m.email.clone()));
    }
    if let Some(m) = roster.members.values().find(|m| names(m)) {
        bail!(
            "{} is no longer on the team; `replypad team list` shows who is",
            m.email
        );
    }
    // The closest members, each once, by address, handle or name.
    let mut words: Vec<String> = Vec::new();
    let mut owner: Vec<&str> = Vec::new();
    for m in roster.active() {
        for w in [&m.email, &m.handle, &m.name] {
            if !w.is_empty() {
                words.push(w.clone());
                owner.push(&m.email);
            }
        }
    }
    let mut near: Vec<&str> = Vec::new();
    for w in closest(who, &words) {
        let i = words.iter().position(|x| x == w).unwrap_or(0);
        if let Some(e) = owner.get(i)
            && !near.contains(e)
        {
            near.push(e);
        }
    }
    if near.is_empty() {
        bail!("{who:?} is not on the team's roster; `replypad team list` shows who is");
    }
    bail!(
        "{who:?} is not on the team's roster; did you mean {}?",
        near.join(", ")
    )
}

/// An assignment. Taking an unowned conversation for yourself is a claim
/// (it loses to an earlier owner); anything else, or an `explicit` one
/// (`A`, `--force`), reassigns.
pub fn assign(to: Option<String>, me: &str, explicit: bool) -> EventKind {
    let mine = to.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(me));
    EventKind::Assign {
        reassign: explicit || !mine,
        to,
    }
}

/// Label changes: `billing` or `+billing` adds, `-urgent` removes.
/// The longest label typed here: a label is a word on a list row and in
/// the sidebar, not a note.
const LABEL_MAX: usize = 64;

pub fn labels(text: &str) -> Result<EventKind> {
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for w in text.split_whitespace() {
        let (list, name) = match (w.strip_prefix('-'), w.strip_prefix('+')) {
            (Some(l), _) => (&mut remove, l),
            (_, Some(l)) => (&mut add, l),
            _ => (&mut add, w),
        };
        // `#billing`, as the list and the sidebar show it, is billing.
        let name = name.strip_prefix('#').unwrap_or(name);
        if name.is_empty() || name.starts_with(['+', '-', '#']) {
            bail!("{w:?}: write a label to add (billing or +billing) or -label to remove");
        }
        if name.chars().count() > LABEL_MAX || name.chars().any(char::is_control) {
            bail!("{w:?}: a label is a word of at most {LABEL_MAX} characters");
        }
        let name = name.to_ascii_lowercase();
        if !list.contains(&name) {
            list.push(name);
        }
    }
    if add.is_empty() && remove.is_empty() {
        bail!("no labels given: billing (or +billing) adds, -urgent removes");
    }
    Ok(EventKind::Label { add, remove })
}

/// A status to set: open, pending or closed (snoozing has its own act).
pub fn status(text: &str) -> Result<EventKind> {
    match Status::parse(text.trim()) {
        Some(s) if s != Status::Snoozed => Ok(EventKind::Status {
            status: s,
            until: None,
        }),
        _ => bail!(
            "unknown status {:?}: open, pending or closed (snoozing is its own act)",
            text.trim()
        ),
    }
}

/// A snooze until a time typed as `3d`, `tomorrow 9:00`, `mon`, a date,
/// `in 2 business days`: the times a schedule takes ([`due_at`]), at `now`
/// (a timestamp) in the agent's time zone, daylight saving included.
pub fn snooze_at(cfg: &crate::config::Config, text: &str, now: i64) -> Result<EventKind> {
    Ok(snoozed(due_at(cfg, text, now)?))
}

/// [`snooze_at`] with `now` in a time zone of the caller's, without
/// business hours (a business day is then Monday to Friday).
pub fn snooze<Tz: chrono::TimeZone>(text: &str, now: chrono::DateTime<Tz>) -> Result<EventKind> {
    let until = crate::domain::hours::parse_due(text, now, None).map_err(|e| anyhow!(e))?;
    Ok(snoozed(until.timestamp()))
}

fn snoozed(until: i64) -> EventKind {
    EventKind::Status {
        status: Status::Snoozed,
        until: Some(until),
    }
}

/// When a scheduled message is due: "tomorrow 9:00", "in 2 business
/// days" (the business hours in force), "4h", a date; in the agent's time
/// zone (business days: the team's hours).
pub fn due_at(cfg: &crate::config::Config, text: &str, now: i64) -> Result<i64> {
    let utc = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
    let hours = cfg.hours.as_ref().and_then(|h| h.business());
    let parsed = match cfg.time_zone() {
        Some(tz) => crate::domain::hours::parse_due(text, utc.with_timezone(&tz), hours.as_ref())
            .map(|t| t.timestamp()),
        None => {
            crate::domain::hours::parse_due(text, utc.with_timezone(&chrono::Local), hours.as_ref())
                .map(|t| t.timestamp())
        }
    };
    parsed.map_err(|e| anyhow!(e))
}

/// An internal note; `@name` mentions a teammate.
pub fn note(text: &str) -> Result<EventKind> {
    if text.trim().is_empty() {
        bail!("the note is empty");
    }
    Ok(EventKind::Note {
        text: text.to_string(),
        mentions: mentions(text),
    })
}

/// A list of addresses as typed for `field` (To, Cc): split on commas
/// outside quotes and angle brackets (`"Lima, Ana" <ana@…>` is one), each
/// checked as an address.
pub fn addresses(text: &str, field: &str) -> Result<Vec<String>> {
    let clean = crate::mail::sanitize::line(text);
    let list = crate::domain::compose::split_addresses(&clean);
    for a in &list {
        crate::mail::compose::check_address(a, field)?;
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents() {
        let me = "dana@example.com";
        assert_eq!(agent("me", me).unwrap().as_deref(), Some(me));
        assert_eq!(agent("none", me).unwrap(), None);
        assert_eq!(
            agent("Lee", me).unwrap().as_deref(),
            Some("lee@example.com")
        );
        assert_eq!(
            agent("Ana@Shop.test", me).unwrap().as_deref(),
            Some("ana@shop.test")
        );
        assert!(agent("Lee Park", me).is_err());
        assert!(agent("lee@", me).is_err());
        assert!(agent("", me).is_err());
        // No domain to add: an error, not "lee@" or "lee@example.com".
        assert!(agent("lee", "dana").is_err());
    }

    #[test]
    fn completion_and_suggestions() {
        let known: Vec<String> = ["lee@example.com", "lena@example.com", "ana@example.com"]
            .map(String::from)
            .to_vec();
        assert_eq!(complete("l", &known).as_deref(), Some("le"));
        assert_eq!(complete("lee", &known).as_deref(), Some("lee@example.com"));
        assert_eq!(complete("x", &known), None);
        let me = "dana@example.com";
        assert_eq!(
            known_agent("lee", me, &known).unwrap().as_deref(),
            Some("lee@example.com")
        );
        let e = known_agent("leee", me, &known).unwrap_err().to_string();
        assert!(e.contains("did you mean lee@example.com"), "{e}");
        assert!(known_agent("new.hire@example.com", me, &known).is_ok());
        assert!(known_agent("me", me, &[]).is_ok());
    }

    #[test]
    fn claims_and_reassigns() {
        let me = "dana@example.com";
        let claim = assign(Some(me.into()), me, false);
        assert!(matches!(
            claim,
            EventKind::Assign {
                reassign: false,
                ..
            }
        ));
        assert!(matches!(
            assign(Some(me.into()), me, true),
            EventKind::Assign { reassign: true, .. }
        ));
        assert!(matches!(
            assign(Some("lee@example.com".into()), me, false),
            EventKind::Assign { reassign: true, .. }
        ));
        assert!(matches!(
            assign(None, me, false),
            EventKind::Assign {
                reassign: true,
                to: None
            }
        ));
    }

    #[test]
    fn label_words() {
        assert_eq!(
            labels("Billing +vip -urgent billing").unwrap(),
            EventKind::Label {
                add: vec!["billing".into(), "vip".into()],
                remove: vec!["urgent".into()]
            }
        );
        assert!(labels("").is_err());
        assert!(labels("+").is_err());
        assert!(labels("-").is_err());
        assert!(labels("--x").is_err());
        // As the list shows them: #billing is billing.
        assert_eq!(
            labels("+#billing -#urgent #vip").unwrap(),
            EventKind::Label {
                add: vec!["billing".into(), "vip".into()],
                remove: vec!["urgent".into()],
            }
        );
        assert!(labels("+#").is_err());
        assert!(labels("##x").is_err());
        assert!(labels(&format!("+{}", "x".repeat(65))).is_err());
        assert!(labels(&format!("+{}", "x".repeat(64))).is_ok());
        assert!(labels("+a\u{7}b").is_err(), "a control character");
    }

    #[test]
    fn statuses_and_notes() {
        assert!(status("pending").is_ok());
        assert!(status("snoozed").is_err());
        assert!(status("later").is_err());
        assert!(note("  ").is_err());
        assert_eq!(
            note("ask @lee").unwrap(),
            EventKind::Note {
                text: "ask @lee".into(),
                mentions: vec!["lee".into()]
            }
        );
    }

    #[test]
    fn quoted_names_with_commas_are_one_address() {
        let v = addresses("\"Lima, Ana\" <ana@shop.test>, bo@x.test", "To").unwrap();
        assert_eq!(v, vec!["\"Lima, Ana\" <ana@shop.test>", "bo@x.test"]);
        assert!(addresses("not an address", "To").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// No text typed into a prompt, or given to the CLI, panics any
        /// parser of what agents type.
        #[test]
        fn no_typed_text_panics(s in "\\PC{0,60}", me in "[a-z]{0,6}@?[a-z.]{0,8}") {
            let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00+01:00").unwrap();
            let _ = agent(&s, &me);
            let _ = labels(&s);
            let _ = status(&s);
            let _ = snooze(&s, now);
            let _ = note(&s);
            let _ = addresses(&s, "To");
            let _ = crate::domain::search::parse(&s);
            let _ = crate::domain::events::mentions(&s);
            let _ = crate::domain::compose::split_addresses(&s);
            let _ = crate::domain::compose::own_text(&s);
            let _ = crate::domain::compose::mentions_attachment(&s);
            let _ = crate::domain::recipients::unattended_in(std::slice::from_ref(&s));
            let _ = crate::mail::parse::parse_message(s.as_bytes(), 0);
        }
    }
}
