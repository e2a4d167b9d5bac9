//! Tenant isolation beneath the code: row-level security, composite keys, the audit chain.

#![expect(clippy::unwrap_used, reason = "test helpers should fail loudly")]

use aims_db::audit::{self, AuditAction, AuditEntry};
use aims_db::orgs::{self, OrgRow};
use aims_db::{OrgScope, users};
use aims_domain::{Email, OrgName, OrgSlug, PersonName, Role, UserId};
use sqlx::PgPool;
use uuid::Uuid;

async fn user(pool: &PgPool, email: &str) -> UserId {
    users::create(pool, &Email::parse(email).unwrap(), &PersonName::parse("Test User").unwrap(), "x")
        .await
        .unwrap()
        .id()
}

async fn org(pool: &PgPool, owner: UserId, slug: &str) -> OrgRow {
    orgs::create(pool, owner, "Test User", &OrgName::parse(slug).unwrap(), &OrgSlug::parse(slug).unwrap())
        .await
        .unwrap()
}

/// Two workspaces, each with its creation entries in the audit log.
async fn two_orgs(pool: &PgPool) -> (OrgScope, OrgScope) {
    let ua = user(pool, "a@example.com").await;
    let ub = user(pool, "b@example.com").await;
    let a = org(pool, ua, "alpha").await;
    let b = org(pool, ub, "beta").await;
    (OrgScope::for_test(a.id(), ua, Role::Owner), OrgScope::for_test(b.id(), ub, Role::Owner))
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_query_without_org_filter_sees_only_its_own_tenant(pool: PgPool) {
    let (a, b) = two_orgs(&pool).await;
    let mut tx = a.begin(&pool).await.unwrap();
    // Deliberately no `where org_id`: row-level security is what filters.
    let orgs_seen: Vec<Uuid> =
        sqlx::query_scalar("select distinct org_id from audit_log").fetch_all(tx.conn_for_test()).await.unwrap();
    assert_eq!(orgs_seen, vec![a.org_id().0]);
    let count_b: i64 = sqlx::query_scalar("select count(*) from audit_log where org_id = $1")
        .bind(b.org_id().0)
        .fetch_one(tx.conn_for_test())
        .await
        .unwrap();
    assert_eq!(count_b, 0);
    tx.commit().await.unwrap();
    // The superuser pool (migrations, tests) sees both: the role switch is what applies RLS.
    let all: i64 = sqlx::query_scalar("select count(distinct org_id) from audit_log").fetch_one(&pool).await.unwrap();
    assert_eq!(all, 2);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn writing_into_another_tenant_fails(pool: PgPool) {
    let (a, b) = two_orgs(&pool).await;
    let mut tx = a.begin(&pool).await.unwrap();
    let err = sqlx::query(
        "insert into audit_log (org_id, seq, audit_id, actor_name, action, entity_type, entity_id, summary, prev_hash, hash)
         values ($1, 99, $2, 'x', 'create', 'x', 'x', 'x', '\\x', '\\x')",
    )
    .bind(b.org_id().0)
    .bind(Uuid::now_v7())
    .execute(tx.conn_for_test())
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_audit_log_is_append_only_for_the_app(pool: PgPool) {
    let (a, _) = two_orgs(&pool).await;
    for statement in ["update audit_log set summary = 'x'", "delete from audit_log"] {
        let mut tx = a.begin(&pool).await.unwrap();
        let err = sqlx::query(statement).execute(tx.conn_for_test()).await.unwrap_err();
        assert!(err.to_string().contains("permission denied"), "{statement}: {err}");
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn without_a_tenant_set_the_app_role_sees_nothing(pool: PgPool) {
    two_orgs(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("set local role aims_app").execute(&mut *tx).await.unwrap();
    let n: i64 = sqlx::query_scalar("select count(*) from audit_log").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(n, 0, "the policy fails closed");
    // A pooled connection that carried a tenant before reads back '' (not NULL): still closed.
    sqlx::query("select set_config('app.org_id', '', true)").execute(&mut *tx).await.unwrap();
    let n: i64 = sqlx::query_scalar("select count(*) from audit_log").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(n, 0);
}

/// Two tenant tables made the way every register table is made (`make_tenant_table`), to prove
/// the composite foreign key and the policy together.
async fn parent_and_child_tables(pool: &PgPool) {
    for ddl in [
        "create table test_parents (org_id uuid not null references organisations, parent_id uuid not null,
           title text not null, primary key (org_id, parent_id))",
        "create table test_children (org_id uuid not null references organisations, child_id uuid not null,
           parent_id uuid not null, primary key (org_id, child_id),
           foreign key (org_id, parent_id) references test_parents (org_id, parent_id))",
        "select make_tenant_table('test_parents')",
        "select make_tenant_table('test_children')",
    ] {
        sqlx::query(ddl).execute(pool).await.unwrap();
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_row_cannot_reference_another_tenants_row(pool: PgPool) {
    let (a, b) = two_orgs(&pool).await;
    parent_and_child_tables(&pool).await;
    let parent_of_b = Uuid::now_v7();
    let mut tx = b.begin(&pool).await.unwrap();
    sqlx::query("insert into test_parents (org_id, parent_id, title) values ($1, $2, 'B parent')")
        .bind(b.org_id().0)
        .bind(parent_of_b)
        .execute(tx.conn_for_test())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = a.begin(&pool).await.unwrap();
    let err = sqlx::query("insert into test_children (org_id, child_id, parent_id) values ($1, $2, $3)")
        .bind(a.org_id().0)
        .bind(Uuid::now_v7())
        .bind(parent_of_b)
        .execute(tx.conn_for_test())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("foreign key"), "{err}");

    // Nor can scope A read, change or delete B's parent, even without an org filter.
    let mut tx = a.begin(&pool).await.unwrap();
    let seen: i64 =
        sqlx::query_scalar("select count(*) from test_parents").fetch_one(tx.conn_for_test()).await.unwrap();
    let updated = sqlx::query("update test_parents set title = 'hacked'").execute(tx.conn_for_test()).await.unwrap();
    let deleted = sqlx::query("delete from test_parents").execute(tx.conn_for_test()).await.unwrap();
    assert_eq!((seen, updated.rows_affected(), deleted.rows_affected()), (0, 0, 0));
    tx.commit().await.unwrap();
    let title: String = sqlx::query_scalar("select title from test_parents").fetch_one(&pool).await.unwrap();
    assert_eq!(title, "B parent");
}

/// Tables with an `org_id` column that are global by design (reached through named functions).
const GLOBAL_TABLES: &[&str] = &["organisations", "memberships", "invitations"];

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn every_tenant_table_forces_the_isolation_policy(pool: PgPool) {
    let rows: Vec<(String, bool, bool, i64, bool)> = sqlx::query_as(
        "select c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                (select count(*) from pg_policy p where p.polrelid = c.oid),
                coalesce((select a.attnum = 1 from pg_index i join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
                 where i.indrelid = c.oid and i.indisprimary and a.attname = 'org_id'), false)
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r'
           and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(rows.iter().any(|r| r.0 == "audit_log"));
    for (table, enabled, forced, policies, pk_leads_with_org) in rows {
        if GLOBAL_TABLES.contains(&table.as_str()) {
            continue;
        }
        assert!(
            enabled && forced && policies >= 1,
            "{table}: RLS enabled={enabled} forced={forced} policies={policies}"
        );
        assert!(pk_leads_with_org, "{table}: the primary key must start with org_id");
    }
}

async fn entry(scope: &OrgScope, pool: &PgPool, summary: &str) {
    let mut tx = scope.begin(pool).await.unwrap();
    audit::record(
        &mut tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: aims_db::record::Entity::Action,
            entity_id: "1".into(),
            summary: summary.into(),
            before: Some(serde_json::json!({"n": 1, "text": "<b>é</b>"})),
            after: Some(serde_json::json!({"n": 2})),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_audit_chain_verifies_and_names_the_first_changed_entry(pool: PgPool) {
    let (a, b) = two_orgs(&pool).await;
    for i in 0..5 {
        entry(&a, &pool, &format!("change {i}")).await;
        entry(&b, &pool, &format!("change {i}")).await;
    }
    let reports = audit::verify_all(&pool).await.unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.entries == 7 && r.first_broken.is_none()), "{reports:?}");

    // Tamper as the database owner would: rewrite entry 4 of alpha.
    sqlx::query("update audit_log set summary = 'nothing happened' where org_id = $1 and seq = 4")
        .bind(a.org_id().0)
        .execute(&pool)
        .await
        .unwrap();
    let reports = audit::verify_all(&pool).await.unwrap();
    let alpha = reports.iter().find(|r| r.slug == "alpha").unwrap();
    assert_eq!(alpha.first_broken.map(|b| b.0), Some(4));
    let beta = reports.iter().find(|r| r.slug == "beta").unwrap();
    assert_eq!(beta.first_broken, None);

    // Deleting an entry in the middle of beta is caught too.
    sqlx::query("delete from audit_log where org_id = $1 and seq = 3").bind(b.org_id().0).execute(&pool).await.unwrap();
    let reports = audit::verify_all(&pool).await.unwrap();
    let beta = reports.iter().find(|r| r.slug == "beta").unwrap();
    assert_eq!(beta.first_broken.map(|b| b.0), Some(4));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn concurrent_writers_keep_one_unbroken_chain(pool: PgPool) {
    let (a, _) = two_orgs(&pool).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (a, pool) = (a.clone(), pool.clone());
        tasks.push(tokio::spawn(async move { entry(&a, &pool, &format!("parallel {i}")).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut tx = a.begin(&pool).await.unwrap();
    let (entries, broken) = audit::verify(&mut tx).await.unwrap();
    assert_eq!((entries, broken), (18, None));
}
