//! The rules of the Statement of Applicability (6.1.3), free of storage and pages: what a decision
//! needs (a justification either way; an excluded control is "Excluded", an applicable one never
//! is), the ids of the organisation's own controls, the frozen row an approval keeps, the counts a
//! table shows and what changed between two versions.

use crate::TextField;
use crate::record::parse_yes_no;
use crate::registers::{ReasonCode, SoaStatus};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// The id of an own control (`soa_entries.control_id`).
pub const SOA_CONTROL_ID: TextField = TextField::required("control_id", 40, "Enter an id, like ORG-1.");
/// The title of an own control (Annex A titles come from the catalogue).
pub const SOA_TITLE: TextField = TextField::required("title", 300, "Enter a title.");
/// Why the control is included or excluded. Required, but the message names the control, so the
/// presence check is [`justification`].
pub const SOA_JUSTIFICATION: TextField = TextField::optional("justification", 20_000);
/// How the control is implemented, where the evidence is.
pub const SOA_NOTES: TextField = TextField::optional("notes", 20_000);
/// The approver's note on a version (`soa_versions.note`).
pub const SOA_APPROVAL_NOTE: TextField = TextField::optional("note", 5_000);
/// Every text field of the SoA, for the test that compares them with the migration's CHECKs.
pub const SOA_FIELDS: &[TextField] = &[SOA_CONTROL_ID, SOA_TITLE, SOA_JUSTIFICATION, SOA_NOTES, SOA_APPROVAL_NOTE];

/// Words the SoA's pages use as path segments, so no own control may take them as its id.
pub const RESERVED_IDS: &[&str] = &["new", "approve", "print", "versions", "diff"];

/// Reads the "does the control apply?" answer.
pub fn applicability(raw: &str) -> Result<bool, &'static str> {
    parse_yes_no(raw).ok_or("Choose whether the control applies.")
}

/// The justification, which the auditor reads whichever way the decision went: required for an
/// included and an excluded control alike. `label` names the control in the message.
pub fn justification(label: &str, raw: &str) -> Result<String, String> {
    let value = SOA_JUSTIFICATION.check(raw)?;
    if value.is_empty() {
        return Err(format!("{label}: give the justification"));
    }
    Ok(value)
}

/// The reasons ticked, each once, in the list's order.
pub fn reason_codes(raw: &[String]) -> Result<Vec<ReasonCode>, &'static str> {
    let mut codes = Vec::new();
    for key in raw {
        let code = key.parse::<ReasonCode>().map_err(|_| "Choose reasons from the list.")?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes.sort_by_key(|c| ReasonCode::ALL.iter().position(|a| a == c));
    Ok(codes)
}

/// The implementation status a decision allows: an excluded control is "Excluded" (given when
/// left empty), an applicable one may have any status but that.
pub fn implementation_status(applicable: bool, status: Option<SoaStatus>) -> Result<Option<SoaStatus>, &'static str> {
    match (applicable, status) {
        (false, None | Some(SoaStatus::Excluded)) => Ok(Some(SoaStatus::Excluded)),
        (false, Some(_)) => {
            Err("A control that does not apply is excluded: choose Excluded or leave the status empty.")
        }
        (true, Some(SoaStatus::Excluded)) => Err("A control that applies cannot be excluded: choose another status."),
        (true, status) => Ok(status),
    }
}

/// Checks the id of a new own control: present, short, plain characters, not Annex A's, not a
/// reserved word. Whether it is taken is for the database to say.
pub fn own_control_id(raw: &str) -> Result<String, String> {
    let id = SOA_CONTROL_ID.check(raw)?;
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(
            "Use letters, digits, dots, hyphens and underscores, starting with a letter or digit, like ORG-1.".into()
        );
    }
    if id.len() >= 2 && id[..2].eq_ignore_ascii_case("A.") {
        return Err("Ids beginning with “A.” belong to Annex A: choose another, like ORG-1.".into());
    }
    if RESERVED_IDS.iter().any(|r| r.eq_ignore_ascii_case(&id)) {
        return Err("This word is reserved: choose another id, like ORG-1.".into());
    }
    Ok(id)
}

