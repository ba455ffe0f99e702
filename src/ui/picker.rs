//! The template picker: fuzzy search (nucleo) over name, tags and text,
//! recently and often used first, a live preview with the open
//! conversation's values, then the `ask()` fields one by one (Tab skips),
//! and Enter inserts into the draft (or starts a reply with it).

use super::action::Action;
use super::app::{App, Level};
use crate::templates::render::{self, Rendered, Values};
use crate::templates::{self, Template};
use anyhow::{Context as _, Result};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};
use std::collections::BTreeMap;

/// The open picker.
pub struct Picker {
    pub input: String,
    pub all: Vec<Template>,
    /// Indices into `all`, best first.
    pub matches: Vec<usize>,
    pub selected: usize,
    pub values: Values,
    usage: BTreeMap<String, (u32, i64)>,
    /// Filling the chosen template's fields: (template, fields, current, typed).
    pub asking: Option<Asking>,
    /// Correcting the customer's first name (Ctrl-f): what is typed so far.
    pub naming: Option<String>,
    /// The team template a first Ctrl-d asked about deleting.
    pub confirm_delete: Option<String>,
    pub answers: BTreeMap<String, String>,
}

/// A team template being written in `$EDITOR` (from the picker).
pub struct TemplateEdit {
    /// The template's text when the editor opened.
    pub text: String,
}

const SKELETON: &str = "---\nname: my-template\ndescription: What it is for\ntags: [tag]\n---\n\
Hi {{ customer.first_name | default(\"there\", true) }},\n\nThank you for …\n\n{{ cursor }}\n\n\
Best,\n{{ agent.first_name }}\n";

pub struct Asking {
    pub template: usize,
    pub fields: Vec<String>,
    pub current: usize,
    pub input: String,
}

impl Picker {
    fn rematch(&mut self) {
        let bonus = |t: &Template| -> u32 {
            self.usage
                .get(&t.name)
                .map(|(uses, _)| 40 + 10 * (*uses).min(10))
                .unwrap_or(0)
        };
        let mut scored: Vec<(u32, i64, usize)> = if self.input.trim().is_empty() {
            self.all
                .iter()
                .enumerate()
                .map(|(i, t)| (bonus(t), self.usage.get(&t.name).map_or(0, |u| u.1), i))
                .collect()
        } else {
            let pattern = Pattern::parse(&self.input, CaseMatching::Smart, Normalization::Smart);
            let mut m = Matcher::new(Config::DEFAULT);
            let hay: Vec<String> = self
                .all
                .iter()
                .map(|t| {
                    format!(
                        "{} {} {} {}",
                        t.name,
                        t.tags.join(" "),
                        t.description,
                        t.body
                    )
                })
                .collect();
            pattern
                .match_list(hay.iter().map(String::as_str), &mut m)
                .into_iter()
                .filter_map(|(h, score)| {
                    let i = hay.iter().position(|x| x == h)?;
                    // Name hits count double: "refund" finds refund-* first.
                    let name_hit = self.all[i].name.contains(&self.input.to_lowercase());
                    let s = score + bonus(&self.all[i]) + if name_hit { 200 } else { 0 };
                    Some((s, 0, i))
                })
                .collect()
        };
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        self.matches = scored.into_iter().map(|(_, _, i)| i).collect();
        self.selected = 0;
    }

    pub fn current(&self) -> Option<&Template> {
        let i = match &self.asking {
            Some(a) => a.template,
            None => *self.matches.get(self.selected)?,
        };
        self.all.get(i)
    }

    /// The selected template rendered with the real values (and answers so far).
    pub fn preview(&self) -> Option<Rendered> {
        let t = self.current()?;
        let mut answers = self.answers.clone();
        if let Some(a) = &self.asking
            && !a.input.is_empty()
        {
            answers.insert(a.fields[a.current].clone(), a.input.clone());
        }
        render::render(&t.body, &self.values, &answers).ok()
    }
}

