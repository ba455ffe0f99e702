//! The search language: `from:` `to:` `subject:` `label:` `status:`
//! `assignee:` (`me`, `none`) `is:unread` `has:attachment` `before:`
//! `after:` (YYYY-MM-DD, a day of the agent's zone), quoted phrases and free words (full text);
//! `OR` between two conditions, `-` or `NOT` before one.

use super::Status;
use chrono::NaiveDate;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    From(String),
    To(String),
    Subject(String),
    Label(String),
    Status(Status),
    /// `None`: unassigned; `Some("me")` is resolved by the store.
    Assignee(Option<String>),
    Unread,
    HasAttachment,
    Before(i64),
    After(i64),
    /// A word (prefix match) or a quoted phrase, in subject, sender or body.
    Text {
        text: String,
        phrase: bool,
    },
}

/// Splits on white space, keeping "quoted phrases" (also after `key:`) together.
fn tokens(q: &str) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), was_quoted));
                }
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if !cur.is_empty() {
        out.push((cur, was_quoted));
    }
    Ok(out)
}

/// The start of day `s` in `zone` (None: the system's), the agent's
/// midnight: `after:2026-12-01` in Auckland begins 13 hours before UTC's.
fn date(s: &str, zone: Option<chrono_tz::Tz>) -> Result<i64, String> {
    use chrono::TimeZone;
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))?;
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // A zone whose clocks skip midnight (a spring change) begins the day
    // at its first hour.
    let start = |t: chrono::NaiveDateTime| match zone {
        Some(z) => z.from_local_datetime(&t).earliest().map(|d| d.timestamp()),
        None => chrono::Local
            .from_local_datetime(&t)
            .earliest()
            .map(|d| d.timestamp()),
    };
    Ok((0..=2)
        .find_map(|h| start(midnight + chrono::Duration::hours(h)))
        .unwrap_or_else(|| midnight.and_utc().timestamp()))
}

/// One condition of a query, maybe negated (`-label:billing`, `NOT refund`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lit {
    pub negated: bool,
    pub term: Term,
}

/// A parsed query: every group must hold; a group holds when one of its
/// conditions does (`a OR b c` is `(a OR b) AND c`, as in Gmail).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub groups: Vec<Vec<Lit>>,
}

/// The fields a query knows, for error messages.
const FIELDS: &str =
    "from: to: subject: label: status: assignee: is:unread has:attachment before: after:";

/// Prefixes that are text, not fields: subject prefixes, URLs, schemes.
const NOT_FIELDS: [&str; 10] = [
    "re", "fw", "fwd", "aw", "sv", "wg", "http", "https", "mailto", "ftp",
];

/// One `key:value` or word as a term (None: nothing to search for).
fn term(tok: &str, quoted: bool, zone: Option<chrono_tz::Tz>) -> Result<Option<Term>, String> {
    let (key, value) = match tok.split_once(':') {
        Some((k, v)) if !quoted || tok.starts_with(k) => (k.to_ascii_lowercase(), v.to_string()),
        _ => (String::new(), tok.to_string()),
    };
    let known = [
        "from", "to", "subject", "label", "status", "assignee", "is", "has", "before", "after",
    ];
    if known.contains(&key.as_str()) && value.trim().is_empty() {
        return Err(format!(
            "{key}: needs a value (e.g. {key}:{})",
            example(&key)
        ));
    }
    let lower = value.to_ascii_lowercase();
    let term =
        match key.as_str() {
            "from" => Term::From(value),
            "to" => Term::To(value),
            "subject" => Term::Subject(value),
            "label" => Term::Label(lower.trim_start_matches('#').to_string()),
            "status" => Term::Status(Status::parse(&value).ok_or_else(|| {
                format!("unknown status {value:?} (open, pending, snoozed, closed)")
            })?),
            "assignee" => Term::Assignee(match lower.as_str() {
                "none" | "nobody" => None,
                _ => Some(lower),
            }),
            "is" if lower == "unread" => Term::Unread,
            "has" if lower == "attachment" || lower == "attachments" => Term::HasAttachment,
            "before" => Term::Before(date(&value, zone)?),
            "after" => Term::After(date(&value, zone)?),
            "is" | "has" => {
                return Err(format!("unknown {key}:{value} (is:unread, has:attachment)"));
            }
            "" => Term::Text {
                text: value,
                phrase: quoted,
            },
            // A word before a colon that is not a field: a mistyped field is
            // an error, not zero results; a time (10:30), a subject prefix
            // ("re:") or a URL is text.
            k if k.len() > 1
                && k.chars().all(|c| c.is_ascii_alphabetic())
                && !NOT_FIELDS.contains(&k)
                && !quoted =>
            {
                return Err(format!(
                    "unknown field {k}: (fields: {FIELDS}; put it in quotes to search the text)"
                ));
            }
            _ => Term::Text {
                text: tok.to_string(),
                phrase: quoted,
            },
        };
    Ok(match &term {
        Term::Text { text, .. } if text.trim().is_empty() => None,
        _ => Some(term),
    })
}