/// One control as an approved version froze it (every field defaults, so an odd snapshot still
/// reads). The working copy is compared, counted and exported in the same shape.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotRow {
    pub control_id: String,
    pub title: String,
    /// Objective id ("" for an own control).
    pub objective: String,
    pub objective_title: String,
    /// An own control rather than an Annex A one.
    pub custom: bool,
    /// None: not decided yet.
    pub applicable: Option<bool>,
    pub justification: String,
    /// Reason code keys.
    pub reason_codes: Vec<String>,
    /// Implementation status key.
    pub implementation_status: Option<String>,
    /// Owner's name.
    pub owner: Option<String>,
    /// AI systems (`AI-001 Name`).
    pub ai_systems: Vec<String>,
    pub notes: String,
    /// Last change of the row before approval.
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

impl SnapshotRow {
    /// `A.2.2 AI policy`.
    pub fn label(&self) -> String {
        format!("{} {}", self.control_id, self.title)
    }

    /// The reason codes as people read them.
    pub fn reason_labels(&self) -> Vec<&'static str> {
        self.reason_codes.iter().filter_map(|c| c.parse::<ReasonCode>().ok()).map(ReasonCode::label).collect()
    }

    /// The implementation status, when it is one this workbench knows.
    pub fn status(&self) -> Option<SoaStatus> {
        self.implementation_status.as_deref().and_then(|s| s.parse().ok())
    }

    /// The implementation status as people read it ("" when none).
    pub fn status_label(&self) -> &'static str {
        self.status().map_or("", SoaStatus::label)
    }

    /// Yes, No or Not decided.
    pub fn applicable_label(&self) -> &'static str {
        match self.applicable {
            Some(true) => "Yes",
            Some(false) => "No",
            None => "Not decided",
        }
    }

    /// Whether the row lacks its justification (approval waits for every one).
    pub fn lacks_justification(&self) -> bool {
        self.justification.trim().is_empty()
    }

    /// The fields a comparison shows, as people read them.
    fn compared(&self) -> [(&'static str, Option<String>); 8] {
        let text = |s: &str| if s.trim().is_empty() { None } else { Some(s.to_string()) };
        let list = |items: Vec<String>| if items.is_empty() { None } else { Some(items.join(", ")) };
        [
            ("Title", text(&self.title)),
            ("Applicable", Some(self.applicable_label().to_string())),
            ("Justification", text(&self.justification)),
            ("Reason codes", list(self.reason_labels().into_iter().map(String::from).collect())),
            ("Implementation status", text(self.status_label())),
            ("Owner", self.owner.clone()),
            ("AI systems", list(self.ai_systems.clone())),
            ("Notes", text(&self.notes)),
        ]
    }
}

/// The controls an approval still waits for: those without a justification.
pub fn unjustified(rows: &[SnapshotRow]) -> Vec<&SnapshotRow> {
    rows.iter().filter(|r| r.lacks_justification()).collect()
}

/// Whether two sets of rows say the same (when rows were last saved does not count).
pub fn same_content(a: &[SnapshotRow], b: &[SnapshotRow]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            SnapshotRow { updated_at: None, ..x.clone() } == SnapshotRow { updated_at: None, ..y.clone() }
        })
}

/// Counts over a set of rows, by decision and by implementation status.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub total: usize,
    /// Annex A controls.
    pub annex: usize,
    /// Own controls.
    pub custom: usize,
    pub applicable: usize,
    pub excluded: usize,
    /// Not decided yet.
    pub undecided: usize,
    /// Applicable and implemented.
    pub implemented: usize,
    /// Rows per implementation status, in the status list's order (statuses with no rows too).
    pub by_status: Vec<(SoaStatus, usize)>,
}

impl Tally {
    /// Counts the rows.
    pub fn of(rows: &[SnapshotRow]) -> Tally {
        let mut t = Tally {
            total: rows.len(),
            by_status: SoaStatus::ALL.iter().map(|s| (*s, 0)).collect(),
            ..Tally::default()
        };
        for r in rows {
            if r.custom {
                t.custom += 1;
            } else {
                t.annex += 1;
            }
            match r.applicable {
                Some(true) => t.applicable += 1,
                Some(false) => t.excluded += 1,
                None => t.undecided += 1,
            }
            let status = r.status();
            if r.applicable == Some(true) && status == Some(SoaStatus::Implemented) {
                t.implemented += 1;
            }
            if let Some(count) = status.and_then(|s| t.by_status.iter_mut().find(|(k, _)| *k == s)) {
                count.1 += 1;
            }
        }
        t
    }
}

