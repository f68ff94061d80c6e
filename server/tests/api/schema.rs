//! The lists the database's CHECK constraints spell out are `domain`'s: a status, kind or role
//! added in one place and not the other fails here.

use app::ledger::ssr::PostingKind;
use app::notify::Channel as OutboxChannel;
use domain::codigo_origen::OriginSource;
use domain::compra::SellerType;
use domain::compra_status::{Channel, CompraStatus};
use domain::initial_balance::DeclarationStatus;
use domain::subsistence::SubsistenceMineral;
use domain::subsistence_registry::RegistryState;
use domain::{ApprovalStatus, ClaimStatus, OrganizationKind, Role};
use sqlx::PgPool;

/// The quoted values of a constraint's definition.
async fn literals(pool: &PgPool, table: &str, constraint: &str) -> Vec<String> {
    let definition: String = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         WHERE t.relname = $1 AND c.conname = $2",
    )
    .bind(table)
    .bind(constraint)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|error| panic!("{table}.{constraint}: {error}"));
    let mut values: Vec<String> = definition
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    values.sort();
    values.dedup();
    values
}

fn sorted(codes: impl IntoIterator<Item = &'static str>) -> Vec<String> {
    let mut codes: Vec<String> = codes.into_iter().map(str::to_owned).collect();
    codes.sort();
    codes
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn check_constraints_list_exactly_the_domains_codes(pool: PgPool) {
    let cases: [(&str, &str, Vec<String>); 13] = [
        (
            "subsistence_sales",
            "subsistence_sales_row_code_check",
            sorted(SubsistenceMineral::ALL.map(SubsistenceMineral::code)),
        ),
        (
            "initial_balance_declarations",
            "initial_balance_declarations_status_check",
            sorted(DeclarationStatus::ALL.map(DeclarationStatus::code)),
        ),
        (
            "ledger_postings",
            "ledger_postings_kind_check",
            sorted(PostingKind::ALL.map(PostingKind::code)),
        ),
        (
            "origin_codes",
            "origin_codes_source_check",
            sorted(OriginSource::ALL.map(OriginSource::code)),
        ),
        (
            "organizations",
            "organizations_registry_state_check",
            sorted(RegistryState::ALL.map(RegistryState::code)),
        ),
        (
            "compras",
            "compras_status_check",
            sorted(CompraStatus::ALL.map(CompraStatus::code)),
        ),
        (
            "compras",
            "compras_channel_check",
            sorted(Channel::ALL.map(Channel::code)),
        ),
        (
            "compras",
            "compras_seller_type_check",
            sorted(SellerType::ALL.map(SellerType::code)),
        ),
        (
            "organizations",
            "organizations_approval_status_check",
            sorted(ApprovalStatus::ALL.map(ApprovalStatus::code)),
        ),
        (
            "organizations",
            "organizations_kind_check",
            sorted(OrganizationKind::ALL.map(OrganizationKind::code)),
        ),
        (
            "users",
            "users_role_check",
            sorted(Role::ALL.map(Role::code)),
        ),
        (
            "organization_claims",
            "organization_claims_status_check",
            sorted(ClaimStatus::ALL.map(ClaimStatus::code)),
        ),
        (
            "outbox",
            "outbox_channel_check",
            sorted(OutboxChannel::ALL.map(OutboxChannel::code)),
        ),
    ];
    for (table, constraint, expected) in cases {
        assert_eq!(
            literals(&pool, table, constraint).await,
            expected,
            "{table}.{constraint}"
        );
    }
}