fn example(key: &str) -> &'static str {
    match key {
        "status" => "pending",
        "assignee" => "me",
        "is" => "unread",
        "has" => "attachment",
        "before" | "after" => "2026-12-01",
        "label" => "billing",
        _ => "ana",
    }
}

/// Parses a query; errors name the part that is wrong. Dates begin at
/// midnight UTC (a query's form checked, tests); a search run for an
/// agent reads them in the agent's zone ([`parse_in`]).
pub fn parse(q: &str) -> Result<Query, String> {
    parse_in(q, Some(chrono_tz::UTC))
}

/// [`parse`], `before:` and `after:` dates beginning at midnight in `zone`
/// (None: the system's).
pub fn parse_in(q: &str, zone: Option<chrono_tz::Tz>) -> Result<Query, String> {
    let mut query = Query::default();
    let (mut or, mut not) = (false, false);
    for (tok, quoted) in tokens(q)? {
        if !quoted && tok == "OR" {
            if query.groups.is_empty() || or || not {
                return Err("OR needs a term on each side (a OR b)".into());
            }
            or = true;
            continue;
        }
        if !quoted && tok == "NOT" {
            if not {
                return Err("NOT NOT: say it once".into());
            }
            not = true;
            continue;
        }
        let (negated, body) = match tok.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, tok.as_str()),
        };
        let Some(term) = term(body, quoted, zone)? else {
            continue;
        };
        let lit = Lit {
            negated: negated != not,
            term,
        };
        not = false;
        match query.groups.last_mut() {
            Some(g) if or => g.push(lit),
            _ => query.groups.push(vec![lit]),
        }
        or = false;
    }
    if or {
        return Err("OR needs a term after it".into());
    }
    if not {
        return Err("NOT needs a term after it".into());
    }
    Ok(query)
}

