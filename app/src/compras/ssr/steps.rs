//! The buyer's steps that hand the purchase over: to the seller (link or Web Service token), from
//! the seller's TXT file, and for confirmation (the validation code goes to the seller).

use domain::compra_status::{CompraEvent, CompraStatus, SellerChannel};
use domain::{Balances, Closings, CompraDraft, ValidationErrors, VerificationCode};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::confirmation::{code_hash, send_code};
use super::seller::{RegistrySeller, find_seller, razon_social_of};
use super::{
    CODE_ATTEMPTS_MAX, CODE_RESEND_WAIT_S, CODE_SENDS_MAX, CODE_VALIDITY_MIN, begin_step, finish,
    internal, store, today,
};
use crate::auth::SignedInUser;
use crate::auth::ssr::{PublicUrl, public_url, secrets};
use crate::compras::CompraView;
use crate::error::AppError;
use crate::ledger::ssr::balances_of;
use crate::notify::{self, OutgoingEmail};

/// "Gestionar URL" / "Generar Cód. WS": checks the seller and transaction data, finds the seller
/// in the registry and emails it a new link (URL) or a new temporary token (Web Service), which
/// replaces any earlier one.
pub async fn hand_to_seller(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
    via: SellerChannel,
) -> Result<CompraView, AppError> {
    let event = match via {
        SellerChannel::Url => CompraEvent::BuyerSentUrl,
        SellerChannel::WebService => CompraEvent::BuyerGeneratedWsCode,
    };
    let (mut tx, stored, state, mut draft) =
        begin_step(pool, user, buyer_id, compra_id, typed, event).await?;
    let seller = find_seller(&mut tx, buyer_id, &draft).await?;
    draft.seller.razon_social = seller.razon_social.clone();
    draft
        .validate_header(today(), &Closings::none())
        .map_err(AppError::Invalid)?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    let secret = secrets::new_secret();
    store(&mut tx, stored.compra_id, state, &draft).await?;
    sqlx::query(
        "UPDATE compras SET seller_id = $2, seller_secret_hash = $3, seller_submission_hash = NULL,
                seller_submitted_at = NULL
         WHERE compra_id = $1",
    )
    .bind(stored.compra_id)
    .bind(seller.organization_id)
    .bind(secrets::hash(&secret))
    .execute(&mut *tx)
    .await?;
    let public_url = public_url()?;
    let email = match via {
        SellerChannel::Url => link_email(&public_url, &seller, &buyer_name, &draft, &secret),
        SellerChannel::WebService => {
            ws_email(&public_url, &seller, &buyer_name, stored.compra_id, &secret)
        }
    };
    notify::enqueue_email(&mut tx, &email).await?;
    tracing::info!(compra_id = %stored.compra_id, channel = ?via, "compra enviada al vendedor");
    finish(tx, stored.compra_id, buyer_id).await
}

pub(super) fn seller_lines(seller: &RegistrySeller) -> String {
    format!("{} {}", seller.document_type, seller.document_number)
}

fn link_email(
    public_url: &PublicUrl,
    seller: &RegistrySeller,
    buyer_name: &str,
    draft: &CompraDraft,
    secret: &str,
) -> OutgoingEmail {
    let url = format!("{}/venta/{secret}", public_url.0);
    let paragraphs = [
        format!(
            "{buyer_name} registra en Veta una compra de minerales a su organización (factura del \
             {}). Indique los códigos de origen, las cantidades y los valores que le vende en el \
             editor de códigos de origen y saldos para la venta.",
            draft.transaction.invoice_date
        ),
        "El enlace es personal: sirve hasta que envíe los datos o la transacción venza. No lo \
         reenvíe."
            .to_owned(),
    ];
    let (text, html) = notify::notification(
        &seller.razon_social,
        &[&seller_lines(seller)],
        &paragraphs,
        Some(("Gestionar la venta", &url)),
        OffsetDateTime::now_utc(),
    );
    OutgoingEmail {
        to: seller.contact_email.clone(),
        to_name: Some(seller.razon_social.clone()),
        subject: format!("{buyer_name} le solicita los datos de una venta de minerales"),
        text,
        html,
        attachment: None,
    }
}

/// The Web Service's address for one purchase.
pub fn ws_endpoint(public_url: &PublicUrl, compra_id: Uuid) -> String {
    format!(
        "{}/api/ws/v1/transacciones/{compra_id}/detalle",
        public_url.0
    )
}

fn ws_email(
    public_url: &PublicUrl,
    seller: &RegistrySeller,
    buyer_name: &str,
    compra_id: Uuid,
    secret: &str,
) -> OutgoingEmail {
    let paragraphs = [
        format!(
            "{buyer_name} registra en Veta una compra de minerales a su organización. Envíe el \
             detalle desde su sistema de gestión (ERP) al Web Service:"
        ),
        format!(
            "Endpoint: {}\nTransaction_id: {compra_id}\nToken temporal: {secret}",
            ws_endpoint(public_url, compra_id)
        ),
        format!(
            "Envíe un POST con el encabezado «Authorization: Bearer <token temporal>» y el detalle \
             en JSON, como lo describe {}/api/ws/v1/openapi.json. El token sirve solo para esta \
             transacción, hasta que la transacción venza.",
            public_url.0
        ),
    ];
    let (text, html) = notify::notification(
        &seller.razon_social,
        &[&seller_lines(seller)],
        &paragraphs,
        None,
        OffsetDateTime::now_utc(),
    );
    OutgoingEmail {
        to: seller.contact_email.clone(),
        to_name: Some(seller.razon_social.clone()),
        subject: format!("Código WS de una compra de {buyer_name}"),
        text,
        html,
        attachment: None,
    }
}

