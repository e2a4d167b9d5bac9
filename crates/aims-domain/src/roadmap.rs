//! Rules of the 18-step roadmap and the implementation plan: statuses, progress arithmetic, the
//! completion guard, the current phase and what "overdue" means.

use crate::TextField;
use crate::catalogue::{Catalogue, Step};
use std::collections::HashMap;
use time::Date;

text_enum!(
    /// Where a step stands.
    StepStatus {
        /// Nobody started it.
        NotStarted = "not_started" / "Not started",
        /// Work is under way.
        InProgress = "in_progress" / "In progress" / Blue,
        /// Every task is done or not applicable.
        Done = "done" / "Done" / Green,
    }
);

text_enum!(
    /// How a task of a step was closed.
    TaskState {
        /// Done.
        Done = "done" / "Done" / Green,
        /// Does not apply here, with a reason.
        NotApplicable = "not_applicable" / "Not applicable",
    }
);

text_enum!(
    /// Where an action of the implementation plan stands.
    ActionStatus {
        /// Not started.
        Open = "open" / "Open",
        /// Being worked on.
        InProgress = "in_progress" / "In progress" / Blue,
        /// Finished.
        Done = "done" / "Done" / Green,
        /// Dropped.
        Cancelled = "cancelled" / "Cancelled",
    }
);

text_enum!(
    /// How urgent an action is.
    Priority {
        /// Can wait.
        Low = "low" / "Low",
        /// Normal.
        Medium = "medium" / "Medium",
        /// Soon.
        High = "high" / "High" / Amber,
        /// Blocks certification.
        Critical = "critical" / "Critical" / Red,
    }
);

impl ActionStatus {
    /// Whether the action still needs work.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }

    /// The stored keys of the open statuses, for SQL filters (`status = any($n)`), so the
    /// database applies the same rule as [`is_overdue`].
    pub fn open_keys() -> Vec<&'static str> {
        Self::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect()
    }
}

/// An action's title.
pub const ACTION_TITLE: TextField = TextField::required("title", 300, "Enter a title.");
/// An action's description.
pub const ACTION_DESCRIPTION: TextField = TextField::optional("description", 50_000);
/// The text fields of an action, checked against the `actions` table's CHECKs by a database test.
pub const ACTION_FIELDS: &[TextField] = &[ACTION_TITLE, ACTION_DESCRIPTION];

/// Done out of total, as shown by progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Completed units.
    pub done: u32,
    /// All units.
    pub total: u32,
}

impl Progress {
    /// Whole percent, rounded down so that 100 % means really complete.
    pub fn percent(self) -> u32 {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

impl std::ops::Add for Progress {
    type Output = Progress;

    fn add(self, other: Progress) -> Progress {
        Progress { done: self.done + other.done, total: self.total + other.total }
    }
}

/// The closed (done or not applicable) task keys of each step number.
pub type ClosedTasks = HashMap<u8, Vec<String>>;

/// Progress of one step: closed tasks out of its tasks (only keys the catalogue knows count).
pub fn step_progress(step: &Step, closed: &ClosedTasks) -> Progress {
    let done = closed.get(&step.number).map_or(0, |keys| step.tasks.iter().filter(|t| keys.contains(&t.key)).count());
    Progress { done: done as u32, total: step.tasks.len() as u32 }
}

/// Progress of a phase: the tasks of its steps.
pub fn phase_progress(catalogue: &Catalogue, phase: u8, closed: &ClosedTasks) -> Progress {
    catalogue.steps.iter().filter(|s| s.phase == phase).fold(Progress::default(), |p, s| p + step_progress(s, closed))
}

/// Progress of the whole implementation: all 101 tasks.
pub fn overall_progress(catalogue: &Catalogue, closed: &ClosedTasks) -> Progress {
    catalogue.steps.iter().fold(Progress::default(), |p, s| p + step_progress(s, closed))
}

/// The completion guard: a step may be done only when every task is closed. Returns the titles
/// of the open tasks otherwise.
pub fn open_tasks<'a>(step: &'a Step, closed: &ClosedTasks) -> Vec<&'a str> {
    let keys = closed.get(&step.number);
    step.tasks.iter().filter(|t| !keys.is_some_and(|k| k.contains(&t.key))).map(|t| t.title.as_str()).collect()
}

