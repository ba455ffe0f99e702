//! Key bindings as data: parsed from the embedded assets/keymap.toml, with
//! per-key overrides from the config. Supports sequences such as `g g`.

use super::action::Action;
use anyhow::{Context, Result, bail};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;

const DEFAULT: &str = include_str!("../../assets/keymap.toml");

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Global,
    List,
    Reader,
    Help,
    Compose,
    Picker,
    Prompt,
}

impl Layer {
    pub const ALL: [Layer; 7] = [
        Layer::Global,
        Layer::List,
        Layer::Reader,
        Layer::Help,
        Layer::Compose,
        Layer::Picker,
        Layer::Prompt,
    ];

    /// Layers that have the keyboard while open: no fallback to global
    /// (a `q` typed into a reply is text, not "quit").
    pub fn is_modal(self) -> bool {
        matches!(self, Layer::Compose | Layer::Picker | Layer::Prompt)
    }

    pub fn name(self) -> &'static str {
        match self {
            Layer::Global => "global",
            Layer::List => "list",
            Layer::Reader => "reader",
            Layer::Help => "help",
            Layer::Compose => "compose",
            Layer::Picker => "picker",
            Layer::Prompt => "prompt",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Layer::Global => "Everywhere",
            Layer::List => "Thread list",
            Layer::Reader => "Conversation",
            Layer::Help => "Help",
            Layer::Compose => "Writing a reply",
            Layer::Picker => "Template picker",
            Layer::Prompt => "Prompts",
        }
    }
}

/// A key without the noise crossterm adds (SHIFT on upper-case characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl From<KeyEvent> for Key {
    fn from(e: KeyEvent) -> Self {
        let mut mods =
            e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(e.code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        if e.code == KeyCode::BackTab {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key { code: e.code, mods }
    }
}

/// One binding: a key sequence, its action, and the help text.
#[derive(Clone, Debug)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub spec: String,
    pub action: Action,
    pub desc: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    on: String,
    run: String,
    desc: String,
}

/// What a key (sequence) resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// A prefix of a longer binding: wait for the next key.
    Pending,
    None,
}

#[derive(Clone, Debug, Default)]
pub struct Keymap {
    layers: BTreeMap<Layer, Vec<Binding>>,
}

impl Keymap {
    /// The default keymap with `overrides` (layer → key → action name) applied.
    pub fn load(overrides: &BTreeMap<String, BTreeMap<String, String>>) -> Result<Keymap> {
        let raw: BTreeMap<String, Vec<RawBinding>> =
            toml::from_str(DEFAULT).context("assets/keymap.toml")?;
        let mut km = Keymap::default();
        for (layer_name, bindings) in raw {
            let layer = layer_by_name(&layer_name)?;
            for b in bindings {
                let action = Action::from_name(&b.run)
                    .with_context(|| format!("assets/keymap.toml: unknown action {:?}", b.run))?;
                km.bind(layer, &b.on, action, b.desc)?;
            }
        }
        for (layer_name, keys) in overrides {
            let layer = layer_by_name(layer_name)
                .with_context(|| format!("config [keymap.{layer_name}]"))?;
            for (spec, run) in keys {
                let action = Action::from_name(run).with_context(|| {
                    format!("config [keymap.{layer_name}] {spec:?}: unknown action {run:?}")
                })?;
                let desc = km
                    .describe(action)
                    .unwrap_or_else(|| action.description().to_string());
                km.bind(layer, spec, action, desc)
                    .with_context(|| format!("config [keymap.{layer_name}]"))?;
            }
        }
        Ok(km)
    }

    fn describe(&self, action: Action) -> Option<String> {
        self.layers
            .values()
            .flatten()
            .find(|b| b.action == action)
            .map(|b| b.desc.clone())
    }

    fn bind(&mut self, layer: Layer, spec: &str, action: Action, desc: String) -> Result<()> {
        let keys = parse_keys(spec)?;
        let list = self.layers.entry(layer).or_default();
        list.retain(|b| b.keys != keys);
        list.push(Binding {
            keys,
            spec: spec.to_string(),
            action,
            desc,
        });
        Ok(())
    }

    /// The action one key has in a modal layer (compose, picker, prompt),
    /// without falling back to the global layer.
    pub fn modal(&self, layer: Layer, key: Key) -> Option<Action> {
        self.layers
            .get(&layer)?
            .iter()
            .find(|b| b.keys == [key])
            .map(|b| b.action)
    }

