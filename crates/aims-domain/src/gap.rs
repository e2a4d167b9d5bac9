//! The rules of the gap analysis (step 3): which requirements it has and how they are grouped
//! (assessable clauses by clause group, Annex A controls by objective), what a valid assessment is,
//! the maturity averages and the tallies of the summary, and the action a gap row proposes.

use crate::Tone;
use crate::catalogue::{MaturityLevel, catalogue};
use crate::record::TextField;
use crate::registers::GapLevel;
use crate::roadmap::Priority;
use std::sync::OnceLock;

/// What is in place today.
pub const CURRENT_STATE: TextField = TextField::optional("current_state", 20_000);
/// Free notes.
pub const NOTES: TextField = TextField::optional("notes", 20_000);
/// The text fields of a gap assessment (limits equal the migration's CHECKs).
pub const GAP_FIELDS: &[TextField] = &[CURRENT_STATE, NOTES];

/// The step of the roadmap that actions made from a gap serve (the implementation plan).
pub const ACTION_STEP: u8 = 4;

/// Whether a requirement is a clause or an Annex A control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An assessable clause (4.1 to 10.2).
    Clause,
    /// An Annex A control.
    Control,
}

impl Kind {
    /// `clause` or `control` (the rows' `data-kind`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::Clause => "clause",
            Kind::Control => "control",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Clause => "Clause",
            Kind::Control => "Annex A control",
        }
    }

    /// The heading of its table on the gap analysis page.
    pub fn section_title(self) -> &'static str {
        match self {
            Kind::Clause => "Clauses 4 to 10",
            Kind::Control => "Annex A controls",
        }
    }

    /// The heading of its maturity summary.
    pub fn summary_title(self) -> &'static str {
        match self {
            Kind::Clause => "Maturity by clause",
            Kind::Control => "Maturity by Annex A objective",
        }
    }
}

/// A clause group (4 to 10) or an Annex A objective (A.6.1 and A.6.2 are groups of their own).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// `6`, `A.6.1`, …
    pub id: &'static str,
    pub title: &'static str,
    /// The objective a sub-group belongs to (`A.6` for `A.6.1`): id and title.
    pub parent: Option<(&'static str, &'static str)>,
    pub kind: Kind,
}

impl Group {
    /// `6 Planning`.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.title)
    }
}

/// A requirement of the gap analysis, in the catalogue's words.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    /// `6.1.2`, `A.6.2.4`.
    pub id: &'static str,
    pub title: &'static str,
    pub kind: Kind,
    /// What it asks.
    pub summary: &'static str,
    /// Evidence auditors usually ask for.
    pub evidence: &'static [String],
    /// The mandatory documented information it calls for.
    pub mandatory_document: Option<&'static str>,
    /// Its clause group or objective.
    pub group: Group,
}

impl Requirement {
    /// The requirements in catalogue order, grouped: clause groups with an assessable clause
    /// first, then the Annex A objectives with a control. Headings such as `6.1` are no rows.
    pub fn grouped() -> &'static [(Group, Vec<Requirement>)] {
        static GROUPS: OnceLock<Vec<(Group, Vec<Requirement>)>> = OnceLock::new();
        GROUPS.get_or_init(|| {
            let c = catalogue();
            let mut out = Vec::new();
            for top in c.clauses.iter().filter(|cl| cl.parent.is_empty()) {
                let group = Group { id: &top.id, title: &top.title, parent: None, kind: Kind::Clause };
                let reqs: Vec<Requirement> = c
                    .clauses
                    .iter()
                    .filter(|cl| cl.assessable && cl.id.split('.').next() == Some(top.id.as_str()))
                    .map(|cl| Requirement {
                        id: &cl.id,
                        title: &cl.title,
                        kind: Kind::Clause,
                        summary: &cl.summary,
                        evidence: &cl.evidence,
                        mandatory_document: cl.mandatory_document.as_deref(),
                        group,
                    })
                    .collect();
                if !reqs.is_empty() {
                    out.push((group, reqs));
                }
            }
            for objective in &c.objectives {
                let parent = c
                    .objectives
                    .iter()
                    .find(|o| !objective.parent.is_empty() && o.id == objective.parent)
                    .map(|o| (o.id.as_str(), o.title.as_str()));
                let group = Group { id: &objective.id, title: &objective.title, parent, kind: Kind::Control };
                let reqs: Vec<Requirement> = c
                    .controls
                    .iter()
                    .filter(|ctl| ctl.objective == objective.id)
                    .map(|ctl| Requirement {
                        id: &ctl.id,
                        title: &ctl.title,
                        kind: Kind::Control,
                        summary: &ctl.summary,
                        evidence: &ctl.evidence,
                        mandatory_document: None,
                        group,
                    })
                    .collect();
                if !reqs.is_empty() {
                    out.push((group, reqs));
                }
            }
            out
        })
    }

    /// Every requirement, in order.
    pub fn all() -> impl Iterator<Item = &'static Requirement> {
        Self::grouped().iter().flat_map(|(_, reqs)| reqs.iter())
    }

    /// A requirement by id (None for unknown ids and grouping headings such as `6.1`).
    pub fn find(id: &str) -> Option<Requirement> {
        Self::all().find(|r| r.id == id).copied()
    }

    /// The requirements before and after this one, for the row page's navigation.
    pub fn neighbours(&self) -> (Option<Requirement>, Option<Requirement>) {
        let all: Vec<&Requirement> = Self::all().collect();
        let at = all.iter().position(|r| r.id == self.id).unwrap_or(0);
        (at.checked_sub(1).and_then(|i| all.get(i)).map(|r| **r), all.get(at + 1).map(|r| **r))
    }

    /// `6.1.2 AI risk assessment`.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.title)
    }
}