/// One field that differs, old → new (None: empty on that side).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What changed in one control.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlDiff {
    pub control_id: String,
    /// The newer title.
    pub title: String,
    /// The fields that differ, in form order.
    pub changes: Vec<FieldChange>,
}

/// The differences from one set of rows (an approved version) to another (a later version or the
/// working copy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionDiff {
    /// Controls on both sides that differ, in the newer side's order.
    pub changed: Vec<ControlDiff>,
    /// Controls only the newer side has.
    pub added: Vec<SnapshotRow>,
    /// Controls only the older side has.
    pub removed: Vec<SnapshotRow>,
    /// Controls on both sides without changes.
    pub unchanged: usize,
}

impl VersionDiff {
    /// Compares `old` with `new`, control by control (matched by id).
    pub fn between(old: &[SnapshotRow], new: &[SnapshotRow]) -> VersionDiff {
        let old_by_id: HashMap<&str, &SnapshotRow> = old.iter().map(|r| (r.control_id.as_str(), r)).collect();
        let new_ids: HashSet<&str> = new.iter().map(|r| r.control_id.as_str()).collect();
        let mut diff = VersionDiff::default();
        for row in new {
            let Some(before) = old_by_id.get(row.control_id.as_str()) else {
                diff.added.push(row.clone());
                continue;
            };
            let changes: Vec<FieldChange> = before
                .compared()
                .into_iter()
                .zip(row.compared())
                .filter(|((_, b), (_, a))| b != a)
                .map(|((field, before), (_, after))| FieldChange { field, before, after })
                .collect();
            if changes.is_empty() {
                diff.unchanged += 1;
            } else {
                diff.changed.push(ControlDiff {
                    control_id: row.control_id.clone(),
                    title: row.title.clone(),
                    changes,
                });
            }
        }
        diff.removed = old.iter().filter(|r| !new_ids.contains(r.control_id.as_str())).cloned().collect();
        diff
    }