impl App {
    /// Opens the picker for the current conversation.
    pub(super) fn open_picker(&mut self) -> Result<()> {
        let conv = self
            .current_conversation()
            .context("open a conversation to use a template")?;
        let (all, errors) = templates::all(&self.desk.store, &templates::personal_dir())?;
        if let Some(e) = errors.first() {
            self.message = Some((e.clone(), Level::Error));
        }
        let now = chrono::DateTime::from_timestamp(self.clock.now, 0)
            .unwrap_or_default()
            .with_timezone(&self.clock.offset);
        let values = templates::values_for(&self.desk.store, self.desk.cfg(), &conv, now)?;
        let mut p = Picker {
            input: String::new(),
            all,
            matches: Vec::new(),
            selected: 0,
            values,
            usage: self.desk.store.template_usage()?,
            asking: None,
            naming: None,
            confirm_delete: None,
            answers: BTreeMap::new(),
        };
        p.rematch();
        self.picker = Some(p);
        Ok(())
    }

    /// A key while the picker is open; `action`: what the keymap's picker
    /// layer binds it to (the field and name questions only type).
    pub(super) fn picker_key(&mut self, ev: KeyEvent, action: Option<Action>) -> Result<()> {
        let Some(p) = &mut self.picker else {
            return Ok(());
        };
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(name) = &mut p.naming {
            match ev.code {
                KeyCode::Esc => p.naming = None,
                KeyCode::Enter => {
                    let n = name.trim().to_string();
                    p.values.first_name = (!n.is_empty()).then_some(n);
                    p.naming = None;
                }
                KeyCode::Backspace => {
                    name.pop();
                }
                KeyCode::Char(c) if !ctrl => name.push(c),
                _ => {}
            }
            return Ok(());
        }
        if let Some(a) = &mut p.asking {
            match ev.code {
                KeyCode::Esc => return self.insert_picked(),
                KeyCode::Enter | KeyCode::Tab => {
                    let field = a.fields[a.current].clone();
                    if !a.input.trim().is_empty() {
                        p.answers.insert(field, a.input.trim().to_string());
                    }
                    a.input.clear();
                    a.current += 1;
                    if a.current >= a.fields.len() {
                        return self.insert_picked();
                    }
                }
                KeyCode::Backspace => {
                    a.input.pop();
                }
                KeyCode::Char(c) if !ctrl => a.input.push(c),
                _ => {}
            }
            return Ok(());
        }
        if action != Some(Action::PickerDelete) {
            p.confirm_delete = None;
        }
        let Some(action) = action else {
            match ev.code {
                KeyCode::Backspace => {
                    p.input.pop();
                    p.rematch();
                }
                KeyCode::Char(c) if !ctrl => {
                    p.input.push(c);
                    p.rematch();
                }
                _ => {}
            }
            return Ok(());
        };
        match action {
            // Team templates: edit the selected one (saved as the team's), new, delete.
            Action::PickerEdit => {
                let Some(t) = p.current() else {
                    return Ok(());
                };
                let text = t.source();
                self.template_edit = Some(TemplateEdit { text });
                self.picker = None;
                self.external_edit = true;
            }
            // The first-name heuristic can be wrong: the agent corrects it.
            Action::PickerFirstName => {
                let now = p
                    .values
                    .first_name
                    .clone()
                    .or_else(|| {
                        crate::domain::names::first_name(
                            p.values.customer_name.as_deref(),
                            &p.values.customer_email,
                        )
                    })
                    .unwrap_or_default();
                p.naming = Some(now);
            }
            Action::PickerNew if p.input.is_empty() => {
                self.template_edit = Some(TemplateEdit {
                    text: SKELETON.into(),
                });
                self.picker = None;
                self.external_edit = true;
            }
            Action::PickerDelete => {
                let Some(t) = p.current().cloned() else {
                    return Ok(());
                };
                let what = match t.origin {
                    templates::Origin::Team => "",
                    templates::Origin::Bundled => "it comes with replypad",
                    templates::Origin::Personal => "it is a file of your own",
                };
                anyhow::ensure!(
                    what.is_empty(),
                    "only team templates are deleted here: {} is not one ({what})",
                    t.name
                );
                // Asks first: the second Ctrl-d on the same template deletes.
                if p.confirm_delete.as_deref() != Some(t.name.as_str()) {
                    p.confirm_delete = Some(t.name.clone());
                    self.message = Some((
                        format!(
                            "Ctrl-d again deletes the team template {:?} for everyone (`replypad templates restore {}` brings it back)",
                            t.name, t.name
                        ),
                        Level::Error,
                    ));
                    return Ok(());
                }
                self.desk.save_template(&t.name, None)?;
                self.picker = None;
                self.message = Some((
                    format!(
                        "team template {:?} deleted (`replypad templates restore {}` brings it back)",
                        t.name, t.name
                    ),
                    Level::Info,
                ));
            }
            Action::PickerCancel => self.picker = None,
            Action::PickerChoose => {
                let Some(&i) = p.matches.get(p.selected) else {
                    return Ok(());
                };
                let fields = render::render(&p.all[i].body, &p.values, &p.answers)?.fields;
                if fields.is_empty() {
                    p.asking = Some(Asking {
                        template: i,
                        fields: vec![],
                        current: 0,
                        input: String::new(),
                    });
                    return self.insert_picked();
                }
                p.asking = Some(Asking {
                    template: i,
                    fields,
                    current: 0,
                    input: String::new(),
                });
            }
            Action::PickerDown | Action::PickerNew => {
                p.selected = (p.selected + 1).min(p.matches.len().saturating_sub(1))
            }
            Action::PickerUp => p.selected = p.selected.saturating_sub(1),
            _ => {}
        }
        Ok(())
    }