/// The maturity scale of the taxonomy (0 to 5).
pub fn maturity_levels() -> &'static [MaturityLevel] {
    &catalogue().taxonomy.maturity_levels
}

/// The title of a maturity level in the taxonomy, or "" for a level it does not have.
pub fn maturity_title(level: u8) -> &'static str {
    maturity_levels().iter().find(|l| l.level == level).map_or("", |l| l.title.as_str())
}

/// Reads a maturity choice: "" is not rated, otherwise a level from 0 to 5.
pub fn parse_maturity(raw: &str) -> Result<Option<u8>, &'static str> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw.parse::<u8>().ok().filter(|m| *m <= 5).map(Some).ok_or("Choose a maturity level from 0 to 5."),
    }
}

/// Reads the gap level, which every saved assessment has.
pub fn parse_gap(raw: &str) -> Result<GapLevel, &'static str> {
    match raw.trim() {
        "" => Err("Choose how big the gap is."),
        raw => raw.parse::<GapLevel>().map_err(|_| "Choose no gap, a partial gap or a full gap."),
    }
}

/// Reads the priority: needed for a partial or full gap, optional otherwise.
pub fn parse_priority(raw: &str, gap: Option<GapLevel>) -> Result<Option<Priority>, &'static str> {
    match raw.trim() {
        "" if gap.is_some_and(is_open) => Err("Give the gap a priority."),
        "" => Ok(None),
        raw => raw.parse::<Priority>().map(Some).map_err(|_| "Choose a priority."),
    }
}

/// Whether a gap level leaves something to close.
pub fn is_open(gap: GapLevel) -> bool {
    matches!(gap, GapLevel::Partial | GapLevel::Full)
}

/// The figures of one row that the summary counts.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Assessment {
    pub maturity: Option<u8>,
    pub gap: Option<GapLevel>,
    pub priority: Option<Priority>,
}

impl Assessment {
    /// Whether there is something to close (a partial or full gap).
    pub fn has_gap(&self) -> bool {
        self.gap.is_some_and(is_open)
    }

    /// Whether the requirement was assessed (gap or maturity given).
    pub fn assessed(&self) -> bool {
        self.gap.is_some() || self.maturity.is_some()
    }
}

/// The average of the rated levels in tenths (23 = 2.3), rounded half up; None when none is rated.
pub fn average_tenths(levels: impl IntoIterator<Item = u8>) -> Option<u32> {
    let (sum, n) = levels.into_iter().fold((0u32, 0u32), |(s, n), l| (s + u32::from(l), n + 1));
    (n > 0).then(|| (sum * 20 + n) / (2 * n))
}

/// `2.3` for 23 tenths.
pub fn tenths_text(tenths: u32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// An average as a share of level 5, in percent (the bar's width).
pub fn tenths_percent(tenths: u32) -> u32 {
    tenths * 2
}

/// A count shown in the summary.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub label: &'static str,
    pub tone: Tone,
    pub count: usize,
}

/// Open gaps by priority, most urgent first, then the open gaps without a priority.
pub fn by_priority(rows: &[Assessment]) -> Vec<Tally> {
    let open = || rows.iter().filter(|a| a.has_gap());
    let mut out: Vec<Tally> = Priority::ALL
        .iter()
        .rev()
        .map(|p| Tally { label: p.label(), tone: p.tone(), count: open().filter(|a| a.priority == Some(*p)).count() })
        .collect();
    out.push(Tally {
        label: "No priority",
        tone: Tone::Neutral,
        count: open().filter(|a| a.priority.is_none()).count(),
    });
    out
}

