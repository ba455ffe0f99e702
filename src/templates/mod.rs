//! Reply templates: Markdown with a small front matter. Three levels, the
//! closer overriding the farther by name: bundled (`assets/templates/`), the
//! team's (`Replypad/Templates` on the server, synced into the cache), and
//! personal (`<config dir>/templates/*.md`). Rendering is `render`, checks
//! are `lint`. No terminal, no network.

pub mod lint;
pub mod render;

use anyhow::{Result, bail};
use serde::Serialize;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Bundled,
    Team,
    Personal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Template {
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub subject: Option<String>,
    pub language: Option<String>,
    pub body: String,
    pub origin: Origin,
}

const BUNDLED: &[&str] = &[
    include_str!("../../assets/templates/acknowledgement.md"),
    include_str!("../../assets/templates/refund-approved.md"),
    include_str!("../../assets/templates/refund-declined.md"),
    include_str!("../../assets/templates/feature-declined.md"),
    include_str!("../../assets/templates/outage-apology.md"),
    include_str!("../../assets/templates/bug-confirmed.md"),
    include_str!("../../assets/templates/needs-more-information.md"),
    include_str!("../../assets/templates/escalation.md"),
    include_str!("../../assets/templates/follow-up-waiting.md"),
    include_str!("../../assets/templates/closing-check-in.md"),
    include_str!("../../assets/templates/post-mortem-summary.md"),
    include_str!("../../assets/templates/thanks-for-feedback.md"),
    include_str!("../../assets/templates/auto-acknowledgement.md"),
    include_str!("../../assets/templates/auto-acknowledgement-closed.md"),
    include_str!("../../assets/templates/scheduled-update.md"),
];

/// A template name: lowercase letters, digits and dashes.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Parses `---\nkey: value\n---\nbody`. Keys: name, description, tags
/// (`[a, b]` or `a, b`), subject, language.
pub fn parse(text: &str, origin: Origin) -> Result<Template> {
    let text = text.replace("\r\n", "\n");
    let Some(rest) = text.strip_prefix("---\n") else {
        bail!("a template starts with a front matter block (---, name: …, ---)");
    };
    let Some((head, body)) = rest.split_once("\n---\n") else {
        bail!("the front matter is not closed with a line ---");
    };
    let mut t = Template {
        name: String::new(),
        description: String::new(),
        tags: Vec::new(),
        subject: None,
        language: None,
        body: body.trim_start_matches('\n').to_string(),
        origin,
    };
    for (i, line) in head.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            bail!("front matter line {}: expected `key: value`", i + 2);
        };
        let v = v.trim().trim_matches('"').to_string();
        match k.trim() {
            "name" => t.name = v,
            "description" => t.description = v,
            "tags" => {
                t.tags = v
                    .trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .map(|s| s.trim().trim_matches('"').to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
            "subject" => t.subject = Some(v),
            "language" => t.language = Some(v),
            other => bail!("front matter line {}: unknown key {other:?}", i + 2),
        }
    }
    if t.name.is_empty() {
        bail!("the front matter has no name: add a line such as `name: shipping-delay`");
    }
    if !valid_name(&t.name) {
        bail!(
            "template name {:?}: use lowercase letters, digits and dashes",
            t.name
        );
    }
    Ok(t)
}

impl Template {
    /// The template as a file: front matter, then the body (what `templates
    /// show` prints and `$EDITOR` gets).
    pub fn source(&self) -> String {
        let mut head = format!("---\nname: {}\n", self.name);
        if !self.description.is_empty() {
            head.push_str(&format!("description: {}\n", self.description));
        }
        if !self.tags.is_empty() {
            head.push_str(&format!("tags: [{}]\n", self.tags.join(", ")));
        }
        if let Some(s) = &self.subject {
            head.push_str(&format!("subject: {s}\n"));
        }
        if let Some(l) = &self.language {
            head.push_str(&format!("language: {l}\n"));
        }
        format!("{head}---\n{}", self.body)
    }
}

/// The bundled templates.
pub fn bundled() -> Vec<Template> {
    BUNDLED
        .iter()
        .map(|t| parse(t, Origin::Bundled).expect("bundled templates parse"))
        .collect()
}

