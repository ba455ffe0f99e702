//! Rendering a template with the open conversation's values (minijinja,
//! undefined chainable). A value that is not known renders as `⟦name⟧`
//! (and counts as empty for `default(x, true)`); `ask("Field")` renders the
//! agent's answer or `⟦Field⟧`; `{{ cursor }}` marks where typing goes on.
//! A draft holding `⟦…⟧` or template syntax cannot be sent (`unfilled`).

use anyhow::Result;
use chrono::{DateTime, Datelike, Duration, FixedOffset, Weekday};
use minijinja::value::{Object, Value};
use minijinja::{Environment, UndefinedBehavior};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Where the cursor goes after inserting.
const CURSOR: &str = "\u{2063}CURSOR\u{2063}";

/// What a template is rendered with.
#[derive(Clone, Debug, Default)]
pub struct Values {
    pub customer_name: Option<String>,
    pub customer_email: String,
    /// The first name, when the agent corrected the heuristic.
    pub first_name: Option<String>,
    pub agent_name: String,
    pub agent_email: String,
    pub team_name: String,
    pub subject: String,
    pub conversation_id: String,
    pub created: i64,
    pub last_message: String,
    pub now: DateTime<FixedOffset>,
    /// The team's business hours in words, where configured.
    pub business_hours: Option<String>,
}

/// A rendered template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// `ask()` fields with no answer yet, in order.
    pub fields: Vec<String>,
    /// Byte offset of `{{ cursor }}` in `text`.
    pub cursor: Option<usize>,
}

/// The placeholders a template may use (for lint).
pub const KNOWN: &[&str] = &[
    "customer",
    "customer.first_name",
    "customer.name",
    "customer.email",
    "agent",
    "agent.name",
    "agent.first_name",
    "agent.email",
    "team",
    "team.name",
    "team.hours",
    "conversation",
    "conversation.subject",
    "conversation.id",
    "conversation.created",
    "conversation.last_message",
    "today",
    "now",
    "cursor",
    "ask",
    "business_days",
];

#[derive(Debug)]
struct Missing(String);

impl Object for Missing {
    fn is_true(self: &Arc<Self>) -> bool {
        false
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "⟦{}⟧", self.0)
    }
}

fn opt(v: Option<&str>, name: &str) -> Value {
    match v.filter(|s| !s.trim().is_empty()) {
        Some(s) => Value::from(s),
        None => Value::from_object(Missing(name.to_string())),
    }
}

/// The most business days a template may count ahead (a year and a half).
pub const MAX_BUSINESS_DAYS: i64 = 400;

/// `n` business days (Mon–Fri) after `from`; `n` is clamped to
/// 0..=[`MAX_BUSINESS_DAYS`], so no input loops for long or overflows.
pub fn add_business_days(from: DateTime<FixedOffset>, n: i64) -> DateTime<FixedOffset> {
    let mut d = from;
    let mut left = n.clamp(0, MAX_BUSINESS_DAYS);
    while left > 0 {
        match d.checked_add_signed(Duration::days(1)) {
            Some(next) => d = next,
            None => break,
        }
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// The most work one rendering may do (minijinja's fuel: roughly one unit
/// per instruction). A template that loops for ever, or builds something
/// huge, fails with an error instead of holding every agent's picker.
const FUEL: u64 = 2_000_000;

/// `d` in a strftime format, or an error naming a wrong specifier (chrono
/// panics when a format it cannot read is displayed with `to_string`).
fn format_date(d: DateTime<FixedOffset>, fmt: &str) -> Result<String, minijinja::Error> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(fmt).any(|i| matches!(i, Item::Error)) {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("date({fmt:?}): not a date format (use %Y %m %d %H %M, %A %B …)"),
        ));
    }
    let mut out = String::new();
    std::fmt::Write::write_fmt(&mut out, format_args!("{}", d.format(fmt))).map_err(|_| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("date({fmt:?}) cannot be written"),
        )
    })?;
    Ok(out)
}

fn human_date(d: DateTime<FixedOffset>) -> String {
    d.format("%A %-d %B").to_string()
}

fn environment(
    v: &Values,
    answers: &BTreeMap<String, String>,
    asked: Arc<Mutex<Vec<String>>>,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_fuel(Some(FUEL));
    let answers = answers.clone();
    env.add_function("ask", move |label: String| -> String {
        match answers.get(&label).filter(|a| !a.is_empty()) {
            Some(a) => a.clone(),
            None => {
                let mut g = asked.lock().unwrap_or_else(|e| e.into_inner());
                if !g.contains(&label) {
                    g.push(label.clone());
                }
                format!("⟦{label}⟧")
            }
        }
    });
    let now = v.now;
    env.add_function(
        "business_days",
        move |n: i64| -> Result<String, minijinja::Error> {
            if !(0..=MAX_BUSINESS_DAYS).contains(&n) {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("business_days({n}): give 0 to {MAX_BUSINESS_DAYS}"),
                ));
            }
            Ok(human_date(add_business_days(now, n)))
        },
    );
    let offset = *v.now.offset();
    env.add_filter(
        "date",
        move |ts: i64, fmt: Option<String>| -> Result<String, minijinja::Error> {
            let d = DateTime::from_timestamp(ts, 0)
                .unwrap_or_default()
                .with_timezone(&offset);
            format_date(d, fmt.as_deref().unwrap_or("%-d %B %Y"))
        },
    );
    env
}

