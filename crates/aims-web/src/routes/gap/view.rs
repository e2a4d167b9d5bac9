//! What the gap analysis pages show: rows with their assessment and actions, groups with their
//! maturity average, the two sections, and the choices of the assessment form.

use super::GapForm;
use crate::extract::Workspace;
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::Conflict;
use aims_db::gap::{GapItemRow, LinkedAction};
use aims_domain::gap::{self as rules, Assessment, Group, Kind, Requirement};
use aims_domain::registers::GapLevel;
use aims_domain::roadmap::Priority;
use std::collections::HashMap;

/// A row's form answered again in place (htmx): the user's values with the errors or the conflict.
pub struct RowEdit {
    pub(super) form: GapForm,
    pub(super) errors: FormErrors,
    pub(super) conflict: Option<Conflict>,
}

/// One row of the gap analysis: the requirement, its assessment if any, its actions.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
pub struct GapLine {
    pub req: Requirement,
    /// The stored assessment (None: not assessed yet).
    pub item: Option<GapItemRow>,
    /// Linked actions of the plan.
    pub actions: Vec<LinkedAction>,
    /// Set when the row's own form was refused.
    pub edit: Option<RowEdit>,
}

impl GapLine {
    /// The figures the summary counts.
    pub fn assessment(&self) -> Assessment {
        self.item.as_ref().map_or_else(Assessment::default, |i| Assessment {
            maturity: i.maturity(),
            gap: i.gap(),
            priority: i.priority(),
        })
    }

    /// The assessed maturity; none until the requirement is assessed.
    pub fn maturity(&self) -> Option<u8> {
        self.assessment().maturity
    }

    /// The assessed gap; none until the requirement is assessed.
    pub fn gap(&self) -> Option<GapLevel> {
        self.assessment().gap
    }

    /// The assessed priority; none until the requirement is assessed.
    pub fn priority(&self) -> Option<Priority> {
        self.assessment().priority
    }

    /// Whether there is something to close (a partial or full gap).
    pub fn has_gap(&self) -> bool {
        self.assessment().has_gap()
    }

    /// The stored current state; "" until assessed.
    pub fn current_state(&self) -> &str {
        self.item.as_ref().map_or("", |i| i.current_state.as_str())
    }

    /// The stored notes; "" until assessed.
    pub fn notes(&self) -> &str {
        self.item.as_ref().map_or("", |i| i.notes.as_str())
    }

    /// The values of the row's form: the user's after a refused save, the stored ones otherwise.
    pub fn form(&self) -> GapForm {
        self.edit.as_ref().map_or_else(|| GapForm::from_row(self.item.as_ref()), |e| e.form.clone())
    }

    /// The message by a field of the row's form, or "".
    pub fn error(&self, field: &str) -> &str {
        self.edit.as_ref().map_or("", |e| e.errors.get(field))
    }

    /// Where the row's conflict banner reloads the stored values.
    pub fn reload_url(&self, ws: &Workspace) -> String {
        ws.path(&format!("gap#gap-{}", self.req.id))
    }

    /// The conflict shown in the row's form after a stale save.
    pub fn conflict(&self) -> Option<&Conflict> {
        self.edit.as_ref().and_then(|e| e.conflict.as_ref())
    }
}

/// A group of rows with its maturity average.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
pub struct GroupView {
    pub group: Group,
    pub lines: Vec<GapLine>,
}

impl GroupView {
    /// How many rows have a maturity.
    pub fn rated(&self) -> usize {
        self.lines.iter().filter(|l| l.maturity().is_some()).count()
    }

    fn average_tenths(&self) -> Option<u32> {
        rules::average_tenths(self.lines.iter().filter_map(GapLine::maturity))
    }

    /// `2.3`, or "" when nothing is rated.
    pub fn average_text(&self) -> String {
        self.average_tenths().map_or_else(String::new, rules::tenths_text)
    }

    /// The bar's accessible name.
    pub fn bar_label(&self) -> String {
        match self.average_tenths() {
            Some(t) => format!("Average maturity of {}: {} of 5", self.group.label(), rules::tenths_text(t)),
            None => format!("Average maturity of {}: not rated", self.group.label()),
        }
    }

    /// The bar's width in percent.
    pub fn percent(&self) -> u32 {
        self.average_tenths().map_or(0, rules::tenths_percent)
    }
}

/// Groups the stored assessments and the linked actions by requirement, in catalogue order.
pub(super) fn build_groups(items: Vec<GapItemRow>, linked: Vec<LinkedAction>) -> Vec<GroupView> {
    let mut items: HashMap<String, GapItemRow> = items.into_iter().map(|i| (i.requirement_id.clone(), i)).collect();
    let mut by_req: HashMap<String, Vec<LinkedAction>> = HashMap::new();
    for a in linked {
        by_req.entry(a.requirement_id.clone()).or_default().push(a);
    }
    Requirement::grouped()
        .iter()
        .map(|(group, reqs)| GroupView {
            group: *group,
            lines: reqs
                .iter()
                .map(|r| GapLine {
                    req: *r,
                    item: items.remove(r.id),
                    actions: by_req.remove(r.id).unwrap_or_default(),
                    edit: None,
                })
                .collect(),
        })
        .collect()
}

pub(super) fn lines(groups: &[GroupView]) -> impl Iterator<Item = &GapLine> {
    groups.iter().flat_map(|g| g.lines.iter())
}

/// The clauses or the Annex A controls, with their groups.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
pub struct Section {
    pub kind: Kind,
    pub groups: Vec<GroupView>,
}

impl Section {
    /// How many rows are assessed.
    pub fn assessed(&self) -> usize {
        lines(&self.groups).filter(|l| l.assessment().assessed()).count()
    }

    /// How many rows there are.
    pub fn total(&self) -> usize {
        lines(&self.groups).count()
    }
}

/// The choices of the assessment form (the row page's and each row's).
pub struct GapOptions {
    pub(super) maturities: Vec<SelectOption>,
    pub(super) gaps: Vec<SelectOption>,
    pub(super) priorities: Vec<SelectOption>,
}

impl GapOptions {
    pub(super) fn new() -> Self {
        let levels = rules::maturity_levels().iter();
        GapOptions {
            maturities: forms::with_first(
                "",
                "— Not rated —",
                levels.map(|l| SelectOption::new(l.level.to_string(), format!("{} · {}", l.level, l.title))).collect(),
            ),
            gaps: forms::with_first("", "— Choose —", forms::enum_options::<GapLevel>()),
            // Most urgent first.
            priorities: forms::with_first(
                "",
                "— No priority —",
                forms::enum_options::<Priority>().into_iter().rev().collect(),
            ),
        }
    }
}