/// Personal templates: every `*.md` in `dir` (a missing dir is none).
/// Broken files are reported, not fatal.
pub fn personal(dir: &Path) -> (Vec<Template>, Vec<String>) {
    let (mut ok, mut errors) = (Vec::new(), Vec::new());
    let Ok(rd) = std::fs::read_dir(dir) else {
        return (ok, errors);
    };
    let mut paths: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    for p in paths {
        match std::fs::read_to_string(&p)
            .map_err(anyhow::Error::from)
            .and_then(|t| parse(&t, Origin::Personal))
        {
            Ok(t) => ok.push(t),
            Err(e) => errors.push(format!("{}: {e:#}", p.display())),
        }
    }
    (ok, errors)
}

/// All levels merged: a closer level's template replaces a farther one of
/// the same name. Sorted by name.
pub fn merge(levels: Vec<Vec<Template>>) -> Vec<Template> {
    let mut by_name = std::collections::BTreeMap::new();
    for level in levels {
        for t in level {
            by_name.insert(t.name.clone(), t);
        }
    }
    by_name.into_values().collect()
}

/// The personal templates directory: `<config dir>/templates`.
pub fn personal_dir() -> std::path::PathBuf {
    crate::paths::default_config_file()
        .parent()
        .map(|p| p.join("templates"))
        .unwrap_or_else(|| "templates".into())
}

/// Every template an agent can use (bundled, team, personal merged), and
/// the problems found loading them (a broken one is skipped, not fatal).
pub fn all(store: &crate::store::Store, personal: &Path) -> Result<(Vec<Template>, Vec<String>)> {
    let mut errors = Vec::new();
    let mut team = Vec::new();
    for (name, text) in store.team_templates()? {
        match parse(&text, Origin::Team) {
            Ok(t) => team.push(t),
            Err(e) => errors.push(format!("team template {name}: {e:#}")),
        }
    }
    let (mine, errs) = self::personal(personal);
    errors.extend(errs);
    Ok((merge(vec![bundled(), team, mine]), errors))
}

/// The values of a conversation for rendering.
pub fn values_for(
    store: &crate::store::Store,
    cfg: &crate::config::Config,
    conversation: &str,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<render::Values> {
    let view = store.conversation(conversation)?;
    let ctx = store.reply_context(conversation)?;
    let created = view
        .as_ref()
        .and_then(|v| v.messages.first().map(|m| m.date))
        .unwrap_or_default();
    Ok(render::Values {
        customer_name: ctx.as_ref().and_then(|c| c.from.name.clone()),
        customer_email: ctx
            .as_ref()
            .map(|c| c.from.email.clone())
            .unwrap_or_default(),
        first_name: None,
        agent_name: cfg.identity.name.clone(),
        agent_email: cfg.identity.email.clone(),
        team_name: cfg.team.name.clone(),
        subject: view.as_ref().map(|v| v.subject.clone()).unwrap_or_default(),
        conversation_id: conversation.to_string(),
        created,
        last_message: ctx.map(|c| c.text).unwrap_or_default(),
        now,
        business_hours: cfg
            .hours
            .as_ref()
            .and_then(|h| h.business())
            .map(|h| h.describe()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_bundled_templates_parse() {
        let b = bundled();
        assert!(b.len() >= 12);
        assert!(
            b.iter()
                .all(|t| !t.description.is_empty() && !t.tags.is_empty())
        );
    }

    #[test]
    fn front_matter_errors_are_clear() {
        assert!(parse("no front matter", Origin::Personal).is_err());
        let e = parse("---\nname: x\nfoo: y\n---\nbody", Origin::Personal).unwrap_err();
        assert!(e.to_string().contains("unknown key \"foo\""), "{e}");
        let e = parse("---\nname: Bad Name\n---\nbody", Origin::Personal).unwrap_err();
        assert!(e.to_string().contains("lowercase"), "{e}");
    }

    #[test]
    fn closer_levels_override() {
        let mk = |name: &str, body: &str, o| Template {
            name: name.into(),
            description: String::new(),
            tags: vec![],
            subject: None,
            language: None,
            body: body.into(),
            origin: o,
        };
        let m = merge(vec![
            vec![
                mk("a", "bundled", Origin::Bundled),
                mk("b", "b", Origin::Bundled),
            ],
            vec![mk("a", "team", Origin::Team)],
            vec![mk("a", "mine", Origin::Personal)],
        ]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].body, "mine");
    }
}