fn context(v: &Values) -> Value {
    let first = v.first_name.clone().or_else(|| {
        crate::domain::names::first_name(v.customer_name.as_deref(), &v.customer_email)
    });
    let agent_first = v.agent_name.split_whitespace().next().map(str::to_string);
    let created = DateTime::from_timestamp(v.created, 0)
        .unwrap_or_default()
        .with_timezone(v.now.offset());
    let map = |pairs: Vec<(&str, Value)>| -> Value {
        Value::from(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<String, Value>>(),
        )
    };
    map(vec![
        (
            "customer",
            map(vec![
                ("first_name", opt(first.as_deref(), "customer.first_name")),
                ("name", opt(v.customer_name.as_deref(), "customer.name")),
                ("email", opt(Some(&v.customer_email), "customer.email")),
            ]),
        ),
        (
            "agent",
            map(vec![
                ("name", opt(Some(&v.agent_name), "agent.name")),
                (
                    "first_name",
                    opt(agent_first.as_deref(), "agent.first_name"),
                ),
                ("email", opt(Some(&v.agent_email), "agent.email")),
            ]),
        ),
        (
            "team",
            map(vec![
                ("name", opt(Some(&v.team_name), "team.name")),
                ("hours", opt(v.business_hours.as_deref(), "team.hours")),
            ]),
        ),
        (
            "conversation",
            map(vec![
                ("subject", opt(Some(&v.subject), "conversation.subject")),
                ("id", opt(Some(&v.conversation_id), "conversation.id")),
                ("created", Value::from(human_date(created))),
                (
                    "last_message",
                    opt(Some(&quoted(&v.last_message)), "conversation.last_message"),
                ),
            ]),
        ),
        ("today", Value::from(v.now.format("%-d %B %Y").to_string())),
        ("now", Value::from(v.now.timestamp())),
        ("cursor", Value::from(CURSOR)),
    ])
}

