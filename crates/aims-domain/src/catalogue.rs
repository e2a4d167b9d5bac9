//! The ISO/IEC 42001 catalogue the product ships: the implementation path (5 phases, 18 steps and
//! their tasks), the clauses, the Annex A objectives and controls, and the reference taxonomy.
//! The TOML files in `crates/aims-domain/catalogue/` are embedded at build time and parsed once.
//! IDs and short titles are facts about the standard; every description is our own wording.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A phase of the implementation path.
#[derive(Debug, Clone, Deserialize)]
pub struct Phase {
    /// 1 to 5.
    pub number: u8,
    /// Stable key.
    pub key: String,
    /// Title.
    pub title: String,
    /// The step numbers of the phase.
    pub steps: Vec<u8>,
    /// What the phase achieves.
    pub summary: String,
}

/// A task of a step.
#[derive(Debug, Clone, Deserialize)]
pub struct Task {
    /// Unique within its step.
    pub key: String,
    /// What to do.
    pub title: String,
    /// The workbench area where it is done (`scope`, `risks`, …, or `none`).
    pub workbench_area: String,
}

/// One of the 18 steps.
#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    /// 1 to 18.
    pub number: u8,
    /// Its phase (1 to 5).
    pub phase: u8,
    /// Stable key.
    pub key: String,
    /// Title.
    pub title: String,
    /// What the step achieves.
    pub summary: String,
    /// One practical tip.
    pub tip: String,
    /// Clause ids it produces evidence for.
    pub clauses: Vec<String>,
    /// Annex A control ids it produces evidence for.
    pub controls: Vec<String>,
    /// Its checklist.
    pub tasks: Vec<Task>,
}

impl Step {
    /// A task by key.
    pub fn task(&self, key: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.key == key)
    }
}

/// A clause or sub-clause (4 to 10).
#[derive(Debug, Clone, Deserialize)]
pub struct Clause {
    /// `4.1`, `6.1.3`, …
    pub id: String,
    /// Short title.
    pub title: String,
    /// Parent id ("" for a top-level clause).
    pub parent: String,
    /// False for grouping headings.
    pub assessable: bool,
    /// What it asks, in our words.
    pub summary: String,
    /// Evidence auditors usually ask for.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The mandatory documented information it calls for, if any.
    #[serde(default)]
    pub mandatory_document: Option<String>,
}

/// An Annex A objective (or sub-group).
#[derive(Debug, Clone, Deserialize)]
pub struct Objective {
    /// `A.2`, `A.6.1`, …
    pub id: String,
    /// Short title.
    pub title: String,
    /// Parent objective ("" for a top-level one).
    #[serde(default)]
    pub parent: String,
    /// What it aims at, in our words.
    pub summary: String,
}

/// An Annex A control.
#[derive(Debug, Clone, Deserialize)]
pub struct Control {
    /// `A.2.2`, …
    pub id: String,
    /// Short title.
    pub title: String,
    /// Its objective group.
    pub objective: String,
    /// What it asks, in our words.
    pub summary: String,
    /// Typical evidence.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// A default AI risk category.
#[derive(Debug, Clone, Deserialize)]
pub struct RiskCategory {
    /// Stable key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Main related Annex A controls.
    #[serde(default)]
    pub related_controls: Vec<String>,
    /// Related clauses.
    #[serde(default)]
    pub related_clauses: Vec<String>,
}

/// A level of the 0 to 5 maturity scale.
#[derive(Debug, Clone, Deserialize)]
pub struct MaturityLevel {
    /// 0 to 5.
    pub level: u8,
    /// Stable key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// An item of mandatory documented information.
#[derive(Debug, Clone, Deserialize)]
pub struct MandatoryDocument {
    /// 1 to 20.
    pub number: u8,
    /// Stable key.
    pub key: String,
    /// Title.
    pub title: String,
    /// The clause that calls for it.
    pub clause: String,
    /// `document`, `record` or `both`.
    pub kind: String,
}

/// The reference lists; the typed parts are those the app uses so far, the rest stays as TOML.
#[derive(Debug, Clone, Deserialize)]
pub struct Taxonomy {
    /// Default risk categories.
    pub risk_categories: Vec<RiskCategory>,
    /// The maturity scale.
    pub maturity_levels: Vec<MaturityLevel>,
    /// Mandatory documented information.
    pub mandatory_documents: Vec<MandatoryDocument>,
    /// Every other list, untyped until an area needs it.
    #[serde(flatten)]
    pub other: toml::Table,
}

/// The whole catalogue.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The 5 phases.
    pub phases: Vec<Phase>,
    /// The 18 steps, in order.
    pub steps: Vec<Step>,
    /// Clauses 4 to 10 with their sub-clauses.
    pub clauses: Vec<Clause>,
    /// Annex A objectives.
    pub objectives: Vec<Objective>,
    /// The 38 Annex A controls.
    pub controls: Vec<Control>,
    /// Reference lists.
    pub taxonomy: Taxonomy,
    clause_index: HashMap<String, usize>,
    control_index: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct StepsFile {
    phases: Vec<Phase>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct ClausesFile {
    clauses: Vec<Clause>,
}

#[derive(Deserialize)]
struct ControlsFile {
    objectives: Vec<Objective>,
    controls: Vec<Control>,
}

impl Catalogue {
    /// Parses the embedded files (a malformed file is a build defect: the integrity test fails).
    fn load() -> Self {
        let steps: StepsFile = toml::from_str(include_str!("../catalogue/steps.toml")).expect("steps.toml parses");
        let clauses: ClausesFile =
            toml::from_str(include_str!("../catalogue/clauses.toml")).expect("clauses.toml parses");
        let controls: ControlsFile =
            toml::from_str(include_str!("../catalogue/controls.toml")).expect("controls.toml parses");
        let taxonomy: Taxonomy =
            toml::from_str(include_str!("../catalogue/taxonomy.toml")).expect("taxonomy.toml parses");
        let clause_index = clauses.clauses.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let control_index = controls.controls.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let mut steps_sorted = steps.steps;
        steps_sorted.sort_by_key(|s| s.number);
        Catalogue {
            phases: steps.phases,
            steps: steps_sorted,
            clauses: clauses.clauses,
            objectives: controls.objectives,
            controls: controls.controls,
            taxonomy,
            clause_index,
            control_index,
        }
    }

    /// A step by number (1 to 18).
    pub fn step(&self, number: u8) -> Option<&Step> {
        self.steps.iter().find(|s| s.number == number)
    }

    /// A phase by number (1 to 5).
    pub fn phase(&self, number: u8) -> Option<&Phase> {
        self.phases.iter().find(|p| p.number == number)
    }

    /// A clause by id.
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clause_index.get(id).map(|&i| &self.clauses[i])
    }

    /// An Annex A control by id.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.control_index.get(id).map(|&i| &self.controls[i])
    }

