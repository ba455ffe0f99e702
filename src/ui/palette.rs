//! The command palette (`:`): every action, fuzzy-matched (nucleo) on its
//! name, description and keys as the user types; Enter runs the best match.

use super::action::Action;
use super::keymap::{Keymap, Layer};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

/// A palette line that acts at once, a verb with its argument ("snooze
/// 3d", "label +billing"): the prompt it answers, the verb and the answer.
pub fn command(text: &str) -> Option<(super::prompt::PromptKind, &str, &str)> {
    use super::prompt::PromptKind;
    let (word, rest) = text.trim().split_once(char::is_whitespace)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return None;
    }
    let kind = match word.to_lowercase().as_str() {
        "assign" => PromptKind::AssignTo,
        "label" | "labels" => PromptKind::Labels,
        "status" => PromptKind::Status,
        "snooze" => PromptKind::Snooze,
        "note" => PromptKind::Note,
        "move" => PromptKind::MoveTo,
        "search" => PromptKind::Search,
        _ => return None,
    };
    Some((kind, word, rest))
}

/// One palette entry: the action and the line shown for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub action: Action,
    pub line: String,
}

/// Every action with its help text and keys, from the keymap.
pub fn entries(keymap: &Keymap) -> Vec<Entry> {
    Action::ALL
        .iter()
        .map(|&action| {
            let bindings: Vec<_> = Layer::ALL
                .iter()
                .flat_map(|l| keymap.bindings(*l))
                .filter(|b| b.action == action)
                .collect();
            let desc = bindings
                .first()
                .map(|b| b.desc.clone())
                .unwrap_or_else(|| action.description().to_string());
            let mut keys: Vec<&str> = Vec::new();
            for b in &bindings {
                if !keys.contains(&b.spec.as_str()) {
                    keys.push(&b.spec);
                }
            }
            let _ = desc;
            Entry {
                action,
                // People's words first; the name last, for those who know it.
                line: format!(
                    "{}  [{}]  {}",
                    action.description(),
                    keys.join(", "),
                    action.name()
                ),
            }
        })
        .collect()
}

/// The entries matching `input`, best first (all of them for an empty input).
pub fn matches(keymap: &Keymap, input: &str) -> Vec<Entry> {
    let all = entries(keymap);
    if input.trim().is_empty() {
        return all;
    }
    let pattern = Pattern::parse(input, CaseMatching::Smart, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let lines: Vec<&str> = all.iter().map(|e| e.line.as_str()).collect();
    pattern
        .match_list(lines, &mut matcher)
        .into_iter()
        .filter_map(|(line, _)| all.iter().find(|e| e.line == line).cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn fuzzy_finds_actions() {
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        assert_eq!(matches(&km, "snz")[0].action, Action::Snooze);
        assert_eq!(matches(&km, "unassigned")[0].action, Action::ViewUnassigned);
        assert_eq!(matches(&km, "").len(), Action::ALL.len());
        assert!(matches(&km, "zzzzqqq").is_empty());
    }
}
