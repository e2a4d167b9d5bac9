//! Each text field's length limit is declared once in `aims-domain`; the form check and the
//! template's `maxlength` read it there, and this test holds the migrations' CHECKs to it.

use aims_domain::TextField;
use sqlx::PgPool;

/// Every register's tables with the fields the domain declares for them.
fn declared() -> Vec<(&'static [&'static str], &'static [TextField])> {
    vec![
        (&["actions"], aims_domain::roadmap::ACTION_FIELDS),
        (&["context_issues"], aims_domain::scope::ISSUE_FIELDS),
        (&["interested_parties"], aims_domain::scope::PARTY_FIELDS),
        (&["scope_versions"], aims_domain::scope::SCOPE_FIELDS),
        (&["ai_systems"], aims_domain::systems::AI_SYSTEM_FIELDS),
        (&["objectives"], aims_domain::systems::OBJECTIVE_FIELDS),
        (&["gap_items"], aims_domain::gap::GAP_FIELDS),
        (&["soa_entries", "soa_versions"], aims_domain::soa::SOA_FIELDS),
        (&["aims_roles"], aims_domain::roles::ROLE_FIELDS),
    ]
}

/// The largest length a CHECK on `table.column` allows, read from `length(column) <= N`.
fn check_max(definitions: &[String], column: &str) -> Option<usize> {
    let needle = format!("length({column}) <= ");
    definitions.iter().find_map(|d| {
        let rest = &d[d.find(&needle)? + needle.len()..];
        rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
    })
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn every_declared_limit_is_the_columns_check(pool: PgPool) {
    for (tables, fields) in declared() {
        let definitions: Vec<String> = sqlx::query_scalar(
            "select pg_get_constraintdef(oid) from pg_constraint
             where contype = 'c' and conrelid = any(select unnest($1::text[])::regclass)",
        )
        .bind(tables)
        .fetch_all(&pool)
        .await
        .unwrap();
        for field in fields {
            assert_eq!(
                check_max(&definitions, field.name),
                Some(field.max),
                "{tables:?}.{} is declared with at most {} characters; the migration's CHECK must say the same",
                field.name,
                field.max
            );
        }
    }
}

#[test]
fn the_check_reader_finds_both_spellings() {
    let defs = vec![
        "CHECK (((length(title) >= 1) AND (length(title) <= 300)))".to_string(),
        "CHECK ((length(description) <= 50000))".to_string(),
    ];
    assert_eq!(check_max(&defs, "title"), Some(300));
    assert_eq!(check_max(&defs, "description"), Some(50000));
    assert_eq!(check_max(&defs, "effect"), None);
}
