//! Every register's repository functions, run under workspace A after writing under workspace B,
//! see nothing of B; and a row of A cannot point at a row of B, whatever the code passes.

#![expect(clippy::unwrap_used, reason = "test helpers should fail loudly")]

use aims_db::actions::{self, ActionFilter, ActionInput};
use aims_db::ai_systems::{self, AiSystemFilter, AiSystemInput};
use aims_db::context::{self, IssueInput, PartyInput};
use aims_db::gap::{self, GapInput};
use aims_db::objectives::{self, ObjectiveFilter, ObjectiveInput};
use aims_db::scope_statement::{self, ScopeInput};
use aims_db::soa::{self, SoaInput};
use aims_db::{OrgScope, orgs, roadmap, users};
use aims_domain::paging::PageRequest;
use aims_domain::registers::{
    Addressed, AiRole, AutomationLevel, GapLevel, IssueKind, LifecycleStage, ObjectiveStatus, RiskTier,
};
use aims_domain::roadmap::{ActionStatus, Priority, TaskState};
use aims_domain::{Email, OrgName, OrgSlug, PersonName, Role};
use sqlx::PgPool;

async fn workspace(pool: &PgPool, slug: &str) -> OrgScope {
    let email = Email::parse(&format!("owner@{slug}.test")).unwrap();
    let user = users::create(pool, &email, &PersonName::parse("Owner").unwrap(), "x").await.unwrap();
    let org = orgs::create(pool, user.id(), "Owner", &OrgName::parse(slug).unwrap(), &OrgSlug::parse(slug).unwrap())
        .await
        .unwrap();
    OrgScope::for_test(org.id(), user.id(), Role::Owner)
}

fn system_input(name: &str) -> AiSystemInput {
    AiSystemInput {
        name: name.into(),
        purpose: String::new(),
        intended_use: String::new(),
        known_misuse: String::new(),
        ai_role: AiRole::Provider,
        lifecycle_stage: LifecycleStage::Deployment,
        technique: String::new(),
        personal_data: false,
        personal_data_categories: String::new(),
        automation_level: AutomationLevel::HumanInTheLoop,
        human_oversight: String::new(),
        risk_tier: RiskTier::High,
        owner_id: None,
        in_scope: true,
        supplier: String::new(),
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn no_register_of_one_workspace_shows_rows_of_another(pool: PgPool) {
    let a = workspace(&pool, "alpha").await;
    let b = workspace(&pool, "beta").await;

    // Workspace B fills every register through the repository functions.
    let mut tx = b.begin(&pool).await.unwrap();
    let system = ai_systems::create(&mut tx, &system_input("B system")).await.unwrap();
    let objective = ObjectiveInput {
        objective: "B objective".into(),
        measure: String::new(),
        target: String::new(),
        owner_id: None,
        due_date: None,
        status: ObjectiveStatus::Planned,
        system_ids: vec![system.system_id],
    };
    objectives::create(&mut tx, &objective).await.unwrap();
    let action = ActionInput {
        title: "B action".into(),
        description: String::new(),
        owner_id: None,
        due_date: None,
        priority: Priority::High,
        status: ActionStatus::Open,
        step_number: Some(4),
    };
    actions::create(&mut tx, &action, None).await.unwrap();
    let issue = IssueInput {
        kind: IssueKind::External,
        title: "B issue".into(),
        description: String::new(),
        effect: String::new(),
    };
    context::create_issue(&mut tx, &issue).await.unwrap();
    let party = PartyInput {
        name: "B party".into(),
        requirements: String::new(),
        addressed: Addressed::Yes,
        how_addressed: String::new(),
    };
    context::create_party(&mut tx, &party).await.unwrap();
    let scope = ScopeInput { units: "B units".into(), ..Default::default() };
    scope_statement::save_draft(&mut tx, &scope, 0).await.unwrap();
    let gap_row = GapInput {
        current_state: "B state".into(),
        maturity: Some(2),
        gap: Some(GapLevel::Partial),
        priority: Some(Priority::High),
        notes: String::new(),
    };
    gap::save(&mut tx, "6.1.2", &gap_row, 0).await.unwrap();
    let soa_row = SoaInput {
        title: String::new(),
        applicable: true,
        justification: "B reason".into(),
        reason_codes: vec![],
        status: None,
        owner_id: None,
        system_ids: vec![system.system_id.0],
        notes: String::new(),
    };
    soa::save(&mut tx, "A.2.2", &soa_row, 0).await.unwrap();
    roadmap::close_task(&mut tx, 1, "inventory-ai-systems", TaskState::Done, "").await.unwrap();
    tx.commit().await.unwrap();

    // Workspace A sees none of it.
    let mut tx = a.begin(&pool).await.unwrap();
    let page = PageRequest::default();
    assert_eq!(ai_systems::list(&mut tx, &AiSystemFilter::default(), page).await.unwrap().total, 0);
    assert!(ai_systems::get(&mut tx, system.system_id).await.unwrap().is_none());
    assert!(ai_systems::choices(&mut tx).await.unwrap().is_empty());
    assert_eq!(objectives::list(&mut tx, &ObjectiveFilter::default(), page).await.unwrap().total, 0);
    assert_eq!(actions::list(&mut tx, &ActionFilter::default(), page).await.unwrap().total, 0);
    assert!(actions::export(&mut tx, &ActionFilter::default()).await.unwrap().is_empty());
    assert_eq!(context::list_issues(&mut tx, &Default::default(), page).await.unwrap().total, 0);
    assert_eq!(context::list_parties(&mut tx, &Default::default(), page).await.unwrap().total, 0);
    assert!(scope_statement::list(&mut tx).await.unwrap().is_empty());
    assert!(gap::list(&mut tx).await.unwrap().is_empty());
    assert!(gap::linked_actions(&mut tx).await.unwrap().is_empty());
    assert!(soa::list(&mut tx).await.unwrap().iter().all(|row| row.justification.is_empty()), "A's SoA is untouched");
    assert!(roadmap::closed_tasks(&mut tx, None).await.unwrap().is_empty());
    let entries = aims_db::audit::list(&mut tx, page).await.unwrap();
    assert!(entries.rows.iter().all(|e| !e.summary.contains("B ")), "only A's own audit entries");

    // A row of A cannot point at B's AI system, even if the code passes its id.
    let stolen = ObjectiveInput { objective: "A objective".into(), system_ids: vec![system.system_id], ..objective };
    assert!(objectives::create(&mut tx, &stolen).await.is_err(), "a link to another workspace's system is refused");
}