fn quoted(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders `body` with `v` and the agent's `answers` to `ask()` fields.
pub fn render(body: &str, v: &Values, answers: &BTreeMap<String, String>) -> Result<Rendered> {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let env = environment(v, answers, asked.clone());
    let text = env
        .render_str(body, context(v))
        .map_err(|e| anyhow::anyhow!("template error: {e}"))?;
    let cursor = text.find(CURSOR);
    let text = text.replace(CURSOR, "");
    let fields = asked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(Rendered {
        text,
        fields,
        cursor,
    })
}

/// Placeholders a template uses that replypad does not know (lint).
pub fn unknown_placeholders(body: &str) -> Result<Vec<String>> {
    let env = Environment::new();
    let t = env
        .template_from_str(body)
        .map_err(|e| anyhow::anyhow!("template syntax: {e}"))?;
    let mut v: Vec<String> = t
        .undeclared_variables(true)
        .into_iter()
        .filter(|n| !KNOWN.contains(&n.as_str()))
        .collect();
    v.sort();
    Ok(v)
}

/// What in a draft is still unfilled: `⟦field⟧` marks and template syntax,
/// with 1-based line numbers.
pub fn unfilled(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Quoted mail is the customer's text, not a template's.
        if line.starts_with('>') {
            continue;
        }
        let mut rest = line;
        while let Some(a) = rest.find('⟦') {
            let after = &rest[a + '⟦'.len_utf8()..];
            let end = after.find('⟧').unwrap_or(after.len());
            out.push((i + 1, after[..end].to_string()));
            rest = &after[end..];
        }
        for syntax in ["{{", "{%", "}}", "%}"] {
            if line.contains(syntax) {
                out.push((i + 1, format!("template syntax {syntax}")));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            customer_name: Some("Doe, Jane".into()),
            customer_email: "jane@shop.test".into(),
            first_name: None,
            agent_name: "Ana Lima".into(),
            agent_email: "ana@example.com".into(),
            team_name: "Example Support".into(),
            subject: "Refund".into(),
            conversation_id: "abc123def456".into(),
            created: 1_764_000_000,
            last_message: "Please refund.\n\nJane".into(),
            // Thursday 26 November 2026, 10:00 UTC
            now: DateTime::parse_from_rfc3339("2026-11-26T10:00:00+00:00").unwrap(),
            business_hours: None,
        }
    }

    fn r(body: &str) -> Rendered {
        render(body, &values(), &BTreeMap::new()).unwrap()
    }

    #[test]
    fn every_placeholder() {
        let t = r(
            "{{ customer.first_name }}|{{ customer.name }}|{{ customer.email }}|{{ agent.name }}|\
                   {{ agent.first_name }}|{{ agent.email }}|{{ team.name }}|{{ conversation.subject }}|\
                   {{ conversation.id }}|{{ conversation.created }}|{{ today }}",
        );
        assert_eq!(
            t.text,
            "Jane|Doe, Jane|jane@shop.test|Ana Lima|Ana|ana@example.com|Example Support|Refund|\
             abc123def456|Monday 24 November|26 November 2026"
        );
        assert_eq!(
            r("{{ conversation.last_message }}").text,
            "> Please refund.\n>\n> Jane"
        );
    }

    #[test]
    fn fallbacks_and_a_missing_customer_name() {
        let mut v = values();
        v.customer_name = None;
        v.customer_email = "jdoe@shop.test".into();
        let t = render(
            "Hi {{ customer.first_name | default(\"there\", true) }},",
            &v,
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(t.text, "Hi there,");
        // Without a fallback the gap is marked, so it cannot slip out.
        let t = render("Hi {{ customer.first_name }},", &v, &BTreeMap::new()).unwrap();
        assert_eq!(t.text, "Hi ⟦customer.first_name⟧,");
        assert_eq!(
            unfilled(&t.text),
            vec![(1, "customer.first_name".to_string())]
        );
        // A chain through something missing does not error.
        assert_eq!(r("{{ nothing.here | default(\"x\") }}").text, "x");
        // The agent's correction wins.
        v.first_name = Some("Jo".into());
        let t = render("Hi {{ customer.first_name }},", &v, &BTreeMap::new()).unwrap();
        assert_eq!(t.text, "Hi Jo,");
    }

    #[test]
    fn ask_fields_and_cursor() {
        let body =
            "Order {{ ask(\"Order number\") }} for {{ ask(\"Amount\") }}.\n{{ cursor }}Thanks";
        let t = r(body);
        assert_eq!(t.fields, vec!["Order number", "Amount"]);
        assert_eq!(t.text, "Order ⟦Order number⟧ for ⟦Amount⟧.\nThanks");
        assert_eq!(unfilled(&t.text).len(), 2);
        let answers = BTreeMap::from([("Order number".to_string(), "1234".to_string())]);
        let t = render(body, &values(), &answers).unwrap();
        assert_eq!(t.fields, vec!["Amount"]);
        assert!(t.text.starts_with("Order 1234 for ⟦Amount⟧."));
        assert_eq!(t.cursor, Some(t.text.find("Thanks").unwrap()));
    }

    #[test]
    fn dates() {
        // Thursday + 1 business day = Friday; + 2 = Monday (skips the weekend).
        assert_eq!(r("{{ business_days(1) }}").text, "Friday 27 November");
        assert_eq!(r("{{ business_days(2) }}").text, "Monday 30 November");
        assert_eq!(r("{{ business_days(6) }}").text, "Friday 4 December");
        assert_eq!(r("{{ now | date(\"%Y-%m-%d\") }}").text, "2026-11-26");
        assert_eq!(r("{{ now | date }}").text, "26 November 2026");
    }

    #[test]
    fn lint_finds_unknown_placeholders_and_syntax_errors() {
        assert_eq!(
            unknown_placeholders("{{ customer.frist_name }} {{ agent.name }}").unwrap(),
            vec!["customer.frist_name"]
        );
        assert!(unknown_placeholders("{{ broken ").is_err());
        assert_eq!(
            unfilled("fine\n{{ left }}"),
            vec![(2, "template syntax {{".to_string())]
        );
    }

    #[test]
    fn hostile_templates_are_errors_not_panics_or_hangs() {
        let e = |body: &str| {
            render(body, &values(), &BTreeMap::new())
                .err()
                .map(|e| format!("{e:#}"))
                .unwrap_or_default()
        };
        assert!(e("{{ now | date(\"%Q\") }}").contains("not a date format"));
        assert!(e("{{ now | date(\"%\") }}").contains("not a date format"));
        assert!(e("{{ business_days(999999999999) }}").contains("business_days"));
        assert!(e("{{ business_days(-1) }}").contains("business_days"));
        let t = std::time::Instant::now();
        let loops =
            "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}";
        assert!(!e(loops).is_empty(), "a runaway loop is stopped");
        assert!(t.elapsed() < std::time::Duration::from_secs(10));
        assert_eq!(r("{{ business_days(2) }}").text, "Monday 30 November");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// No template text, value or answer panics (a teammate's template
        /// is rendered in every agent's picker).
        #[test]
        fn no_template_panics(
            body in "(\\{\\{|\\}\\}|\\{%|%\\}|[a-z_ .|()\"%0-9-]|now|date|business_days|ask|customer|range|for|in|endfor|if|endif){0,40}",
            name in ".{0,20}",
            answer in ".{0,20}",
            ts in proptest::num::i64::ANY,
            raw in ".{0,80}",
        ) {
            let mut v = values();
            v.customer_name = Some(name.clone());
            v.created = ts;
            let answers = BTreeMap::from([(name.clone(), answer)]);
            let _ = render(&body, &v, &answers);
            let _ = unknown_placeholders(&body);
            let _ = unfilled(&body);
            let _ = crate::templates::parse(&body, crate::templates::Origin::Team);
            let _ = render(&raw, &v, &BTreeMap::new());
            let _ = crate::templates::parse(&raw, crate::templates::Origin::Team);
            let _ = unknown_placeholders(&raw);
        }
    }
}
