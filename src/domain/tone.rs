//! The tone check: the team's guidance (assets/tone.toml, overridable) on a
//! draft. Phrases to avoid, each with a better way to say it; and three
//! checks: the reply thanks the customer, addresses them by name, and a "no"
//! comes with a reason and a workaround. Findings advise; pure.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Avoid {
    pub phrase: String,
    pub suggest: String,
    #[serde(default)]
    pub why: String,
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default)]
    pub avoid: Vec<Avoid>,
    /// Findings block sending (the team's choice; default: advice only).
    #[serde(default)]
    pub block: bool,
}

/// The bundled rules.
pub fn bundled() -> Rules {
    static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
    RULES
        .get_or_init(|| {
            toml::from_str(include_str!("../../assets/tone.toml")).expect("assets/tone.toml parses")
        })
        .clone()
}

/// One piece of advice, with where (1-based line, 0 for the whole draft).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub line: usize,
    pub rule: String,
    pub message: String,
}

/// Lowercase with typographic quotes made straight.
fn norm(s: &str) -> String {
    s.to_lowercase()
        .replace(['’', '‘'], "'")
        .replace(['“', '”'], "\"")
}

/// The text the agent wrote: quoted lines and the signature are not theirs.
fn own_lines(text: &str) -> Vec<(usize, &str)> {
    use super::quotes;
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let tail = quotes::header_block_start(&lines).unwrap_or(lines.len());
    for (i, l) in lines[..tail].iter().enumerate() {
        if *l == "-- " || quotes::attribution_start(&lines, i).is_some() {
            break;
        }
        if !quotes::is_quoted(l) {
            out.push((i + 1, *l));
        }
    }
    out
}

const THANKS: &[&str] = &["thank", "appreciate", "grateful"];
/// A refusal from our side ("we can't", "not possible"), not any negation.
const NO: &[&str] = &[
    "not possible",
    "we can't",
    "i can't",
    "we cannot",
    "i cannot",
    "we're unable",
    "we are unable",
    "i'm unable",
    "we won't",
    "we will not",
    "we don't offer",
    "we do not offer",
    "we don't support",
    "we do not support",
    "unfortunately",
];
const BECAUSE: &[&str] = &[
    "because",
    "since",
    " as ",
    "due to",
    "the reason",
    "so that",
    "so it",
];
const WORKAROUND: &[&str] = &[
    "instead",
    "workaround",
    "in the meantime",
    "alternatively",
    "what i can do",
    "you can",
    "meanwhile",
    "until then",
];

/// Checks a draft against the rules. `first_name`: the customer's, when known.
pub fn check(rules: &Rules, text: &str, first_name: Option<&str>) -> Vec<Finding> {
    let lines = own_lines(text);
    let mut out = Vec::new();
    for (n, l) in &lines {
        let ln = norm(l);
        for a in &rules.avoid {
            if ln.contains(&norm(&a.phrase)) {
                out.push(Finding {
                    line: *n,
                    rule: "avoid".into(),
                    message: format!("avoid \"{}\": try \"{}\"", a.phrase, a.suggest),
                });
            }
        }
    }
    let own = norm(&lines.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n"));
    if own.trim().is_empty() {
        return out;
    }
    if !THANKS.iter().any(|t| own.contains(t)) {
        out.push(Finding {
            line: 0,
            rule: "thanks".into(),
            message: "thank the customer (\"Thank you for …\", \"I appreciate …\")".into(),
        });
    }
    if let Some(name) = first_name.filter(|n| !n.trim().is_empty()) {
        let head: String = norm(
            &lines
                .iter()
                .take(3)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join(" "),
        );
        if !head.contains(&norm(name)) {
            out.push(Finding {
                line: 1,
                rule: "name".into(),
                message: format!("address the customer by name (\"Hi {name},\")"),
            });
        }
    }
    let padded = format!(" {own} ");
    if NO.iter().any(|w| padded.contains(w)) {
        if !BECAUSE.iter().any(|w| padded.contains(w)) {
            out.push(Finding {
                line: 0,
                rule: "no-reason".into(),
                message: "saying no: explain why".into(),
            });
        }
        if !WORKAROUND.iter().any(|w| padded.contains(w)) {
            out.push(Finding {
                line: 0,
                rule: "no-workaround".into(),
                message: "saying no: offer a workaround or what you can do instead".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.rule.as_str()).collect()
    }

    const GOOD: &str = "Hi Jane,\n\nThank you for your patience.\n";

    #[test]
    fn every_avoided_phrase_is_found_and_good_text_passes() {
        let r = bundled();
        assert!(r.avoid.len() >= 6);
        for a in &r.avoid {
            let bad = format!("Hi Jane,\nThank you. {}.\n", a.phrase.to_uppercase());
            assert!(
                rules(&check(&r, &bad, Some("Jane"))).contains(&"avoid"),
                "{}",
                a.phrase
            );
            let curly = bad.replace('\'', "’");
            assert!(rules(&check(&r, &curly, Some("Jane"))).contains(&"avoid"));
        }
        assert!(check(&r, GOOD, Some("Jane")).is_empty());
        // The suggestion itself is clean.
        for a in &r.avoid {
            let good = format!("Hi Jane,\nThank you. {}\n", a.suggest);
            assert!(
                !rules(&check(&r, &good, Some("Jane"))).contains(&"avoid"),
                "{}",
                a.suggest
            );
        }
    }

    #[test]
    fn thanks_rule() {
        let r = bundled();
        assert_eq!(
            rules(&check(&r, "Hi Jane,\nDone.", Some("Jane"))),
            vec!["thanks"]
        );
        assert!(check(&r, "Hi Jane,\nI appreciate your patience.", Some("Jane")).is_empty());
    }

    #[test]
    fn name_rule() {
        let r = bundled();
        assert_eq!(
            rules(&check(&r, "Hello,\nThank you.", Some("Jane"))),
            vec!["name"]
        );
        assert!(check(&r, "Hello Jane,\nThank you.", Some("Jane")).is_empty());
        assert!(
            check(&r, "Hello,\nThank you.", None).is_empty(),
            "no name known"
        );
    }

    #[test]
    fn saying_no_needs_a_reason_and_a_workaround() {
        let r = bundled();
        let bare = "Hi Jane,\nThank you. We can't add this.";
        assert_eq!(
            rules(&check(&r, bare, Some("Jane"))),
            vec!["no-reason", "no-workaround"]
        );
        let full = "Hi Jane,\nThank you. We can't add this, because it would slow everyone down. \
                    Instead, you can export to CSV.";
        assert!(check(&r, full, Some("Jane")).is_empty());
    }

    #[test]
    fn quotes_and_signature_are_not_checked() {
        let r = bundled();
        let t = "Hi Jane,\nThank you.\n-- \nAna\n\nOn Mon, Jane wrote:\n> I don't know why, please calm down";
        assert!(check(&r, t, Some("Jane")).is_empty());
    }
}