    /// Saves what came back from `$EDITOR` as a team template (unchanged: nothing).
    pub(super) fn save_team_template(&mut self, edit: TemplateEdit, text: &str) -> Result<()> {
        if text.trim() == edit.text.trim() {
            self.message = Some(("template unchanged".into(), Level::Info));
            return Ok(());
        }
        let parsed = templates::parse(text, templates::Origin::Team)?;
        self.desk.save_template(&parsed.name, Some(text))?;
        self.message = Some((
            format!(
                "team template {} saved; everyone has it after a sync",
                parsed.name
            ),
            Level::Info,
        ));
        Ok(())
    }

    /// Renders the chosen template and puts it into the draft: at the
    /// cursor of an open draft, else at the top of a new (or resumed) reply.
    fn insert_picked(&mut self) -> Result<()> {
        let Some(p) = self.picker.take() else {
            return Ok(());
        };
        let Some(t) = p.current().cloned() else {
            return Ok(());
        };
        let r = render::render(&t.body, &p.values, &p.answers)?;
        self.desk.store.template_used(&t.name)?;
        if self.compose.is_none() {
            self.start_compose(crate::domain::compose::DraftKind::Reply)?;
        }
        if let Some(c) = &mut self.compose {
            let ratatui_textarea::DataCursor(row, col) = c.editor.cursor();
            c.editor.insert_str(&r.text);
            if let Some(off) = r.cursor {
                let before = &r.text[..off];
                let lines = before.matches('\n').count();
                let tail = before.rsplit('\n').next().unwrap_or("").chars().count();
                let (tr, tc) = if lines == 0 {
                    (row, col + tail)
                } else {
                    (row + lines, tail)
                };
                c.editor.move_cursor(ratatui_textarea::CursorMove::Jump(
                    tr.min(u16::MAX as usize) as u16,
                    tc.min(u16::MAX as usize) as u16,
                ));
            }
            if let Some(s) = &t.subject
                && c.draft.subject.is_empty()
            {
                c.draft.subject = s.clone();
            }
        }
        let left = r.fields.len();
        self.message = Some((
            if left > 0 {
                format!(
                    "template {}: {left} field(s) to fill; Tab jumps to the next ⟦…⟧",
                    t.name
                )
            } else {
                format!("template {} inserted", t.name)
            },
            Level::Info,
        ));
        self.save_compose_now()
    }
}