/// The phase the workspace is in: the first phase with a step that is not done (5 when all are).
pub fn current_phase(catalogue: &Catalogue, statuses: &HashMap<u8, StepStatus>) -> u8 {
    catalogue
        .phases
        .iter()
        .find(|p| p.steps.iter().any(|n| statuses.get(n) != Some(&StepStatus::Done)))
        .map_or(5, |p| p.number)
}

/// Past due and not finished, judged by the workspace's own calendar day.
pub fn is_overdue(due: Option<Date>, today: Date, finished: bool) -> bool {
    !finished && due.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::catalogue;
    use time::macros::date;

    fn closed(step: u8, keys: &[&str]) -> ClosedTasks {
        HashMap::from([(step, keys.iter().map(|k| k.to_string()).collect())])
    }

    #[test]
    fn progress_counts_closed_tasks_of_steps_phases_and_the_whole() {
        let c = catalogue();
        let step1 = c.step(1).unwrap();
        let two: Vec<&str> = step1.tasks.iter().take(2).map(|t| t.key.as_str()).collect();
        let ticks = closed(1, &two);
        assert_eq!(step_progress(step1, &ticks), Progress { done: 2, total: step1.tasks.len() as u32 });
        let phase1_tasks: u32 = c.steps.iter().filter(|s| s.phase == 1).map(|s| s.tasks.len() as u32).sum();
        assert_eq!(phase_progress(c, 1, &ticks), Progress { done: 2, total: phase1_tasks });
        assert_eq!(phase_progress(c, 2, &ticks).done, 0);
        assert_eq!(overall_progress(c, &ticks), Progress { done: 2, total: 101 });
        assert_eq!(overall_progress(c, &ticks).percent(), 1);
    }

    #[test]
    fn unknown_task_keys_do_not_count() {
        let c = catalogue();
        assert_eq!(step_progress(c.step(1).unwrap(), &closed(1, &["no-such-task"])).done, 0);
    }

    #[test]
    fn percent_rounds_down_and_handles_empty() {
        assert_eq!(Progress { done: 100, total: 101 }.percent(), 99);
        assert_eq!(Progress { done: 101, total: 101 }.percent(), 100);
        assert_eq!(Progress { done: 0, total: 0 }.percent(), 0);
    }

    #[test]
    fn a_step_is_complete_only_when_every_task_is_closed() {
        let c = catalogue();
        let step = c.step(2).unwrap();
        let all_but_last: Vec<&str> = step.tasks.iter().take(step.tasks.len() - 1).map(|t| t.key.as_str()).collect();
        let open = open_tasks(step, &closed(2, &all_but_last));
        assert_eq!(open, vec![step.tasks.last().unwrap().title.as_str()]);
        let all: Vec<&str> = step.tasks.iter().map(|t| t.key.as_str()).collect();
        assert!(open_tasks(step, &closed(2, &all)).is_empty());
    }

    #[test]
    fn the_current_phase_is_the_first_with_unfinished_steps() {
        let c = catalogue();
        let mut statuses = HashMap::new();
        assert_eq!(current_phase(c, &statuses), 1);
        for n in 1..=4 {
            statuses.insert(n, StepStatus::Done);
        }
        assert_eq!(current_phase(c, &statuses), 2);
        for n in 5..=18 {
            statuses.insert(n, StepStatus::Done);
        }
        assert_eq!(current_phase(c, &statuses), 5);
    }

    #[test]
    fn overdue_means_before_today_and_unfinished() {
        let today = date!(2026 - 11 - 27);
        assert!(is_overdue(Some(date!(2026 - 11 - 26)), today, false));
        assert!(!is_overdue(Some(date!(2026 - 11 - 27)), today, false), "due today is not overdue yet");
        assert!(!is_overdue(Some(date!(2026 - 11 - 26)), today, true));
        assert!(!is_overdue(None, today, false));
    }

    #[test]
    fn enums_round_trip() {
        for s in ActionStatus::ALL {
            assert_eq!(s.as_str().parse::<ActionStatus>().unwrap(), *s);
        }
        assert!("finished".parse::<StepStatus>().is_err());
        assert_eq!(Priority::Critical.label(), "Critical");
    }
}
