//! Enumerations of the registers of steps 1, 3 and 6 (AI systems, objectives, context, gap
//! analysis, Statement of Applicability), each mirrored by a CHECK constraint in the database.

text_enum!(
    /// The organisation's role towards an AI system (keys as in the taxonomy).
    AiRole {
        /// Makes the system available.
        Provider = "provider" / "Provider",
        /// Designs, develops or builds it.
        Producer = "producer" / "Producer",
        /// Uses it.
        Customer = "customer" / "Customer",
        /// Integrates or supplies parts, data or services.
        Partner = "partner" / "Partner",
        /// Is affected by it.
        Subject = "subject" / "AI subject",
        /// Oversees or regulates.
        RelevantAuthority = "relevant-authority" / "Relevant authority",
    }
);

text_enum!(
    /// Where an AI system is in its life cycle.
    LifecycleStage {
        /// Idea and feasibility.
        Inception = "inception" / "Inception",
        /// Design and development.
        DesignDevelopment = "design-development" / "Design and development",
        /// Verification and validation.
        VerificationValidation = "verification-validation" / "Verification and validation",
        /// Deployment.
        Deployment = "deployment" / "Deployment",
        /// Operation and monitoring.
        OperationMonitoring = "operation-monitoring" / "Operation and monitoring",
        /// Re-evaluation.
        ReEvaluation = "re-evaluation" / "Re-evaluation",
        /// Retirement.
        Retirement = "retirement" / "Retirement",
    }
);

text_enum!(
    /// How far an AI system decides on its own.
    AutomationLevel {
        /// Suggests; people decide.
        DecisionSupport = "decision-support" / "Decision support",
        /// A person approves each decision.
        HumanInTheLoop = "human-in-the-loop" / "Human in the loop",
        /// A person supervises and can intervene.
        HumanOnTheLoop = "human-on-the-loop" / "Human on the loop",
        /// Decides without a person.
        FullyAutomated = "fully-automated" / "Fully automated",
    }
);

text_enum!(
    /// EU AI Act risk tier.
    RiskTier {
        /// Prohibited practice.
        Prohibited = "prohibited" / "Prohibited" / Red,
        /// High risk.
        High = "high" / "High risk" / Amber,
        /// Limited risk (transparency duties).
        Limited = "limited" / "Limited risk" / Blue,
        /// Minimal risk.
        Minimal = "minimal" / "Minimal risk" / Green,
        /// General-purpose AI model.
        GeneralPurpose = "general-purpose" / "General purpose" / Violet,
    }
);

text_enum!(
    /// Where an AI objective stands.
    ObjectiveStatus {
        /// Planned.
        Planned = "planned" / "Planned" / Violet,
        /// Being worked on.
        InProgress = "in_progress" / "In progress" / Blue,
        /// Met.
        Achieved = "achieved" / "Achieved" / Green,
        /// Missed.
        NotAchieved = "not_achieved" / "Not achieved" / Red,
        /// Dropped.
        Cancelled = "cancelled" / "Cancelled",
    }
);

text_enum!(
    /// Whether a context issue comes from inside or outside.
    IssueKind {
        /// Inside the organisation.
        Internal = "internal" / "Internal",
        /// Outside the organisation.
        External = "external" / "External",
    }
);

text_enum!(
    /// Whether the AIMS addresses an interested party's requirements.
    Addressed {
        /// Fully.
        Yes = "yes" / "Addressed" / Green,
        /// In part.
        Partly = "partly" / "Partly addressed" / Amber,
        /// Not.
        No = "no" / "Not addressed",
    }
);

text_enum!(
    /// The size of a gap against a requirement.
    GapLevel {
        /// Met.
        None = "none" / "No gap" / Green,
        /// Partly met.
        Partial = "partial" / "Partial gap" / Amber,
        /// Not met.
        Full = "full" / "Full gap" / Red,
    }
);

text_enum!(
    /// Implementation status of a control in the Statement of Applicability (taxonomy keys).
    SoaStatus {
        /// In place and working.
        Implemented = "implemented" / "Implemented" / Green,
        /// In place in part.
        PartiallyImplemented = "partially-implemented" / "Partially implemented" / Blue,
        /// Planned.
        Planned = "planned" / "Planned" / Violet,
        /// Not implemented.
        NotImplemented = "not-implemented" / "Not implemented" / Amber,
        /// Excluded (not applicable).
        Excluded = "excluded" / "Excluded",
    }
);

text_enum!(
    /// Why a control is included or excluded.
    ReasonCode {
        /// Needed to treat AI risks.
        RiskTreatment = "risk-treatment" / "Risk treatment",
        /// Required by law or regulation.
        Legal = "legal" / "Legal or regulatory",
        /// Required by a contract.
        Contractual = "contractual" / "Contractual",
        /// Chosen for business reasons.
        Business = "business" / "Business",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::catalogue;

    #[test]
    fn register_keys_match_the_taxonomy() {
        let t = &catalogue().taxonomy.other;
        let keys = |list: &str| -> Vec<String> {
            t[list].as_array().unwrap().iter().map(|v| v["key"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(keys("ai_roles"), AiRole::ALL.iter().map(|r| r.as_str().to_string()).collect::<Vec<_>>());
        assert_eq!(keys("soa_statuses"), SoaStatus::ALL.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>());
    }

    #[test]
    fn keys_round_trip() {
        for tier in RiskTier::ALL {
            assert_eq!(tier.as_str().parse::<RiskTier>().unwrap(), *tier);
        }
        assert!("medium".parse::<GapLevel>().is_err());
    }
}