    /// Resolves `keys` in `layer`, falling back to the global layer.
    pub fn lookup(&self, layer: Layer, keys: &[Key]) -> Lookup {
        let mut pending = false;
        let fallback = (!layer.is_modal()).then_some(Layer::Global);
        for l in std::iter::once(layer).chain(fallback) {
            for b in self.layers.get(&l).into_iter().flatten() {
                if b.keys == keys {
                    return Lookup::Action(b.action);
                }
                pending |= b.keys.len() > keys.len() && b.keys.starts_with(keys);
            }
            if pending {
                return Lookup::Pending;
            }
        }
        Lookup::None
    }

    /// The bindings of one layer, in file order (for the help overlay).
    pub fn bindings(&self, layer: Layer) -> &[Binding] {
        self.layers.get(&layer).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn layer_by_name(name: &str) -> Result<Layer> {
    Layer::ALL
        .into_iter()
        .find(|l| l.name() == name)
        .with_context(|| {
            format!(
                "unknown keymap layer {name:?} (layers: global, list, reader, help, compose, picker, prompt)"
            )
        })
}

/// Parses "g g", "<C-d>", "<Enter>", "?" into keys.
pub fn parse_keys(spec: &str) -> Result<Vec<Key>> {
    let keys: Vec<Key> = spec
        .split_whitespace()
        .map(parse_key)
        .collect::<Result<_>>()?;
    if keys.is_empty() {
        bail!("empty key {spec:?}");
    }
    Ok(keys)
}

fn parse_key(s: &str) -> Result<Key> {
    let none = KeyModifiers::NONE;
    if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        let (mods, name) = match inner.split_once('-') {
            Some(("C", k)) if !k.is_empty() => (KeyModifiers::CONTROL, k),
            Some(("A", k)) if !k.is_empty() => (KeyModifiers::ALT, k),
            _ => (none, inner),
        };
        let code = match name {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Space" => KeyCode::Char(' '),
            "Backspace" => KeyCode::Backspace,
            one if one.chars().count() == 1 => KeyCode::Char(one.chars().next().unwrap()),
            other => bail!("unknown key name <{other}>"),
        };
        return Ok(Key { code, mods });
    }
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(Key {
            code: KeyCode::Char(c),
            mods: none,
        }),
        _ => bail!("cannot read key {s:?}: use one character, or a name such as <Enter> or <C-d>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        }
    }

    #[test]
    fn default_keymap_loads_and_resolves() {
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        assert_eq!(
            km.lookup(Layer::List, &[k('j')]),
            Lookup::Action(Action::Down)
        );
        assert_eq!(km.lookup(Layer::List, &[k('g')]), Lookup::Pending);
        assert_eq!(
            km.lookup(Layer::List, &[k('g'), k('g')]),
            Lookup::Action(Action::Top)
        );
        assert_eq!(
            km.lookup(Layer::Reader, &[k('q')]),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(km.lookup(Layer::List, &[k('@')]), Lookup::None);
    }

    #[test]
    fn overrides_replace_one_key() {
        let mut o = BTreeMap::new();
        o.insert(
            "list".to_string(),
            BTreeMap::from([("x".to_string(), "quit".to_string())]),
        );
        let km = Keymap::load(&o).unwrap();
        assert_eq!(
            km.lookup(Layer::List, &[k('x')]),
            Lookup::Action(Action::Quit)
        );
        o.insert(
            "list".to_string(),
            BTreeMap::from([("x".to_string(), "fly".to_string())]),
        );
        let e = Keymap::load(&o).unwrap_err();
        assert!(format!("{e:#}").contains("unknown action \"fly\""), "{e:#}");
    }

    #[test]
    fn modal_layers_do_not_fall_back_and_can_be_rebound() {
        let ctrl = |c| Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        };
        let km = Keymap::load(&BTreeMap::new()).unwrap();
        // "q" quits from the list, but is text in a reply or a prompt.
        assert_eq!(km.modal(Layer::Compose, k('q')), None);
        assert_eq!(km.lookup(Layer::Compose, &[k('q')]), Lookup::None);
        assert_eq!(km.modal(Layer::Prompt, k('q')), None);
        assert_eq!(
            km.modal(Layer::Compose, ctrl('s')),
            Some(Action::ComposeSend)
        );
        let o = BTreeMap::from([(
            "compose".to_string(),
            BTreeMap::from([("<C-y>".to_string(), "compose_send".to_string())]),
        )]);
        let km = Keymap::load(&o).unwrap();
        assert_eq!(
            km.modal(Layer::Compose, ctrl('y')),
            Some(Action::ComposeSend)
        );
    }

    #[test]
    fn key_specs() {
        assert_eq!(
            parse_keys("<C-d>").unwrap()[0],
            Key {
                code: KeyCode::Char('d'),
                mods: KeyModifiers::CONTROL
            }
        );
        assert!(parse_keys("<Nope>").is_err());
        assert!(parse_keys("jk").is_err());
    }
}
