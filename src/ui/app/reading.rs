//! What the list and the open conversation show, read from the store:
//! the views, their counts, the visible page (a view, a search or the SLA
//! order) and the reader's conversation.

use super::App;
use crate::domain::views::View;
use crate::store::{ListQuery, ListSort, Search};
use anyhow::Result;
use std::time::Duration;

/// How long a new search may read before its first page is drawn (a
/// search that matches much shows its first page and scans on).
const SEARCH_FIRST: Duration = Duration::from_millis(25);

/// How long one step of a search's scan between keys may read.
const SEARCH_STEP: Duration = Duration::from_millis(5);

impl App {
    /// Re-reads the visible page (after a resize, an act, or a change
    /// everywhere): the count, the page, and the open conversation.
    pub fn reload(&mut self) -> Result<()> {
        self.reload_list(None)?;
        self.reload_reader(true)
    }

    /// The list's total (from `known` when the counts were just read) and page.
    pub(in crate::ui) fn reload_list(&mut self, known: Option<usize>) -> Result<()> {
        self.search_cache = None;
        self.sla_order = None;
        self.list.total = match (&self.view, known) {
            // A search counts as it scans (`reload_page` sets the total).
            (v, _) if v.query().is_some() => usize::MAX,
            (_, Some(n)) => n,
            (v, None) => self.desk.store.count_view(v, &self.me)?,
        };
        self.reload_page()
    }

    /// Re-reads the open conversation (and its review when `review`).
    pub(in crate::ui) fn reload_reader(&mut self, review: bool) -> Result<()> {
        if let Some(r) = &mut self.reader
            && let Some(v) = self.desk.store.conversation(&r.view.id)?
        {
            r.view = v;
            if r.history.is_some() {
                r.history = Some(self.desk.store.history(&r.view.id)?);
            }
            if review {
                r.review = super::under_review(&self.desk.store, self.desk.cfg(), &r.view)?;
            }
            r.next_job = crate::ui::automation::next_job_line(&self.desk, &r.view.id);
            r.others_replying = crate::ui::team::replying_words(
                &self.names,
                &self.desk.others_replying(&r.view.id)?,
            );
        }
        let line = self
            .reader
            .as_ref()
            .and_then(|r| self.draft_line(&r.view.id));
        if let Some(r) = &mut self.reader {
            r.my_draft = line;
        }
        Ok(())
    }

    /// The agent's unfinished draft on `conversation` (a reply, a reply to
    /// all, a forward), in words, with the key that resumes it: a draft
    /// left behind is seen when the conversation is opened again.
    pub(in crate::ui) fn draft_line(&self, conversation: &str) -> Option<String> {
        use crate::domain::compose::DraftKind;
        use crate::ui::action::Action;
        let d = self.desk.store.draft_for(conversation).ok()??;
        if !d.author.eq_ignore_ascii_case(&self.me) {
            return None;
        }
        let (what, action) = match d.kind {
            DraftKind::Reply | DraftKind::New => ("reply", Action::Reply),
            DraftKind::ReplyAll => ("reply to all", Action::ReplyAll),
            DraftKind::Forward => ("forward", Action::Forward),
        };
        let key = self
            .keymap
            .bindings(crate::ui::keymap::Layer::Reader)
            .iter()
            .find(|b| b.action == action)
            .map_or_else(|| action.name().to_string(), |b| b.spec.clone());
        Some(format!(
            "✎ your {what} draft, saved {}: {key} resumes it",
            self.clock.datetime(d.updated_at)
        ))
    }

    /// The current search for `q`, begun when the query or the cache
    /// changed (looking for `want` matches for a moment) and kept until
    /// the store changes (the list pages over it); scanned on until it
    /// has `need` matches or is complete.
    fn search_to(&mut self, q: &str, want: usize, need: usize) -> Result<&Search> {
        let store = &self.desk.store;
        match &mut self.search_cache {
            Some(s) if s.query() == q => {
                if !s.is_complete() && s.ids().len() < need {
                    store.search_more(s, need, Duration::MAX)?;
                }
            }
            cache => {
                let s = store.search_begin(q, &self.me, want, SEARCH_FIRST)?;
                self.search_partial = store.search_is_partial(q)?;
                *cache = Some(s);
            }
        }
        Ok(self.search_cache.as_ref().expect("just set"))
    }

    /// A search still scanning: how many it has found so far.
    pub fn searching(&self) -> Option<usize> {
        let s = self.search_cache.as_ref()?;
        (self.view.query() == Some(s.query()) && !s.is_complete()).then(|| s.ids().len())
    }

    /// Scans the current search on for a moment (between keys); true when
    /// it did (the list's total or page may have changed).
    pub fn search_step(&mut self) -> bool {
        if self.searching().is_none() {
            return false;
        }
        let r = (|| {
            if let Some(s) = &mut self.search_cache {
                self.desk.store.search_more(s, usize::MAX, SEARCH_STEP)?;
            }
            // The page is re-read when it was short or the count is final
            // (the title reads the count so far by itself).
            if self.searching().is_none() || self.list.rows.len() < self.list.height {
                self.reload_page()?;
            }
            Ok(())
        })();
        if r.is_err() {
            // Not again on every turn of the loop: the next re-read of
            // the list begins the search afresh.
            self.search_cache = None;
        }
        self.report(r);
        true
    }