/// "Cargar archivo (.TXT)": the seller's balances file with the quantities to sell becomes the
/// purchase's lines. Errors point at the file's line and column (field `txt`).
pub async fn upload_txt(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
    txt: &str,
) -> Result<CompraView, AppError> {
    let currency = domain::Currency::parse(&typed.transaction.currency).map_err(|error| {
        AppError::Invalid(ValidationErrors::one(
            "transaction.currency",
            "Moneda",
            &error,
        ))
    })?;
    let file = domain::balances_txt::parse_balances_txt(txt.as_bytes(), currency)
        .map_err(|error| AppError::Invalid(crate::compras::txt_errors(&error)))?;
    let (mut tx, stored, state, mut draft) = begin_step(
        pool,
        user,
        buyer_id,
        compra_id,
        typed,
        CompraEvent::BuyerUploadedTxt,
    )
    .await?;
    draft.lines = file.to_line_drafts();
    if draft.lines.is_empty() {
        return Err(AppError::Invalid(ValidationErrors::one(
            "txt",
            "Archivo .TXT",
            &domain::AllocationError::Empty,
        )));
    }
    store(&mut tx, stored.compra_id, state, &draft).await?;
    finish(tx, stored.compra_id, buyer_id).await
}

/// The seller's balances, as a `Balances` to check a sale against.
async fn seller_balances(conn: &mut PgConnection, seller_id: Uuid) -> Result<Balances, AppError> {
    Balances::try_from(balances_of(conn, seller_id).await?).map_err(internal)
}

/// Every rule of a complete purchase: the form's, then the seller's balances.
/// Reads the balances on the step's own connection: a second connection taken from the pool while
/// the step holds one would starve the pool when as many steps run at once as it has connections.
pub(super) async fn validate_complete(
    conn: &mut PgConnection,
    draft: &CompraDraft,
    seller_id: Uuid,
) -> Result<domain::Compra, AppError> {
    let compra = draft
        .validate(today(), &Closings::none())
        .map_err(AppError::Invalid)?;
    compra
        .check_seller_balances(&seller_balances(conn, seller_id).await?)
        .map_err(AppError::Invalid)?;
    Ok(compra)
}

/// "Enviar": the complete purchase goes for confirmation; a validation code goes to the seller by
/// email and SMS (again, with a new code, when already pending, at most once a minute).
pub async fn submit(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
) -> Result<CompraView, AppError> {
    let event = CompraEvent::BuyerSubmittedForConfirmation;
    let (mut tx, stored, state, mut draft) =
        begin_step(pool, user, buyer_id, compra_id, typed, event).await?;
    let seller = find_seller(&mut tx, buyer_id, &draft).await?;
    draft.seller.razon_social = seller.razon_social.clone();
    if stored
        .seller_id
        .is_some_and(|id| id != seller.organization_id)
    {
        return Err(internal("the seller changed after it was identified"));
    }
    validate_complete(&mut tx, &draft, seller.organization_id).await?;
    if stored.code_sends >= CODE_SENDS_MAX {
        return Err(AppError::Throttled(format!(
            "Ya se enviaron {CODE_SENDS_MAX} códigos de validación para esta transacción. \
             Regístrela de nuevo."
        )));
    }
    let usable = stored.code_hash.is_some()
        && !stored.code_expired
        && stored.code_failed_attempts < CODE_ATTEMPTS_MAX;
    let wait_s = CODE_RESEND_WAIT_S - stored.code_seconds_since_sent.unwrap_or(i64::MAX / 2);
    if stored.status == CompraStatus::PendientePorConfirmar.code() && usable && wait_s > 0 {
        return Err(AppError::Throttled(format!(
            "Ya le enviamos un código al vendedor. Espere {wait_s} segundos antes de pedir otro."
        )));
    }
    store(&mut tx, stored.compra_id, state, &draft).await?;
    let code = VerificationCode::from_random(secrets::random_u32());
    sqlx::query(
        "UPDATE compras SET seller_id = $2, code_hash = $3, code_failed_attempts = 0,
                code_sends = code_sends + 1, code_sent_at = now(),
                code_expires_at = now() + make_interval(mins => $4)
         WHERE compra_id = $1",
    )
    .bind(stored.compra_id)
    .bind(seller.organization_id)
    .bind(code_hash(stored.compra_id, &code))
    .bind(CODE_VALIDITY_MIN)
    .execute(&mut *tx)
    .await?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    send_code(&mut tx, stored.compra_id, &seller, &buyer_name, &code).await?;
    finish(tx, stored.compra_id, buyer_id).await
}