    /// Whether both sides say the same for every control.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, applicable: Option<bool>, justification: &str, status: Option<SoaStatus>) -> SnapshotRow {
        SnapshotRow {
            control_id: id.into(),
            title: format!("Title of {id}"),
            applicable,
            justification: justification.into(),
            implementation_status: status.map(|s| s.as_str().to_string()),
            ..SnapshotRow::default()
        }
    }

    #[test]
    fn an_excluded_control_needs_a_justification_naming_it() {
        assert_eq!(justification("A.6.2.4 Training", "   "), Err("A.6.2.4 Training: give the justification".into()));
        assert_eq!(justification("A.6.2.4 Training", " We do not train "), Ok("We do not train".into()));
    }

    #[test]
    fn an_included_control_needs_a_justification_too() {
        assert!(justification("A.2.2 AI policy", "").is_err());
        assert!(justification("A.2.2 AI policy", &"x".repeat(SOA_JUSTIFICATION.max + 1)).is_err());
    }

    #[test]
    fn an_excluded_control_gets_the_status_excluded_and_no_other() {
        assert_eq!(implementation_status(false, None), Ok(Some(SoaStatus::Excluded)));
        assert_eq!(implementation_status(false, Some(SoaStatus::Excluded)), Ok(Some(SoaStatus::Excluded)));
        assert!(implementation_status(false, Some(SoaStatus::Planned)).is_err());
    }

    #[test]
    fn an_included_control_may_have_any_status_but_excluded() {
        assert_eq!(implementation_status(true, None), Ok(None));
        assert_eq!(implementation_status(true, Some(SoaStatus::Planned)), Ok(Some(SoaStatus::Planned)));
        assert!(implementation_status(true, Some(SoaStatus::Excluded)).is_err());
    }

    #[test]
    fn the_applicability_answer_is_yes_or_no() {
        assert_eq!(applicability("yes"), Ok(true));
        assert_eq!(applicability("no"), Ok(false));
        assert!(applicability("").is_err());
    }

    #[test]
    fn reason_codes_are_known_kept_once_and_in_list_order() {
        let raw = vec!["legal".to_string(), "risk-treatment".into(), "legal".into()];
        assert_eq!(reason_codes(&raw), Ok(vec![ReasonCode::RiskTreatment, ReasonCode::Legal]));
        assert!(reason_codes(&["because".to_string()]).is_err());
        assert_eq!(reason_codes(&[]), Ok(vec![]));
    }

    #[test]
    fn own_control_ids_are_plain_not_annex_a_and_not_reserved() {
        assert_eq!(own_control_id(" ORG-1 "), Ok("ORG-1".into()));
        assert_eq!(own_control_id(""), Err("Enter an id, like ORG-1.".into()));
        assert!(own_control_id("has space").unwrap_err().starts_with("Use letters"));
        assert!(own_control_id("a.11.1").unwrap_err().contains("belong to Annex A"));
        assert!(own_control_id("Versions").unwrap_err().contains("reserved"));
        assert!(own_control_id(&"x".repeat(41)).is_err());
    }

    #[test]
    fn the_tally_counts_decisions_and_statuses() {
        let mut own = row("ORG-1", Some(false), "No", Some(SoaStatus::Excluded));
        own.custom = true;
        let rows = vec![
            row("A.2.2", Some(true), "Yes", Some(SoaStatus::Implemented)),
            row("A.2.3", Some(true), "Yes", Some(SoaStatus::Planned)),
            row("A.2.4", None, "", None),
            own,
        ];
        let t = Tally::of(&rows);
        assert_eq!((t.total, t.annex, t.custom), (4, 3, 1));
        assert_eq!((t.applicable, t.excluded, t.undecided, t.implemented), (2, 1, 1, 1));
        assert_eq!(t.by_status.len(), SoaStatus::ALL.len());
        assert!(t.by_status.contains(&(SoaStatus::Planned, 1)) && t.by_status.contains(&(SoaStatus::Excluded, 1)));
        assert!(t.by_status.contains(&(SoaStatus::NotImplemented, 0)));
    }

    #[test]
    fn approval_waits_for_every_justification() {
        let rows = vec![row("A.2.2", Some(true), "Yes", None), row("A.2.3", None, " ", None)];
        let missing: Vec<&str> = unjustified(&rows).iter().map(|r| r.control_id.as_str()).collect();
        assert_eq!(missing, vec!["A.2.3"]);
    }

    #[test]
    fn the_diff_lists_changed_fields_old_to_new_and_added_and_removed_controls() {
        let old = vec![
            row("A.2.2", Some(true), "Needed", Some(SoaStatus::Planned)),
            row("A.2.3", Some(true), "Same", None),
            row("ORG-1", Some(true), "Gone", None),
        ];
        let new = vec![
            row("A.2.2", Some(true), "Rewritten", Some(SoaStatus::Implemented)),
            row("A.2.3", Some(true), "Same", None),
            row("ORG-2", Some(false), "New", Some(SoaStatus::Excluded)),
        ];
        let diff = VersionDiff::between(&old, &new);
        assert_eq!(diff.changed.len(), 1);
        assert_eq!(diff.changed[0].control_id, "A.2.2");
        assert_eq!(
            diff.changed[0].changes,
            vec![
                FieldChange { field: "Justification", before: Some("Needed".into()), after: Some("Rewritten".into()) },
                FieldChange {
                    field: "Implementation status",
                    before: Some("Planned".into()),
                    after: Some("Implemented".into())
                },
            ]
        );
        assert_eq!(diff.added.iter().map(|r| r.control_id.as_str()).collect::<Vec<_>>(), vec!["ORG-2"]);
        assert_eq!(diff.removed.iter().map(|r| r.control_id.as_str()).collect::<Vec<_>>(), vec!["ORG-1"]);
        assert_eq!(diff.unchanged, 1);
        assert!(VersionDiff::between(&new, &new).is_empty());
    }

    #[test]
    fn the_save_time_alone_is_no_change() {
        let a = vec![row("A.2.2", Some(true), "Needed", None)];
        let mut b = a.clone();
        b[0].updated_at = Some(OffsetDateTime::UNIX_EPOCH);
        assert!(same_content(&a, &b));
        b[0].notes = "More".into();
        assert!(!same_content(&a, &b));
    }
}