    /// Total number of tasks over all steps.
    pub fn task_count(&self) -> usize {
        self.steps.iter().map(|s| s.tasks.len()).sum()
    }
}

/// The catalogue, parsed on first use.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(Catalogue::load)
}

/// The number of steps on the path.
pub const STEP_COUNT: u8 = 18;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_path_has_18_steps_in_5_phases_and_101_tasks() {
        let c = catalogue();
        assert_eq!(c.phases.len(), 5);
        assert_eq!(c.steps.len(), usize::from(STEP_COUNT));
        assert_eq!(c.task_count(), 101);
        let numbers: Vec<u8> = c.steps.iter().map(|s| s.number).collect();
        assert_eq!(numbers, (1..=18).collect::<Vec<_>>());
        for phase in &c.phases {
            for n in &phase.steps {
                assert_eq!(c.step(*n).unwrap().phase, phase.number, "step {n} sits in phase {}", phase.number);
            }
        }
        let in_phases: usize = c.phases.iter().map(|p| p.steps.len()).sum();
        assert_eq!(in_phases, 18);
    }

    #[test]
    fn there_are_38_controls_and_32_assessable_clauses() {
        let c = catalogue();
        assert_eq!(c.controls.len(), 38);
        assert_eq!(c.clauses.iter().filter(|cl| cl.assessable).count(), 32);
        assert_eq!(c.clauses.len(), 43);
        for control in &c.controls {
            assert!(c.objectives.iter().any(|o| o.id == control.objective), "{} has a known objective", control.id);
        }
    }

    #[test]
    fn every_clause_and_control_a_step_names_exists() {
        let c = catalogue();
        for step in &c.steps {
            for id in &step.clauses {
                assert!(c.clause(id).is_some_and(|cl| cl.assessable), "step {}: clause {id}", step.number);
            }
            for id in &step.controls {
                assert!(c.control(id).is_some(), "step {}: control {id}", step.number);
            }
        }
        for category in &c.taxonomy.risk_categories {
            for id in &category.related_controls {
                assert!(c.control(id).is_some(), "risk category {}: control {id}", category.key);
            }
            for id in &category.related_clauses {
                assert!(c.clause(id).is_some(), "risk category {}: clause {id}", category.key);
            }
        }
        for doc in &c.taxonomy.mandatory_documents {
            assert!(c.clause(&doc.clause).is_some(), "mandatory document {}: clause {}", doc.key, doc.clause);
        }
        assert_eq!(c.taxonomy.mandatory_documents.len(), 20);
        assert_eq!(c.taxonomy.maturity_levels.len(), 6);
        assert_eq!(c.taxonomy.risk_categories.len(), 16);
    }

    #[test]
    fn task_keys_are_unique_within_a_step_and_areas_are_known() {
        const AREAS: &[&str] = &[
            "scope",
            "ai-systems",
            "objectives",
            "roles",
            "gap",
            "actions",
            "policies",
            "risks",
            "impact-assessments",
            "soa",
            "evidence",
            "training",
            "suppliers",
            "metrics",
            "audits",
            "reviews",
            "improvements",
            "readiness",
            "certification",
            "none",
        ];
        for step in &catalogue().steps {
            let mut keys = HashSet::new();
            for task in &step.tasks {
                assert!(keys.insert(&task.key), "step {} repeats task {}", step.number, task.key);
                assert!(AREAS.contains(&task.workbench_area.as_str()), "unknown area {}", task.workbench_area);
            }
            assert!(!step.tasks.is_empty());
        }
    }
}
