//! Views: the sidebar's saved filters over conversations (Unassigned, Mine,
//! Open, Pending, Snoozed, Closed, Mentions, Following, each label, All).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    All,
    Unassigned,
    Mine,
    Open,
    Pending,
    Snoozed,
    Closed,
    Mentions,
    Following,
    /// Conversations with a draft of mine being written.
    Drafts,
    /// Conversations with a draft waiting for review.
    Review,
    /// Filed in the Archive folder.
    Archive,
    /// Filed as spam (the Junk folder).
    Spam,
    /// In the Trash folder.
    Trash,
    Label(String),
    /// Search results (the query language of `domain::search`).
    Search(String),
    /// A saved search from the config (`[views]`): its name and query.
    Saved {
        name: String,
        query: String,
    },
}

impl View {
    /// The search a view runs, if it is one (typed or saved).
    pub fn query(&self) -> Option<&str> {
        match self {
            View::Search(q) | View::Saved { query: q, .. } => Some(q),
            _ => None,
        }
    }

    /// The fixed views, in sidebar order (labels follow).
    pub const FIXED: [View; 11] = [
        View::All,
        View::Unassigned,
        View::Mine,
        View::Open,
        View::Pending,
        View::Snoozed,
        View::Closed,
        View::Mentions,
        View::Following,
        View::Drafts,
        View::Review,
    ];

    /// Where conversations out of the inbox are (after the labels in the sidebar).
    pub const FILED: [View; 3] = [View::Archive, View::Spam, View::Trash];

    /// Whether the view is made of team state (assignment, status,
    /// notes, follows, reviews, labels): without a team key nothing can
    /// set it, so every conversation is open and unassigned and the rest
    /// are empty.
    pub fn is_team(&self) -> bool {
        matches!(
            self,
            View::Unassigned
                | View::Mine
                | View::Open
                | View::Pending
                | View::Snoozed
                | View::Closed
                | View::Mentions
                | View::Following
                | View::Review
                | View::Label(_)
        )
    }

    pub fn title(&self) -> String {
        match self {
            View::All => "All".into(),
            View::Unassigned => "Unassigned".into(),
            View::Mine => "Mine".into(),
            View::Open => "All open".into(),
            View::Pending => "Pending".into(),
            View::Snoozed => "Snoozed".into(),
            View::Closed => "Closed".into(),
            View::Mentions => "Mentions".into(),
            View::Following => "Following".into(),
            View::Drafts => "Drafts".into(),
            View::Review => "Review".into(),
            View::Archive => "Archive".into(),
            View::Spam => "Spam".into(),
            View::Trash => "Trash".into(),
            View::Label(l) => format!("#{l}"),
            View::Search(q) => format!("/{q}"),
            View::Saved { name, .. } => name.clone(),
        }
    }

    /// Parses `unassigned`, `mine`, `open`, `label:billing`, ... (CLI `--view`).
    pub fn parse(s: &str) -> Option<View> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(l) = s.strip_prefix("label:").or_else(|| s.strip_prefix('#')) {
            return (!l.is_empty()).then(|| View::Label(l.to_string()));
        }
        View::FIXED
            .into_iter()
            .chain(View::FILED)
            .find(|v| v.key() == s)
    }

    /// Every name [`View::parse`] knows, for an error that lists them.
    pub fn known() -> String {
        let mut keys: Vec<String> = View::FIXED.iter().map(View::key).collect();
        keys.push("label:NAME".into());
        keys.extend(View::FILED.iter().map(View::key));
        keys.join(", ")
    }

    /// The name used on the command line.
    pub fn key(&self) -> String {
        match self {
            View::Label(l) => format!("label:{l}"),
            View::Search(q) => format!("search:{q}"),
            View::Saved { query, .. } => format!("search:{query}"),
            other => other
                .title()
                .to_ascii_lowercase()
                .replace("all open", "open"),
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for v in View::FIXED.into_iter().chain(View::FILED) {
            assert_eq!(View::parse(&v.key()), Some(v.clone()), "{v:?}");
        }
        assert_eq!(
            View::parse("label:billing"),
            Some(View::Label("billing".into()))
        );
        assert_eq!(View::parse("#bug"), Some(View::Label("bug".into())));
        assert_eq!(View::parse("nope"), None);
        for key in View::known().split(", ") {
            let key = key.replace("NAME", "billing");
            assert!(View::parse(&key).is_some(), "{key}");
        }
        assert!(View::known().contains("trash"));
    }
}