/// The FTS5 MATCH expression for the text terms (None when there are none):
/// every word a quoted prefix, every phrase quoted, all required.
pub fn fts_expression(terms: &[&Term]) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .filter_map(|t| match t {
            Term::Text { text, phrase } => {
                let q = format!("\"{}\"", text.replace('"', "\"\""));
                Some(if *phrase { q } else { format!("{q}*") })
            }
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms of a query of plain conditions (no OR, no negation).
    fn plain(q: &str) -> Result<Vec<Term>, String> {
        Ok(parse(q)?
            .groups
            .into_iter()
            .map(|g| {
                assert!(g.len() == 1 && !g[0].negated, "{q}");
                g.into_iter().next().unwrap().term
            })
            .collect())
    }

    #[test]
    fn parses_the_language() {
        let t = plain(r#"from:ana label:#Billing status:pending assignee:me is:unread has:attachment "double charge" refund"#)
            .unwrap();
        assert_eq!(t[0], Term::From("ana".into()));
        assert_eq!(t[1], Term::Label("billing".into()));
        assert_eq!(t[2], Term::Status(Status::Pending));
        assert_eq!(t[3], Term::Assignee(Some("me".into())));
        assert_eq!(t[4], Term::Unread);
        assert_eq!(t[5], Term::HasAttachment);
        assert_eq!(
            t[6],
            Term::Text {
                text: "double charge".into(),
                phrase: true
            }
        );
        assert_eq!(
            t[7],
            Term::Text {
                text: "refund".into(),
                phrase: false
            }
        );
        assert_eq!(
            fts_expression(&t.iter().collect::<Vec<_>>()).unwrap(),
            r#""double charge" AND "refund"*"#
        );
        assert_eq!(plain("assignee:none").unwrap(), vec![Term::Assignee(None)]);
        assert_eq!(
            plain(r#"subject:"login broken""#).unwrap(),
            vec![Term::Subject("login broken".into())]
        );
        assert!(matches!(
            plain("after:2025-07-01").unwrap()[0],
            Term::After(1_751_328_000)
        ));
        // The agent's midnight; where a spring change skips midnight
        // (Santiago, 6 September 2026), the day's first hour.
        let after = |q: &str, z| match &parse_in(q, Some(z)).unwrap().groups[0][0].term {
            Term::After(t) => *t,
            t => panic!("{t:?}"),
        };
        assert_eq!(
            after("after:2026-12-01", chrono_tz::Pacific::Auckland),
            1_796_036_400 // 2026-11-30 11:00 UTC
        );
        assert_eq!(
            after("after:2026-09-06", chrono_tz::America::Santiago),
            1_788_667_200 // 01:00 there, 2026-09-06 04:00 UTC
        );
        assert!(
            parse("before:yesterday")
                .unwrap_err()
                .contains("not a date")
        );
        assert!(parse("status:done").is_err());
        assert!(parse("\"open").is_err());
        assert_eq!(
            plain("http://x").unwrap(),
            vec![Term::Text {
                text: "http://x".into(),
                phrase: false
            }]
        );
        // Text that looks like a field but is not one.
        for q in ["re: invoice", "10:30", "Re:Invoice", "\"foo:bar\""] {
            assert!(plain(q).is_ok(), "{q}");
        }
    }

    #[test]
    fn unknown_fields_and_empty_values_are_errors() {
        let e = parse("foo:bar").unwrap_err();
        assert!(
            e.contains("unknown field foo:") && e.contains("from:"),
            "{e}"
        );
        assert!(
            parse("lable:billing")
                .unwrap_err()
                .contains("unknown field lable:")
        );
        let e = parse("from:").unwrap_err();
        assert!(e.contains("from: needs a value"), "{e}");
        assert!(
            parse("label: billing")
                .unwrap_err()
                .contains("label: needs a value")
        );
        assert!(parse(r#"subject:"""#).is_err());
    }

    #[test]
    fn or_and_negation() {
        let lit = |negated: bool, term: Term| Lit { negated, term };
        let billing = Term::Label("billing".into());
        let bug = Term::Label("bug".into());
        assert_eq!(
            parse("label:billing OR label:bug is:unread")
                .unwrap()
                .groups,
            vec![
                vec![lit(false, billing.clone()), lit(false, bug.clone())],
                vec![lit(false, Term::Unread)]
            ]
        );
        assert_eq!(
            parse("-label:billing NOT label:bug").unwrap().groups,
            vec![
                vec![lit(true, billing.clone())],
                vec![lit(true, bug.clone())]
            ]
        );
        assert_eq!(
            parse("NOT -label:billing").unwrap().groups,
            vec![vec![lit(false, billing)]],
            "a double negation"
        );
        for bad in [
            "OR label:bug",
            "label:bug OR",
            "label:bug OR OR is:unread",
            "NOT",
            "NOT NOT x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        // Lower-case `or` and a lone dash are words.
        assert_eq!(parse("this or that -").unwrap().groups.len(), 4);
    }
}