    /// Re-reads only the visible rows (after a move: the total is unchanged).
    pub(super) fn reload_page(&mut self) -> Result<()> {
        if let Some(q) = self.view.query().map(str::to_string) {
            // The selected row must be found (the agent moved there: `G`
            // scans to the end); the rest of the page fills as the scan
            // goes on, and the first row is not waited for.
            let (sel, h) = (self.list.selected, self.list.height);
            let need = if sel == 0 { 0 } else { sel.saturating_add(1) };
            let s = self.search_to(&q, h, need)?;
            let (found, complete) = (s.ids().len(), s.is_complete());
            self.list.total = if complete { found } else { usize::MAX };
        }
        let l = &mut self.list;
        l.selected = l.selected.min(l.total.saturating_sub(1));
        if l.selected < l.offset {
            l.offset = l.selected;
        } else if l.selected >= l.offset + l.height {
            l.offset = l.selected + 1 - l.height;
        }
        l.offset = l.offset.min(l.total.saturating_sub(l.height));
        let (offset, limit) = (l.offset, l.height);
        self.list.rows = match self.view.clone() {
            v if v.query().is_some() => {
                let q = v.query().unwrap_or_default().to_string();
                let ids = self.search_to(&q, limit, 0)?.ids();
                let page = ids[offset.min(ids.len())..(offset + limit).min(ids.len())].to_vec();
                self.desk.store.summaries(&page)?
            }
            v if self.sort == ListSort::SlaDue => {
                let ids = self.sla_ordered(&v)?;
                let page = ids[offset.min(ids.len())..(offset + limit).min(ids.len())].to_vec();
                self.desk.store.summaries(&page)?
            }
            v => self.desk.store.list_view_sorted(
                &v,
                &self.me,
                ListQuery { offset, limit },
                self.sort,
            )?,
        };
        let ids: Vec<String> = self.list.rows.iter().map(|r| r.id.clone()).collect();
        self.sla = self.desk.sla_due_of(&ids)?;
        self.drafted = self.desk.store.drafting_among(&ids, &self.me)?;
        Ok(())
    }

    /// The sidebar's views: the fixed ones, then one per configured label.
    pub fn views(&self) -> Vec<View> {
        let mut v: Vec<View> = View::FIXED.to_vec();
        v.extend(
            self.desk
                .cfg()
                .views
                .iter()
                .map(|(name, query)| View::Saved {
                    name: name.clone(),
                    query: query.clone(),
                }),
        );
        v.extend(
            self.desk
                .cfg()
                .labels
                .keys()
                .map(|l| View::Label(l.clone())),
        );
        v.extend(View::FILED);
        v
    }

    /// The views the sidebar shows and `Tab` cycles through, as indexes
    /// into [`App::views`] (whose counts are kept for all of them). Without
    /// team state, that is no team key and nothing folded from before one
    /// was removed (the counts say so), the team's views are left out: the
    /// list's team columns follow the same rule. The open view always shows.
    pub fn shown_views(&self) -> Vec<usize> {
        let views = self.views();
        let count = |v: &View| {
            views
                .iter()
                .position(|w| w == v)
                .and_then(|i| self.view_counts.get(i).copied())
        };
        let team_on = self.desk.team_key().is_some()
            || count(&View::Unassigned) != count(&View::Open)
            || views
                .iter()
                .filter(|v| v.is_team() && !matches!(v, View::Unassigned | View::Open))
                .any(|v| count(v).is_some_and(|n| n > 0));
        (0..views.len())
            .filter(|&i| team_on || !views[i].is_team() || views[i] == self.view)
            .collect()
    }

    /// Switches the list to `view` (from the top).
    pub fn set_view(&mut self, view: View) -> Result<()> {
        // Switching views changes no count: the sidebar's stay as they are
        // (they are recounted on acts and store changes).
        if let View::Search(q) = &view {
            self.last_search = Some(q.clone());
            if !matches!(self.view, View::Search(_)) {
                self.before_search = Some(self.view.clone());
            }
        } else {
            self.before_search = None;
        }
        self.view = view;
        self.list.selected = 0;
        self.list.offset = 0;
        self.reload()
    }

    /// Recounts every view (on a store change or an act, not on every move).
    /// The open view's count as the sidebar has it (None: a search, or no
    /// counts read yet).
    pub(in crate::ui) fn counted_total(&self) -> Option<usize> {
        if self.view.query().is_some() {
            return None;
        }
        self.views()
            .iter()
            .position(|v| *v == self.view)
            .and_then(|i| self.view_counts.get(i).copied())
    }

    /// Leaves the conversation for the list (narrow terminals close it).
    pub(in crate::ui) fn close_reader(&mut self) {
        self.focus = super::Focus::List;
        if !self.is_wide() {
            self.reader = None;
        }
    }

    pub fn refresh_counts(&mut self) -> Result<()> {
        let views = self.views();
        self.view_counts = self.desk.store.count_views(&views, &self.me)?;
        Ok(())
    }
}
