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
pub fn labels(text: &str) -> Result<EventKind> {
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for w in text.split_whitespace() {
        let (list, name) = match (w.strip_prefix('-'), w.strip_prefix('+')) {
            (Some(l), _) => (&mut remove, l),
            (_, Some(l)) => (&mut add, l),
            _ => (&mut add, w),
        };
        if name.is_empty() || name.starts_with(['+', '-']) {
            bail!("{w:?}: write a label to add (billing or +billing) or -label to remove");
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
/// at `now` (a timestamp) in the agent's time zone `tz` (None: the
/// system's), daylight saving included.
pub fn snooze_at(text: &str, now: i64, tz: Option<chrono_tz::Tz>) -> Result<EventKind> {
    let utc = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
    match tz {
        Some(tz) => snooze(text, utc.with_timezone(&tz)),
        None => snooze(text, utc.with_timezone(&chrono::Local)),
    }
}

/// [`snooze_at`] with `now` in a time zone of the caller's.
pub fn snooze<Tz: chrono::TimeZone>(text: &str, now: chrono::DateTime<Tz>) -> Result<EventKind> {
    let until = crate::domain::when::parse_when(text.trim(), now).map_err(|e| anyhow!(e))?;
    Ok(EventKind::Status {
        status: Status::Snoozed,
        until: Some(until.timestamp()),
    })
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
