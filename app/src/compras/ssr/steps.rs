//! The buyer's steps that hand the purchase over: to the seller (link or Web Service token), from
//! the seller's TXT file, and for confirmation (the validation code goes to the seller).

use domain::compra::SellerType;
use domain::compra_status::{CompraEvent, SellerChannel};
use domain::limits::{
    BALANCE_REFUSALS_PER_BUYER_SELLER, PURCHASES_PER_BUYER_SELLER,
    WRONG_PURCHASE_CODES_PER_BUYER_SELLER, WRONG_PURCHASE_CODES_PER_SELLER,
};
use domain::{BalanceReader, Balances, Closings, CompraDraft, ValidationErrors, VerificationCode};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::confirmation::{code_hash, send_code};
use super::seller::{RegistrySeller, find_seller, razon_social_of};
use super::{PURPOSE, Stored, begin_step, finish, internal, pair_subject, store, today};
use crate::auth::SignedInUser;
use crate::auth::ssr::{PublicUrl, code_key, public_url, secrets};
use crate::compras::CompraView;
use crate::error::AppError;
use crate::ledger::ssr::balances_of;
use crate::limits;
use crate::notify::{self, OutgoingEmail};

/// "Gestionar URL" / "Generar Cód. WS": checks the seller and transaction data, finds the seller
/// in the registry and emails it a new link (URL) or a new temporary token (Web Service), which
/// replaces any earlier one, with a single-use link to decline the purchase.
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
    count_new_purchase(&mut tx, &stored, buyer_id, &seller).await?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    let secret = secrets::new_secret();
    let decline_secret = secrets::new_secret();
    store(&mut tx, stored.compra_id, state, &draft).await?;
    sqlx::query(
        "UPDATE compras SET seller_id = $2, seller_secret_hash = $3, seller_submission_hash = NULL,
                seller_submitted_at = NULL, seller_decline_hash = $4
         WHERE compra_id = $1",
    )
    .bind(stored.compra_id)
    .bind(seller.organization_id)
    .bind(secrets::hash(&secret))
    .bind(secrets::hash(&decline_secret))
    .execute(&mut *tx)
    .await?;
    let public_url = public_url()?;
    let letter = SellerLetter {
        public_url: &public_url,
        seller: &seller,
        buyer_name: &buyer_name,
        decline_secret: &decline_secret,
    };
    let email = match via {
        SellerChannel::Url => letter.link_email(&draft, &secret),
        SellerChannel::WebService => letter.ws_email(stored.compra_id, &secret),
    }
    .ok_or_else(|| internal("a seller with balances here has an email"))?;
    let secrets = notify::Secrets {
        values: vec![&secret, &decline_secret],
        valid_minutes: super::vigencia().minutes,
    };
    notify::enqueue_secret_email(&mut tx, &email, Some(&secrets)).await?;
    tracing::info!(compra_id = %stored.compra_id, channel = ?via, "compra enviada al vendedor");
    finish(tx, stored.compra_id, buyer_id).await
}

/// The first time a purchase reaches its seller it counts against the purchases one buyer may
/// hand one seller a day (each is an email or an SMS to the seller).
async fn count_new_purchase(
    conn: &mut PgConnection,
    stored: &Stored,
    buyer_id: Uuid,
    seller: &RegistrySeller,
) -> Result<(), AppError> {
    if stored.seller_id.is_none() {
        let pair = pair_subject(buyer_id, seller.organization_id);
        let compra = stored.compra_id.to_string();
        limits::attempt(conn, &PURCHASES_PER_BUYER_SELLER, &pair, Some(&compra)).await?;
    }
    Ok(())
}

pub(super) fn seller_lines(seller: &RegistrySeller) -> String {
    format!("{} {}", seller.document_type, seller.document_number)
}

/// What the seller's emails of a purchase share: where they point and who they name. Every one
/// carries the single-use link to decline the purchase.
pub(super) struct SellerLetter<'a> {
    pub public_url: &'a PublicUrl,
    pub seller: &'a RegistrySeller,
    pub buyer_name: &'a str,
    pub decline_secret: &'a str,
}

impl SellerLetter<'_> {
    /// The paragraph with the link to decline ("No reconozco esta compra").
    pub fn decline_paragraph(&self) -> String {
        format!(
            "Si no reconoce esta compra o no la acordó, recházela aquí (el enlace sirve una sola \
             vez): {}/venta/rechazar/{}",
            self.public_url.0, self.decline_secret
        )
    }

    /// An email to the seller's registered contact (none for a miner of the registry without
    /// email: the SMS carries what it must know).
    pub fn email(
        &self,
        subject: String,
        paragraphs: &[String],
        action: Option<(&str, &str)>,
    ) -> Option<OutgoingEmail> {
        let to = self.seller.contact_email.as_deref()?;
        Some(
            notify::Notice {
                to,
                name: &self.seller.razon_social,
                recipient_lines: &[&seller_lines(self.seller)],
                subject,
                paragraphs,
                action,
            }
            .email(),
        )
    }

    fn link_email(&self, draft: &CompraDraft, secret: &str) -> Option<OutgoingEmail> {
        let url = format!("{}/venta/{secret}", self.public_url.0);
        let paragraphs = [
            format!(
                "{} registra en Veta una compra de minerales a su organización (factura del \
                 {}). Indique los códigos de origen, las cantidades y los valores que le vende en el \
                 editor de códigos de origen y saldos para la venta.",
                self.buyer_name, draft.transaction.invoice_date
            ),
            "El enlace es personal: sirve hasta que envíe los datos o la transacción venza. No lo \
             reenvíe."
                .to_owned(),
            self.decline_paragraph(),
        ];
        self.email(
            format!(
                "{} le solicita los datos de una venta de minerales",
                self.buyer_name
            ),
            &paragraphs,
            Some(("Gestionar la venta", &url)),
        )
    }

    fn ws_email(&self, compra_id: Uuid, secret: &str) -> Option<OutgoingEmail> {
        let paragraphs = [
            format!(
                "{} registra en Veta una compra de minerales a su organización. Envíe el \
                 detalle desde su sistema de gestión (ERP) al Web Service:",
                self.buyer_name
            ),
            format!(
                "Endpoint: {}\nTransaction_id: {compra_id}\nToken temporal: {secret}",
                ws_endpoint(self.public_url, compra_id)
            ),
            format!(
                "Envíe un POST con el encabezado «Authorization: Bearer <token temporal>» y el detalle \
                 en JSON, como lo describe {}/api/ws/v1/openapi.json. El token sirve solo para esta \
                 transacción, hasta que la transacción venza.",
                self.public_url.0
            ),
            self.decline_paragraph(),
        ];
        self.email(
            format!("Código WS de una compra de {}", self.buyer_name),
            &paragraphs,
            None,
        )
    }
}

