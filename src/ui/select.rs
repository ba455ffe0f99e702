//! Selection for bulk acts: `v` marks single conversations, `V` marks a
//! range (from where it was pressed to the cursor; ids are read from SQLite
//! by position, so the range may reach beyond the visible page). Team acts
//! apply to every selected conversation; undo reverts them all.

use super::app::{App, Focus, Level};
use crate::store::ListQuery;
use anyhow::Result;

impl App {
    /// What an act applies to: the selection (in the list), else the current one.
    pub(super) fn targets(&mut self) -> Result<Vec<String>> {
        self.close_visual()?;
        if self.focus == Focus::List && !self.selected.is_empty() {
            return Ok(self.selected.iter().cloned().collect());
        }
        Ok(self.current_conversation().into_iter().collect())
    }

    /// Marks (or unmarks) the row under the cursor and moves down.
    pub(super) fn toggle_select(&mut self) -> Result<()> {
        if let Some(id) = self.list.selected_row().map(|r| r.id.clone())
            && !self.selected.remove(&id)
        {
            self.selected.insert(id);
        }
        self.list.selected = (self.list.selected + 1).min(self.list.total.saturating_sub(1));
        self.selection_message();
        self.reload()
    }

    /// Starts a visual range here, or ends the one in progress (keeping it).
    pub(super) fn visual_select(&mut self) -> Result<()> {
        if self.visual_anchor.is_some() {
            self.close_visual()?;
        } else {
            self.visual_anchor = Some(self.list.selected);
        }
        self.selection_message();
        Ok(())
    }

    /// Adds the visual range to the selection and leaves visual mode.
    fn close_visual(&mut self) -> Result<()> {
        let Some(a) = self.visual_anchor.take() else {
            return Ok(());
        };
        let (lo, hi) = (a.min(self.list.selected), a.max(self.list.selected));
        let rows = self.desk.store.list_view_sorted(
            &self.view,
            &self.me,
            ListQuery {
                offset: lo,
                limit: hi - lo + 1,
            },
            self.sort,
        )?;
        self.selected.extend(rows.into_iter().map(|r| r.id));
        Ok(())
    }

    pub(super) fn clear_selection(&mut self) {
        self.selected.clear();
        self.visual_anchor = None;
        self.message = None;
    }

    /// Whether list row `index` (with conversation `id`) is selected.
    pub fn is_selected(&self, index: usize, id: &str) -> bool {
        self.selected.contains(id)
            || self.visual_anchor.is_some_and(|a| {
                let (lo, hi) = (a.min(self.list.selected), a.max(self.list.selected));
                (lo..=hi).contains(&index)
            })
    }

    fn selection_message(&mut self) {
        let visual = if self.visual_anchor.is_some() {
            "VISUAL: move to extend, V to keep the range; "
        } else {
            ""
        };
        self.message = Some((
            format!(
                "{visual}{} selected; team acts (a A # s S F) apply to all; Esc clears",
                self.selected.len()
            ),
            Level::Info,
        ));
    }
}
