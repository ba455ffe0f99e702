//! The customer's first name from a display name (and address), for
//! `{{ customer.first_name }}`. A heuristic; the agent can correct it.

/// Titles and honorifics that are not a first name.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "herr", "frau", "m", "mme",
    "mlle", "sr", "sra", "srta", "dott", "ing",
];

/// Words that mark a role or company rather than a person.
const NOT_PEOPLE: &[&str] = &[
    "support", "team", "info", "billing", "sales", "admin", "noreply", "no-reply", "customer",
    "service", "office", "accounts", "helpdesk", "inc", "ltd", "gmbh", "llc",
];

fn clean(s: &str) -> String {
    s.trim()
        .trim_matches(|c: char| "\"'“”‘’()<>[],".contains(c))
        .trim()
        .to_string()
}

fn is_title(w: &str) -> bool {
    let w = w.trim_end_matches('.').to_lowercase();
    TITLES.contains(&w.as_str())
}

fn capitalize(w: &str) -> String {
    // Leave mixed case ("McKenzie", "DeShawn") and non-cased scripts alone.
    if w.chars().any(|c| c.is_lowercase()) && w.chars().any(|c| c.is_uppercase()) {
        return w.to_string();
    }
    let lower = w.to_lowercase();
    let mut cs = lower.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// Scripts written family name first, with no spaces in many names (CJK):
/// the whole name is the safest thing to use.
fn is_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF)
    })
}

/// An agent's short name as the list and the status bar show it: the
/// local part of the address ("lee" for lee@example.com).
pub fn handle(address: &str) -> &str {
    address.split('@').next().unwrap_or(address)
}

/// The first name, or None when there is nothing person-like to use.
pub fn first_name(display: Option<&str>, email: &str) -> Option<String> {
    let name = display.map(clean).unwrap_or_default();
    // A display name that is only the address (or contains '@') says nothing.
    let name = if name.contains('@') {
        String::new()
    } else {
        name
    };
    if !name.is_empty() {
        if is_cjk(&name) {
            return Some(name.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        // "Last, First" (a comma with words on both sides).
        let given = match name.split_once(',') {
            Some((_, first)) if !first.trim().is_empty() => clean(first),
            _ => name.clone(),
        };
        let words: Vec<&str> = given.split_whitespace().filter(|w| !is_title(w)).collect();
        if let Some(w) = words.first() {
            let w = clean(w);
            let lw = w.to_lowercase();
            // An initial ("J", "J.") is no first name.
            let initial = w.chars().count() == 1 || (w.len() == 2 && w.ends_with('.'));
            let usable = !w.is_empty()
                && !NOT_PEOPLE.contains(&lw.as_str())
                && w.chars().any(char::is_alphabetic);
            if usable && !initial {
                return Some(capitalize(&w));
            }
        }
    }
    // From the address: "jane.doe@" or "jane_doe@" gives Jane; "jdoe@" gives nothing.
    let local = email.split('@').next().unwrap_or("");
    let part = local.split(['.', '_', '-', '+']).next().unwrap_or("");
    let lp = part.to_lowercase();
    if local.contains(['.', '_', '-'])
        && part.chars().count() >= 2
        && part.chars().all(char::is_alphabetic)
        && !NOT_PEOPLE.contains(&lp.as_str())
    {
        return Some(capitalize(part));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::first_name;

    #[test]
    fn twenty_name_shapes() {
        let cases: &[(Option<&str>, &str, Option<&str>)] = &[
            (Some("Jane Doe"), "jane@x.test", Some("Jane")),
            (Some("Doe, Jane"), "jd@x.test", Some("Jane")),
            (Some("\"Doe, Jane\""), "jd@x.test", Some("Jane")),
            (Some("'Jane Doe'"), "jd@x.test", Some("Jane")),
            (Some("Dr. Jane Doe"), "jd@x.test", Some("Jane")),
            (Some("Mr John Smith"), "js@x.test", Some("John")),
            (Some("Prof. Dr. Anna Weber"), "aw@x.test", Some("Anna")),
            (Some("JANE DOE"), "jd@x.test", Some("Jane")),
            (Some("jane doe"), "jd@x.test", Some("Jane")),
            (Some("DeShawn Jones"), "dj@x.test", Some("DeShawn")),
            (Some("Zoë Ångström"), "z@x.test", Some("Zoë")),
            (Some("Иван Петров"), "ivan@x.test", Some("Иван")),
            (Some("佐藤 健"), "sato@x.test", Some("佐藤 健")),
            (Some("李小龍"), "li@x.test", Some("李小龍")),
            (Some("محمد علي"), "m@x.test", Some("محمد")),
            (None, "jane.doe@x.test", Some("Jane")),
            (None, "jane_doe@x.test", Some("Jane")),
            (None, "jdoe@x.test", None),
            (Some("support@acme.test"), "support@acme.test", None),
            (Some("Acme Support"), "help@acme.test", Some("Acme")),
            (Some("Support Team"), "help@acme.test", None),
            (Some("J. Smith"), "js@x.test", None),
            (Some(""), "info@x.test", None),
            (Some("Jean-Luc Picard"), "jl@x.test", Some("Jean-Luc")),
        ];
        for (display, email, want) in cases {
            assert_eq!(
                first_name(*display, email).as_deref(),
                *want,
                "{display:?} <{email}>"
            );
        }
    }
}