/// The Web Service's address for one purchase.
pub fn ws_endpoint(public_url: &PublicUrl, compra_id: Uuid) -> String {
    format!(
        "{}/api/ws/v1/transacciones/{compra_id}/detalle",
        public_url.0
    )
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

/// Every rule of a complete purchase: the form's, then the seller's balances, with a refusal
/// worded for `reader` (the buyer never learns the seller's balances).
/// Reads the balances on the step's own connection: a second connection taken from the pool while
/// the step holds one would starve the pool when as many steps run at once as it has connections.
pub(super) async fn validate_complete(
    conn: &mut PgConnection,
    draft: &CompraDraft,
    seller_id: Uuid,
    reader: BalanceReader,
) -> Result<domain::Compra, AppError> {
    let compra = draft
        .validate(today(), &Closings::none())
        .map_err(AppError::Invalid)?;
    compra
        .check_seller_balances(&seller_balances(conn, seller_id).await?, reader)
        .map_err(AppError::Invalid)?;
    Ok(compra)
}

/// Whether a refusal is about the seller's balance (which the buyer may not probe at will).
fn is_balance_refusal(error: &AppError) -> bool {
    error
        .field_errors()
        .is_some_and(|errors| errors.has_code(domain::balance::INSUFFICIENT_BALANCE))
}

/// "Enviar": the complete purchase goes for confirmation; a validation code goes to the seller by
/// email and SMS, stating what it approves (again, with a new code, when already pending, at most
/// once a minute). Refused while the pair or the seller is blocked for wrong codes, and after too
/// many refusals for the seller's balance (which would otherwise let a buyer find it by trying).
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
    let seller_id = seller.organization_id;
    let pair = pair_subject(buyer_id, seller_id);
    limits::check_all(
        &mut tx,
        &[
            (&WRONG_PURCHASE_CODES_PER_BUYER_SELLER, &pair),
            (&WRONG_PURCHASE_CODES_PER_SELLER, &seller_id.to_string()),
            (&BALANCE_REFUSALS_PER_BUYER_SELLER, &pair),
        ],
    )
    .await?;
    PURPOSE
        .check_resend(stored.issued().as_ref())
        .map_err(AppError::from)?;
    let compra = if stored.seller_type()? == SellerType::MineroSubsistencia {
        // A miner holds no balances here: its cupos are the bound (checked again, under its
        // lock, at confirmation).
        let compra = draft
            .validate(today(), &Closings::none())
            .map_err(AppError::Invalid)?;
        super::subsistence::check(&mut tx, seller_id, &compra, false).await?;
        compra
    } else {
        match validate_complete(&mut tx, &draft, seller_id, BalanceReader::Buyer).await {
            Ok(compra) => compra,
            Err(refusal) if is_balance_refusal(&refusal) => {
                // Counted in a transaction of its own: the step's is undone.
                tx.rollback().await?;
                let mut tx = pool.begin().await?;
                limits::record(&mut tx, &BALANCE_REFUSALS_PER_BUYER_SELLER, &pair, None).await?;
                tx.commit().await?;
                return Err(refusal);
            }
            Err(refusal) => return Err(refusal),
        }
    };
    count_new_purchase(&mut tx, &stored, buyer_id, &seller).await?;
    store(&mut tx, stored.compra_id, state, &draft).await?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    let consent = compra.consent(&buyer_name);
    let code = VerificationCode::from_random(secrets::random_u64());
    let decline_secret = secrets::new_secret();
    sqlx::query(
        "UPDATE compras SET seller_id = $2, code_hash = $3, code_consent_digest = $4,
                code_failed_attempts = 0, code_sends = code_sends + 1, code_sent_at = now(),
                code_expires_at = now() + make_interval(mins => $5), seller_decline_hash = $6
         WHERE compra_id = $1",
    )
    .bind(stored.compra_id)
    .bind(seller_id)
    .bind(code_hash(&code_key()?, stored.compra_id, &code))
    .bind(consent.digest(buyer_id, seller_id).as_bytes().to_vec())
    .bind(PURPOSE.policy().validity_minutes)
    .bind(secrets::hash(&decline_secret))
    .execute(&mut *tx)
    .await?;
    let public_url = public_url()?;
    let letter = SellerLetter {
        public_url: &public_url,
        seller: &seller,
        buyer_name: &buyer_name,
        decline_secret: &decline_secret,
    };
    send_code(&mut tx, stored.compra_id, &letter, &consent, &code).await?;
    finish(tx, stored.compra_id, buyer_id).await
}
