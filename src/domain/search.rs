//! The search language: `from:` `to:` `subject:` `label:` `status:`
//! `assignee:` (`me`, `none`) `is:unread` `has:attachment` `before:`
//! `after:` (YYYY-MM-DD), quoted phrases and free words (full text).

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

fn date(s: &str) -> Result<i64, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp())
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

/// Parses a query; errors name the part that is wrong.
pub fn parse(q: &str) -> Result<Vec<Term>, String> {
    let mut terms = Vec::new();
    for (tok, quoted) in tokens(q)? {
        let (key, value) = match tok.split_once(':') {
            Some((k, v)) if !quoted || tok.starts_with(k) => {
                (k.to_ascii_lowercase(), v.to_string())
            }
            _ => (String::new(), tok.clone()),
        };
        let lower = value.to_ascii_lowercase();
        let term = match key.as_str() {
            "from" => Term::From(value),
            "to" => Term::To(value),
            "subject" => Term::Subject(value),
            "label" => Term::Label(lower.trim_start_matches('#').to_string()),
            "status" => Term::Status(
                Status::parse(&value).ok_or_else(|| format!("unknown status {value:?}"))?,
            ),
            "assignee" => Term::Assignee(match lower.as_str() {
                "none" | "nobody" => None,
                _ => Some(lower),
            }),
            "is" if lower == "unread" => Term::Unread,
            "has" if lower == "attachment" || lower == "attachments" => Term::HasAttachment,
            "before" => Term::Before(date(&value)?),
            "after" => Term::After(date(&value)?),
            "is" | "has" => {
                return Err(format!("unknown {key}:{value} (is:unread, has:attachment)"));
            }
            "" => Term::Text {
                text: value,
                phrase: quoted,
            },
            // An unknown key is just text (a URL, "re:", a time 10:30).
            _ => Term::Text {
                text: tok,
                phrase: quoted,
            },
        };
        if matches!(&term, Term::Text { text, .. } if text.trim().is_empty()) {
            continue;
        }
        terms.push(term);
    }
    Ok(terms)
}

/// The FTS5 MATCH expression for the text terms (None when there are none):
/// every word a quoted prefix, every phrase quoted, all required.
pub fn fts_expression(terms: &[Term]) -> Option<String> {
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

    #[test]
    fn parses_the_language() {
        let t = parse(r#"from:ana label:#Billing status:pending assignee:me is:unread has:attachment "double charge" refund"#)
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
            fts_expression(&t).unwrap(),
            r#""double charge" AND "refund"*"#
        );
        assert_eq!(parse("assignee:none").unwrap(), vec![Term::Assignee(None)]);
        assert_eq!(
            parse(r#"subject:"login broken""#).unwrap(),
            vec![Term::Subject("login broken".into())]
        );
        assert!(matches!(
            parse("after:2025-07-01").unwrap()[0],
            Term::After(1_751_328_000)
        ));
        assert!(
            parse("before:yesterday")
                .unwrap_err()
                .contains("not a date")
        );
        assert!(parse("status:done").is_err());
        assert!(parse("\"open").is_err());
        assert_eq!(
            parse("http://x").unwrap(),
            vec![Term::Text {
                text: "http://x".into(),
                phrase: false
            }]
        );
    }
}
