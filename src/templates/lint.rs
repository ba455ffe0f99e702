//! `replypad templates lint`: syntax errors and unknown placeholders are
//! errors; tone findings on the text are warnings.

use super::Template;
use crate::domain::tone;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub template: String,
    pub error: bool,
    pub message: String,
}

/// Checks templates; a sample conversation fills the values for the tone check.
pub fn lint(templates: &[Template], rules: &tone::Rules) -> Vec<Problem> {
    let mut out = Vec::new();
    let values = super::render::Values {
        customer_name: Some("Jane Doe".into()),
        customer_email: "jane@example.org".into(),
        agent_name: "Ana Lima".into(),
        agent_email: "ana@example.com".into(),
        team_name: "Example Support".into(),
        subject: "Sample".into(),
        conversation_id: "000000000000".into(),
        now: chrono::Utc::now().fixed_offset(),
        ..Default::default()
    };
    for t in templates {
        let mut push = |error: bool, message: String| {
            out.push(Problem {
                template: t.name.clone(),
                error,
                message,
            })
        };
        match super::render::unknown_placeholders(&t.body) {
            Err(e) => {
                push(true, format!("{e:#}"));
                continue;
            }
            Ok(unknown) => {
                for u in unknown {
                    push(true, format!("unknown placeholder {u}"));
                }
            }
        }
        match super::render::render(&t.body, &values, &Default::default()) {
            Err(e) => push(true, format!("{e:#}")),
            Ok(r) => {
                for f in tone::check(rules, &r.text, Some("Jane")) {
                    let at = if f.line > 0 {
                        format!("line {}: ", f.line)
                    } else {
                        String::new()
                    };
                    push(false, format!("tone: {at}{}", f.message));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_templates_lint_clean() {
        let problems = lint(&crate::templates::bundled(), &tone::bundled());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn a_broken_template_fails() {
        let t = crate::templates::parse(
            "---\nname: broken\n---\nHi {{ customer.frist_name }}, I don't know. {% if %}",
            crate::templates::Origin::Personal,
        )
        .unwrap();
        let p = lint(&[t], &tone::bundled());
        assert!(p.iter().any(|p| p.error), "{p:#?}");
    }
}