/// Rows by gap level, the biggest gap first, then the rows not assessed.
pub fn by_gap(rows: &[Assessment]) -> Vec<Tally> {
    let mut out: Vec<Tally> = GapLevel::ALL
        .iter()
        .rev()
        .map(|g| Tally { label: g.label(), tone: g.tone(), count: rows.iter().filter(|a| a.gap == Some(*g)).count() })
        .collect();
    out.push(Tally {
        label: "Not assessed",
        tone: Tone::Neutral,
        count: rows.iter().filter(|a| !a.assessed()).count(),
    });
    out
}

/// The action a gap row proposes for the implementation plan.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedAction {
    pub title: String,
    pub description: String,
    pub priority: Priority,
    /// How the action names its source: `Gap: 6.1.2 AI risk assessment`.
    pub source_label: String,
}

/// Most characters of an action's title and of its source label.
const ACTION_TITLE_MAX: usize = 300;

/// The action for a row: the row's priority, else high for a full gap and medium otherwise; the
/// description says what was found, what the requirement asks and what is in place.
pub fn proposed_action(req: &Requirement, assessment: Assessment, current_state: &str) -> ProposedAction {
    let priority = assessment.priority.unwrap_or(match assessment.gap {
        Some(GapLevel::Full) => Priority::High,
        _ => Priority::Medium,
    });
    let kind = req.kind.label().to_lowercase();
    let mut description = match assessment.gap.filter(|g| is_open(*g)) {
        Some(l) => format!("The gap analysis found a {} against {kind} {}.", l.label().to_lowercase(), req.label()),
        None => format!("Work found in the gap analysis of {kind} {}.", req.label()),
    };
    description.push_str(&format!("\n\nWhat it asks: {}", req.summary));
    let state = current_state.trim();
    if !state.is_empty() {
        description.push_str(&format!("\n\nCurrent state: {state}"));
    }
    ProposedAction {
        title: truncate(&format!("Close the gap on {}", req.label()), ACTION_TITLE_MAX),
        description,
        priority,
        source_label: truncate(&format!("Gap: {}", req.label()), ACTION_TITLE_MAX),
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assessment(maturity: Option<u8>, gap: Option<GapLevel>, priority: Option<Priority>) -> Assessment {
        Assessment { maturity, gap, priority }
    }

    #[test]
    fn there_are_32_clauses_and_38_controls_in_catalogue_order() {
        let kinds: Vec<Kind> = Requirement::all().map(|r| r.kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Clause).count(), 32);
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Control).count(), 38);
        let first_control = kinds.iter().position(|k| *k == Kind::Control).unwrap();
        assert!(kinds[first_control..].iter().all(|k| *k == Kind::Control), "clauses come first");
    }

    #[test]
    fn clauses_group_by_their_top_clause_and_headings_are_no_rows() {
        let (group, reqs) = Requirement::grouped().iter().find(|(g, _)| g.id == "6").unwrap();
        assert_eq!(group.kind, Kind::Clause);
        let ids: Vec<&str> = reqs.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "6.3"]);
        assert!(Requirement::find("6.1").is_none());
        assert!(Requirement::find("Z.9").is_none());
    }

    #[test]
    fn annex_a_sub_objectives_are_groups_with_their_parent() {
        let (group, reqs) = Requirement::grouped().iter().find(|(g, _)| g.id == "A.6.2").unwrap();
        assert_eq!(group.parent.map(|(id, _)| id), Some("A.6"));
        assert_eq!(reqs.len(), 7);
        assert!(reqs.iter().all(|r| r.kind == Kind::Control && r.mandatory_document.is_none()));
    }

    #[test]
    fn neighbours_are_the_previous_and_next_requirement() {
        let first = Requirement::all().next().unwrap();
        let (prev, next) = first.neighbours();
        assert!(prev.is_none());
        assert_eq!(next.map(|r| r.id), Requirement::all().nth(1).map(|r| r.id));
        let last = Requirement::all().last().unwrap();
        assert!(last.neighbours().1.is_none());
    }

    #[test]
    fn maturity_levels_have_the_taxonomys_titles() {
        assert_eq!(maturity_levels().len(), 6);
        assert_eq!(maturity_title(3), "Defined");
        assert_eq!(maturity_title(9), "");
    }

    #[test]
    fn maturity_is_empty_or_a_level_from_0_to_5() {
        assert_eq!(parse_maturity(" "), Ok(None));
        assert_eq!(parse_maturity("0"), Ok(Some(0)));
        assert_eq!(parse_maturity("5"), Ok(Some(5)));
        assert!(parse_maturity("6").is_err());
        assert!(parse_maturity("two").is_err());
    }

    #[test]
    fn a_gap_level_is_required_and_must_be_known() {
        assert_eq!(parse_gap("partial"), Ok(GapLevel::Partial));
        assert_eq!(parse_gap(""), Err("Choose how big the gap is."));
        assert!(parse_gap("medium").is_err());
    }

    #[test]
    fn an_open_gap_needs_a_priority_and_no_gap_does_not() {
        assert_eq!(parse_priority("", Some(GapLevel::Full)), Err("Give the gap a priority."));
        assert_eq!(parse_priority("", Some(GapLevel::None)), Ok(None));
        assert_eq!(parse_priority("", None), Ok(None));
        assert_eq!(parse_priority("high", Some(GapLevel::Partial)), Ok(Some(Priority::High)));
        assert!(parse_priority("urgent", None).is_err());
    }

    #[test]
    fn a_row_is_assessed_with_a_gap_or_a_maturity_and_open_with_a_partial_or_full_gap() {
        assert!(!Assessment::default().assessed());
        assert!(assessment(Some(0), None, None).assessed());
        assert!(assessment(None, Some(GapLevel::None), None).assessed());
        assert!(!assessment(None, Some(GapLevel::None), None).has_gap());
        assert!(assessment(None, Some(GapLevel::Partial), None).has_gap());
        assert!(assessment(None, Some(GapLevel::Full), None).has_gap());
    }

    #[test]
    fn the_average_maturity_is_in_tenths_rounded_half_up() {
        assert_eq!(average_tenths([]), None);
        assert_eq!(average_tenths([2, 3]), Some(25));
        assert_eq!(average_tenths([1, 1, 2]), Some(13), "1.33");
        assert_eq!(average_tenths([1, 2, 2]), Some(17), "1.67");
        assert_eq!(average_tenths([5]), Some(50));
        assert_eq!(tenths_text(25), "2.5");
        assert_eq!(tenths_text(50), "5.0");
        assert_eq!(tenths_percent(25), 50);
    }

    #[test]
    fn open_gaps_are_tallied_by_priority_most_urgent_first() {
        let rows = [
            assessment(None, Some(GapLevel::Partial), Some(Priority::High)),
            assessment(None, Some(GapLevel::Full), Some(Priority::High)),
            assessment(None, Some(GapLevel::None), Some(Priority::Low)),
            assessment(None, Some(GapLevel::Partial), None),
        ];
        let t = by_priority(&rows);
        let pairs: Vec<(&str, usize)> = t.iter().map(|t| (t.label, t.count)).collect();
        assert_eq!(pairs, [("Critical", 0), ("High", 2), ("Medium", 0), ("Low", 0), ("No priority", 1)]);
        assert_eq!(t[0].tone, Tone::Red);
    }

    #[test]
    fn rows_are_tallied_by_gap_level_then_not_assessed() {
        let rows = [
            assessment(None, Some(GapLevel::Partial), None),
            assessment(Some(2), None, None),
            assessment(None, None, None),
        ];
        let t = by_gap(&rows);
        let pairs: Vec<(&str, usize)> = t.iter().map(|t| (t.label, t.count)).collect();
        assert_eq!(pairs, [("Full gap", 0), ("Partial gap", 1), ("No gap", 0), ("Not assessed", 1)]);
        assert_eq!(t[1].tone, Tone::Amber);
    }

    #[test]
    fn a_proposed_action_takes_the_rows_priority_or_one_from_the_gap() {
        let req = Requirement::find("6.1.2").unwrap();
        let full = proposed_action(&req, assessment(None, Some(GapLevel::Full), None), "");
        assert_eq!(full.priority, Priority::High);
        let partial = proposed_action(&req, assessment(None, Some(GapLevel::Partial), None), "");
        assert_eq!(partial.priority, Priority::Medium);
        let given = proposed_action(&req, assessment(None, Some(GapLevel::Full), Some(Priority::Critical)), "");
        assert_eq!(given.priority, Priority::Critical);
    }

    #[test]
    fn a_proposed_action_says_what_was_found_and_what_is_in_place() {
        let req = Requirement::find("A.6.2.4").unwrap();
        let a = proposed_action(&req, assessment(None, Some(GapLevel::Partial), None), "  Some tests  ");
        assert_eq!(a.title, format!("Close the gap on {}", req.label()));
        assert!(a.description.starts_with("The gap analysis found a partial gap against annex a control A.6.2.4"));
        assert!(a.description.contains(&format!("What it asks: {}", req.summary)));
        assert!(a.description.ends_with("Current state: Some tests"));
        assert_eq!(a.source_label, format!("Gap: {}", req.label()));
        let unassessed = proposed_action(&req, Assessment::default(), " ");
        assert!(unassessed.description.starts_with("Work found in the gap analysis of annex a control"));
        assert!(!unassessed.description.contains("Current state"));
    }
}
