//! The workbench's areas in one list: it drives the side navigation, the labels that steps use for
//! their tasks, and which areas exist so far (tasks of other areas show their area as plain text).

/// A group of the side navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavGroup {
    /// Dashboard, roadmap, plan: no heading.
    Top,
    /// Planning and AIMS development (steps 1–8).
    Planning,
    /// Operation (steps 9–12).
    Operation,
    /// Evaluation and certification (steps 13–18).
    Evaluation,
    /// Members, log, settings.
    Administration,
}

impl NavGroup {
    /// Every group, in navigation order.
    pub const ALL: [NavGroup; 5] =
        [NavGroup::Top, NavGroup::Planning, NavGroup::Operation, NavGroup::Evaluation, NavGroup::Administration];

    /// The heading above the group ("" for the top group).
    pub fn heading(self) -> &'static str {
        match self {
            NavGroup::Top => "",
            NavGroup::Planning => "Planning",
            NavGroup::Operation => "Operation",
            NavGroup::Evaluation => "Evaluation",
            NavGroup::Administration => "Administration",
        }
    }

    /// Whether any area of the group is built (empty groups are not shown).
    pub fn is_shown(self) -> bool {
        self.areas().next().is_some()
    }

    /// The built areas of the group, in order.
    pub fn areas(self) -> impl Iterator<Item = Area> {
        Area::ALL.into_iter().filter(move |a| a.group() == self && a.is_built())
    }
}

macro_rules! areas {
    ($($(#[$doc:meta])* $variant:ident = $key:literal / $label:literal / $group:ident / $built:literal),+ $(,)?) => {
        /// An area of a workspace, addressed as `/o/{slug}/{key}`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Area { $($(#[$doc])* $variant),+ }

        impl Area {
            /// Every area, in navigation order.
            pub const ALL: [Area; [$($key),+].len()] = [$(Area::$variant),+];

            /// The path segment (`ai-systems`), also the catalogue's `workbench_area` key.
            pub fn key(self) -> &'static str {
                match self { $(Area::$variant => $key),+ }
            }

            /// The name people read.
            pub fn label(self) -> &'static str {
                match self { $(Area::$variant => $label),+ }
            }

            /// The navigation group.
            pub fn group(self) -> NavGroup {
                match self { $(Area::$variant => NavGroup::$group),+ }
            }

            /// Whether the workbench has its pages yet.
            pub fn is_built(self) -> bool {
                match self { $(Area::$variant => $built),+ }
            }
        }
    };
}

areas! {
    /// The workspace's home.
    Dashboard = "" / "Dashboard" / Top / true,
    /// The 18 steps.
    Steps = "steps" / "Roadmap" / Top / true,
    /// The implementation plan.
    Actions = "actions" / "Implementation plan" / Top / true,
    /// Scope statement, issues, interested parties.
    Scope = "scope" / "Scope and context" / Planning / true,
    /// AIMS roles, responsibilities and the RACI matrix.
    Roles = "roles" / "Roles and responsibilities" / Planning / true,
    /// The AI system inventory.
    AiSystems = "ai-systems" / "AI systems" / Planning / true,
    /// AI objectives.
    Objectives = "objectives" / "AI objectives" / Planning / true,
    /// The gap analysis.
    Gap = "gap" / "Gap analysis" / Planning / true,
    /// Policies and procedures.
    Policies = "policies" / "Policies and procedures" / Planning / false,
    /// The AI risk register.
    Risks = "risks" / "AI risk register" / Planning / false,
    /// AI system impact assessments.
    ImpactAssessments = "impact-assessments" / "Impact assessments" / Planning / false,
    /// The Statement of Applicability.
    Soa = "soa" / "Statement of Applicability" / Planning / true,
    /// The evidence library.
    Evidence = "evidence" / "Evidence" / Operation / false,
    /// Training and awareness.
    Training = "training" / "Training and awareness" / Operation / false,
    /// Suppliers and partners.
    Suppliers = "suppliers" / "Suppliers" / Operation / false,
    /// Monitoring and metrics.
    Metrics = "metrics" / "Monitoring and metrics" / Evaluation / false,
    /// Internal audits.
    Audits = "audits" / "Internal audits" / Evaluation / false,
    /// Management reviews.
    Reviews = "reviews" / "Management reviews" / Evaluation / false,
    /// Nonconformities and corrective actions.
    Improvements = "improvements" / "Corrective actions" / Evaluation / false,
    /// Computed readiness.
    Readiness = "readiness" / "Readiness" / Evaluation / false,
    /// The certification cycle.
    Certification = "certification" / "Certification" / Evaluation / false,
    /// Members and invitations.
    Members = "members" / "Members" / Administration / true,
    /// The hash-chained change log.
    AuditLog = "audit-log" / "Audit log" / Administration / true,
    /// Workspace settings.
    Settings = "settings" / "Settings" / Administration / true,
}

impl Area {
    /// The area of a catalogue key (`ai-systems`), if there is one.
    pub fn from_key(key: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.key() == key)
    }

    /// How people read a catalogue area key, even one outside the workbench.
    pub fn label_of(key: &str) -> &'static str {
        Area::from_key(key).map_or("Outside the workbench", Area::label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aims_domain::catalogue::catalogue;

    #[test]
    fn every_catalogue_area_is_an_area() {
        for step in &catalogue().steps {
            for task in &step.tasks {
                let key = task.workbench_area.as_str();
                assert!(key.is_empty() || Area::from_key(key).is_some(), "unknown area {key}");
            }
        }
    }

    #[test]
    fn every_built_area_is_in_the_navigation() {
        let shown: Vec<Area> = NavGroup::ALL.into_iter().flat_map(NavGroup::areas).collect();
        assert_eq!(shown.len(), Area::ALL.iter().filter(|a| a.is_built()).count());
        assert_eq!(Area::label_of("ai-systems"), "AI systems");
    }
}
