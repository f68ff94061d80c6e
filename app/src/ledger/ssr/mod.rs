//! Server side of the ledger: the one posting function every balance change goes through (here),
//! the reads scoped to an organisation (`reads`), and `verify`.
//!
//! # The posting function
//!
//! [`post`] runs in the caller's transaction (in a savepoint of it, so that a refused posting
//! leaves the caller's transaction usable) and:
//!
//! 1. checks the posting without touching the database: every line is a valid movement
//!    (`domain::LedgerEntry::check_rules`: non-zero, ≤ 4 decimals, sign given by the kind), no
//!    balance twice, and a transfer (`COMPRA`) moves mineral without creating it: per origin code,
//!    mineral and unit its deltas sum to zero;
//! 2. orders the balance keys one fixed way ([`LockKey`]: organisation, code, mineral, unit, by
//!    bytes), inserts the missing balance rows with zero in that order and takes them all
//!    `FOR UPDATE` in that order, so two postings never wait for each other in a cycle;
//! 3. computes every new balance with `domain::Quantity`'s checked arithmetic, refusing the whole
//!    posting with [`LedgerError::ExceedsAvailable`] if one would go negative (never clamping);
//! 4. writes the posting, its movements and the new balances in one statement.
//!
//! The locks are held until the caller commits. The same statement queues the movements for the
//! sealer (`movements_unsealed`), which chains them once their transaction has committed.

use std::collections::BTreeMap;

use domain::closing::{Month, closings};
use domain::ledger_hash::{ChainBreak, ChainBroken, genesis_hash, verify_chain};
use domain::{
    BalanceEntry, BalanceKey, ChainedEntry, CodigoOrigen, Fecha, LedgerEntry, LedgerEntryError,
    Mineral, MovementKind, Quantity, QuantityError, SaleQuantity, Sha256Hex, Unit,
};
use rust_decimal::Decimal;
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{BalanceMismatch, ChainFault, MovementRow, VerifyReport};
use crate::error::AppError;

/// Most lines in one posting: a purchase of 10 000 lines moves each twice (seller and buyer).
pub const POSTING_LINES_MAX: usize = 2 * domain::compra::COMPRA_MAX_LINES;
/// Most movements [`movements_of`] returns (newest first).
pub const MOVEMENTS_PAGE_MAX: i64 = 1_000;
/// Movements `verify` reads per query while it walks the chain.
const VERIFY_PAGE_ROWS: i64 = 5_000;
/// A committed movement is sealed within a few hundred milliseconds; one still unsealed after this
/// long means the sealer is stopped or its queue row is missing, and `verify` says so.
pub const UNSEALED_GRACE_S: f64 = 60.0;
/// Most balance mismatches a report lists (it counts them all).
pub const VERIFY_MISMATCHES_MAX: i64 = 100;

/// Today in Colombia: the date of an operation that carries none.
pub fn today() -> Fecha {
    Fecha::from_date(
        OffsetDateTime::now_utc()
            .to_offset(crate::notify::BOGOTA)
            .date(),
    )
}

/// What a posting is. Each kind fixes which movement kinds its lines become and whether it may
/// create mineral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingKind {
    /// An origin code's initial quantity: a title holder's production, or a lot of an approved
    /// *Registro de saldos iniciales*. Creates mineral.
    SaldoInicial,
    /// A purchase: mineral moves from seller to buyer under the same origin code.
    Compra,
    /// A purchase from a subsistence miner: mineral enters the buyer's balance under the miner's
    /// origin code (the miner holds no balance here; its cupo is the bound). Creates mineral.
    CompraSubsistencia,
    /// A purchase without identified origin: mineral enters the buyer's balance apart. Creates
    /// mineral.
    CompraSinOrigen,
    /// *Reversión Compra*: mineral goes back from buyer to seller under the same origin code,
    /// compensating a `COMPRA` posting (named by [`Posting::reverses`]).
    ReversionCompra,
    /// A *transformación*: the holder's inputs go out, its outputs come in under new origin codes
    /// (the mass balance is `domain::transformation`'s, checked before).
    Transformacion,
    /// A transformation undone while its outputs are untouched: outputs out, inputs back.
    ReversionTransformacion,
}

impl PostingKind {
    /// Every kind (the database's CHECK lists the same codes; tested).
    pub const ALL: [PostingKind; 7] = [
        Self::SaldoInicial,
        Self::Compra,
        Self::CompraSubsistencia,
        Self::CompraSinOrigen,
        Self::ReversionCompra,
        Self::Transformacion,
        Self::ReversionTransformacion,
    ];

    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Self::SaldoInicial => "SALDO_INICIAL",
            Self::Compra => "COMPRA",
            Self::CompraSubsistencia => "COMPRA_SUBSISTENCIA",
            Self::CompraSinOrigen => "COMPRA_SIN_ORIGEN",
            Self::ReversionCompra => "REVERSION_COMPRA",
            Self::Transformacion => "TRANSFORMACION",
            Self::ReversionTransformacion => "REVERSION_TRANSFORMACION",
        }
    }

    /// The movement a line of this posting becomes, by the sign of its delta: (what adds, what
    /// takes). A kind that only creates mineral has no taking movement: a negative line fails the
    /// movement's sign rule. A reversal undoes each movement of the posting it compensates (the
    /// buyer's entry goes out again as `REVERSION_COMPRA_ENTRADA`, the seller's exit comes back as
    /// `REVERSION_COMPRA_SALIDA`; likewise a transformation's consumption and product).
    fn movement_kind(self, delta: Decimal) -> MovementKind {
        use MovementKind as M;
        let (adds, takes) = match self {
            Self::SaldoInicial => (M::SaldoInicial, M::SaldoInicial),
            Self::Compra => (M::CompraEntrada, M::CompraSalida),
            Self::CompraSubsistencia | Self::CompraSinOrigen => {
                (M::CompraEntrada, M::CompraEntrada)
            }
            Self::ReversionCompra => (M::ReversionCompraSalida, M::ReversionCompraEntrada),
            Self::Transformacion => (M::TransformacionProducto, M::TransformacionConsumo),
            Self::ReversionTransformacion => (
                M::ReversionTransformacionConsumo,
                M::ReversionTransformacionProducto,
            ),
        };
        if delta.is_sign_negative() {
            takes
        } else {
            adds
        }
    }

    /// Whether the posting only moves mineral between holders: per code, mineral and unit its
    /// deltas sum to zero.
    fn is_transfer(self) -> bool {
        matches!(self, Self::Compra | Self::ReversionCompra)
    }

    /// Whether the posting compensates an earlier one, which it must name.
    pub fn is_reversal(self) -> bool {
        matches!(self, Self::ReversionCompra | Self::ReversionTransformacion)
    }
}

/// One change of one balance: a signed delta (negative takes, positive gives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingLine {
    pub organization_id: Uuid,
    pub key: BalanceKey,
    pub delta: Decimal,
}

impl PostingLine {
    /// Adds `quantity` to the organisation's balance.
    pub fn credit(organization_id: Uuid, key: BalanceKey, quantity: SaleQuantity) -> Self {
        Self {
            organization_id,
            key,
            delta: quantity.value(),
        }
    }

    /// Takes `quantity` from the organisation's balance.
    pub fn debit(organization_id: Uuid, key: BalanceKey, quantity: SaleQuantity) -> Self {
        Self {
            organization_id,
            key,
            delta: -quantity.value(),
        }
    }
}

/// A set of balance changes that commit together or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub kind: PostingKind,
    /// The purchase's PTM code, or another reference of the operation (1–100 bytes; hashed).
    pub reference: String,
    pub lines: Vec<PostingLine>,
    /// The posting a reversal compensates (`None` for every other kind). A posting is reversed at
    /// most once: the database refuses a second.
    pub reverses: Option<PostingId>,
    /// The day the operation happened (a purchase's transaction date, a transformation's date);
    /// `None`: today in Colombia. A day in a month an organisation it touches has closed is
    /// refused ([`LedgerError::PeriodClosed`]).
    pub operation_date: Option<Fecha>,
}

impl Posting {
    /// An origin code's initial balance for its holder.
    pub fn saldo_inicial(
        reference: impl Into<String>,
        holder: Uuid,
        key: BalanceKey,
        quantity: SaleQuantity,
    ) -> Self {
        Self {
            kind: PostingKind::SaldoInicial,
            reference: reference.into(),
            lines: vec![PostingLine::credit(holder, key, quantity)],
            reverses: None,
            operation_date: None,
        }
    }

    /// Mineral moving between two holders, key by key: `from` gives, `to` receives (a purchase:
    /// seller to buyer; its reversal: buyer back to seller).
    pub fn transfer(
        kind: PostingKind,
        reference: impl Into<String>,
        (from, to): (Uuid, Uuid),
        transfers: &[(BalanceKey, SaleQuantity)],
    ) -> Self {
        Self {
            kind,
            reference: reference.into(),
            lines: transfers
                .iter()
                .flat_map(|(key, quantity)| {
                    [
                        PostingLine::debit(from, *key, *quantity),
                        PostingLine::credit(to, *key, *quantity),
                    ]
                })
                .collect(),
            reverses: None,
            operation_date: None,
        }
    }

    /// The same posting, dated `fecha`.
    pub fn dated(self, fecha: Fecha) -> Self {
        Self {
            operation_date: Some(fecha),
            ..self
        }
    }

    /// A purchase of one line: `quantity` of `key` from `seller` to `buyer`.
    pub fn compra(
        reference: impl Into<String>,
        seller: Uuid,
        buyer: Uuid,
        key: BalanceKey,
        quantity: SaleQuantity,
    ) -> Self {
        Self::transfer(
            PostingKind::Compra,
            reference,
            (seller, buyer),
            &[(key, quantity)],
        )
    }
}

/// The id of a written posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostingId(pub Uuid);

/// Why a posting was refused. Rule violations are named after the rule and carry a Spanish
/// message; `Database` is an infrastructure failure (logged, opaque to the user).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("La operación no tiene movimientos.")]
    Empty,
    #[error("La operación tiene {found} movimientos; el máximo es {max}.")]
    TooManyLines { max: usize, found: usize },
    #[error("Línea {line}: {source}")]
    InvalidLine {
        /// 1-based.
        line: usize,
        source: LedgerEntryError,
    },
    #[error(
        "El saldo de {mineral} ({unit}) con el código de origen {codigo_origen} de una misma organización aparece más de una vez en la operación."
    )]
    DuplicateBalance {
        codigo_origen: CodigoOrigen,
        mineral: Mineral,
        unit: Unit,
    },
    #[error(
        "Una compra solo traslada mineral: los movimientos de {mineral} ({unit}) con el código de origen {codigo_origen} deben sumar cero y suman {sum}."
    )]
    Unbalanced {
        codigo_origen: CodigoOrigen,
        mineral: Mineral,
        unit: Unit,
        sum: Decimal,
    },
    #[error("El código de origen {codigo_origen} no existe.")]
    UnknownCodigoOrigen { codigo_origen: CodigoOrigen },
    #[error(
        "La venta de {requested} {unit} de {mineral} con el código de origen {codigo_origen} supera el disponible ({available} {unit})."
    )]
    ExceedsAvailable {
        codigo_origen: CodigoOrigen,
        mineral: Mineral,
        unit: Unit,
        available: Quantity,
        requested: Quantity,
    },
    #[error(
        "El saldo de {mineral} ({unit}) con el código de origen {codigo_origen} superaría el máximo admitido."
    )]
    AboveMaximum {
        codigo_origen: CodigoOrigen,
        mineral: Mineral,
        unit: Unit,
    },
    #[error(
        "La operación es del {fecha}, en un periodo cerrado: {organization} cerró sus saldos hasta el {closed_through}. Use una fecha posterior al cierre."
    )]
    PeriodClosed {
        /// The razón social of the organisation whose closing refuses it.
        organization: String,
        fecha: Fecha,
        closed_through: Fecha,
    },
    #[error("error de la base de datos en el libro de saldos: {0}")]
    Database(#[from] sqlx::Error),
}

impl domain::ErrorCode for LedgerError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "posting_empty",
            Self::TooManyLines { .. } => "posting_too_many_lines",
            Self::InvalidLine { .. } => "posting_invalid_line",
            Self::DuplicateBalance { .. } => "posting_duplicate_balance",
            Self::Unbalanced { .. } => "posting_unbalanced",
            Self::UnknownCodigoOrigen { .. } => "codigo_origen_unknown",
            Self::ExceedsAvailable { .. } => "exceeds_available",
            Self::AboveMaximum { .. } => "balance_above_maximum",
            Self::PeriodClosed { .. } => "period_closed",
            Self::Database(_) => "internal",
        }
    }
}

impl From<LedgerError> for AppError {
    fn from(error: LedgerError) -> Self {
        match error {
            LedgerError::Database(error) => error.into(),
            rule => AppError::rule(&rule),
        }
    }
}

/// The one order every posting locks balances in: organisation id, then code, mineral name and
/// unit code, all compared as bytes (the order of `COLLATE "C"`). Any fixed total order prevents
/// deadlocks; this one is also the order of the arrays sent to PostgreSQL, which locks the rows in
/// the order of their position in those arrays.
type LockKey = (Uuid, String, &'static str, &'static str);

fn lock_key(organization_id: Uuid, key: &BalanceKey) -> LockKey {
    (
        organization_id,
        key.codigo_origen.to_string(),
        key.mineral.name(),
        key.unit.code(),
    )
}

/// A checked line, in lock order.
struct CheckedLine {
    key: BalanceKey,
    delta: Decimal,
    magnitude: Quantity,
    kind: MovementKind,
}

/// Step 1: the rules a posting must follow before the database is touched.
fn check(posting: &Posting) -> Result<BTreeMap<LockKey, CheckedLine>, LedgerError> {
    assert_eq!(
        posting.kind.is_reversal(),
        posting.reverses.is_some(),
        "a reversal names the posting it compensates, and only a reversal does"
    );
    if posting.lines.is_empty() {
        return Err(LedgerError::Empty);
    }
    if posting.lines.len() > POSTING_LINES_MAX {
        return Err(LedgerError::TooManyLines {
            max: POSTING_LINES_MAX,
            found: posting.lines.len(),
        });
    }
    let mut lines = BTreeMap::new();
    let mut transfer_sums: BTreeMap<BalanceKey, Decimal> = BTreeMap::new();
    for (index, line) in posting.lines.iter().enumerate() {
        let kind = posting.kind.movement_kind(line.delta);
        let invalid = |source| LedgerError::InvalidLine {
            line: index + 1,
            source,
        };
        // The rules of a movement are domain's; the other fields do not matter to them.
        LedgerEntry {
            movement_id: Uuid::nil(),
            sequence: 1,
            organisation_id: line.organization_id,
            codigo_origen: line.key.codigo_origen,
            mineral: line.key.mineral,
            unit: line.key.unit,
            quantity_delta: line.delta,
            kind,
            transaction_ref: posting.reference.clone(),
            recorded_at_unix_micros: 0,
        }
        .check_rules()
        .map_err(invalid)?;
        let magnitude = Quantity::new(line.delta.abs()).map_err(|error| match error {
            QuantityError::TooManyDecimals { max, found } => {
                invalid(LedgerEntryError::TooManyDecimals { max, found })
            }
            _ => LedgerError::AboveMaximum {
                codigo_origen: line.key.codigo_origen,
                mineral: line.key.mineral,
                unit: line.key.unit,
            },
        })?;
        let checked = CheckedLine {
            key: line.key,
            delta: line.delta,
            magnitude,
            kind,
        };
        if lines
            .insert(lock_key(line.organization_id, &line.key), checked)
            .is_some()
        {
            return Err(LedgerError::DuplicateBalance {
                codigo_origen: line.key.codigo_origen,
                mineral: line.key.mineral,
                unit: line.key.unit,
            });
        }
        if posting.kind.is_transfer() {
            let sum = transfer_sums.entry(line.key).or_default();
            // Each delta is at most QUANTITY_MAX and there are at most POSTING_LINES_MAX of them:
            // far inside Decimal's range, so this cannot overflow.
            *sum += line.delta;
        }
    }
    if let Some((key, sum)) = transfer_sums.into_iter().find(|(_, sum)| !sum.is_zero()) {
        return Err(LedgerError::Unbalanced {
            codigo_origen: key.codigo_origen,
            mineral: key.mineral,
            unit: key.unit,
            sum: sum.normalize(),
        });
    }
    Ok(lines)
}

/// Posts a set of balance changes atomically (see the module documentation): the only way any
/// balance changes. Runs in a savepoint of the caller's transaction (or its own transaction when
/// there is none); the caller commits.
pub async fn post(conn: &mut PgConnection, posting: &Posting) -> Result<PostingId, LedgerError> {
    let lines = check(posting)?;
    let mut tx = conn.begin().await?;
    match write(&mut tx, posting, &lines).await {
        Ok(posting_id) => {
            tx.commit().await?;
            Ok(posting_id)
        }
        Err(error) => {
            // Undone at once rather than on drop (which waits for the connection's next use), so
            // that the locks of a refused posting without an outer transaction are freed now.
            tx.rollback().await?;
            Err(error)
        }
    }
}

/// Takes an organisation's closings lock alone, for the rest of the transaction. Every posting
/// holds it shared for each organisation it touches (in [`write`]): a month is never closed while a
/// posting of the organisation is in flight, and a posting always sees the closings committed
/// before it.
pub async fn lock_closings(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('cierre/' || $1::text, 0))")
        .bind(organization_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Refuses a posting dated in a month one of the organisations it touches has closed. Read after
/// the closings' shared locks are held: a closing committed before is seen, none commits during.
async fn check_open(
    tx: &mut PgConnection,
    posting: &Posting,
    organizations: &[Uuid],
) -> Result<(), LedgerError> {
    let fecha = posting.operation_date.unwrap_or_else(today);
    let closed: Vec<(String, time::Date)> = sqlx::query_as(
        "SELECT o.razon_social, max(c.month) FROM organization_closings c
         JOIN organizations o ON o.organization_id = c.organization_id
         WHERE c.organization_id = ANY($1) GROUP BY o.razon_social",
    )
    .bind(organizations)
    .fetch_all(&mut *tx)
    .await?;
    for (organization, month) in closed {
        let month = Month::of(Fecha::from_date(month));
        if let Err(domain::FechaError::InClosedPeriod { closed_through, .. }) =
            closings(Some(month)).check_open(fecha)
        {
            return Err(LedgerError::PeriodClosed {
                organization,
                fecha,
                closed_through,
            });
        }
    }
    Ok(())
}

/// Steps 2 to 4 of [`post`], inside its savepoint.
async fn write(
    tx: &mut PgConnection,
    posting: &Posting,
    lines: &BTreeMap<LockKey, CheckedLine>,
) -> Result<PostingId, LedgerError> {
    // Step 2: the balance rows, created when missing and locked, both in lock order. Keys whose
    // origin code was never issued are left out here and reported below.
    let organizations: Vec<Uuid> = lines.keys().map(|k| k.0).collect();
    let mut touched = organizations.clone();
    touched.dedup();
    sqlx::query(
        "SELECT pg_advisory_xact_lock_shared(hashtextextended('cierre/' || o::text, 0))
         FROM UNNEST($1::uuid[]) AS o",
    )
    .bind(&touched)
    .execute(&mut *tx)
    .await?;
    check_open(tx, posting, &touched).await?;
    let codes: Vec<String> = lines.keys().map(|k| k.1.clone()).collect();
    let minerals: Vec<&str> = lines.keys().map(|k| k.2).collect();
    let units: Vec<&str> = lines.keys().map(|k| k.3).collect();
    sqlx::query(
        "INSERT INTO balances (organization_id, codigo_origen, mineral, unit, quantity)
         SELECT k.o, k.c, k.m, k.u, 0
         FROM UNNEST($1::uuid[], $2::char(8)[], $3::text[], $4::text[]) WITH ORDINALITY AS k(o, c, m, u, n)
         WHERE EXISTS (SELECT 1 FROM origin_codes oc WHERE oc.codigo_origen = k.c)
         ORDER BY k.n
         ON CONFLICT DO NOTHING",
    )
    .bind(&organizations)
    .bind(&codes)
    .bind(&minerals)
    .bind(&units)
    .execute(&mut *tx)
    .await?;
    let locked: Vec<(i64, Decimal)> = sqlx::query_as(
        "SELECT k.n, b.quantity
         FROM UNNEST($1::uuid[], $2::char(8)[], $3::text[], $4::text[]) WITH ORDINALITY AS k(o, c, m, u, n)
         JOIN balances b ON (b.organization_id, b.codigo_origen, b.mineral, b.unit) = (k.o, k.c, k.m, k.u)
         ORDER BY k.n
         FOR UPDATE OF b",
    )
    .bind(&organizations)
    .bind(&codes)
    .bind(&minerals)
    .bind(&units)
    .fetch_all(&mut *tx)
    .await?;

    // Step 3: the new balances, with domain's checked arithmetic.
    let mut available = vec![None; lines.len()];
    for (position, quantity) in locked {
        let slot = usize::try_from(position - 1)
            .ok()
            .and_then(|index| available.get_mut(index));
        if let Some(slot) = slot {
            *slot = Some(quantity);
        }
    }
    let mut new_quantities = Vec::with_capacity(lines.len());
    for (line, stored) in lines.values().zip(available) {
        let BalanceKey {
            codigo_origen,
            mineral,
            unit,
        } = line.key;
        let Some(stored) = stored else {
            return Err(LedgerError::UnknownCodigoOrigen { codigo_origen });
        };
        // The CHECK constraint and NUMERIC(16,4) keep stored balances valid quantities.
        let current = Quantity::new(stored).map_err(|error| {
            LedgerError::Database(sqlx::Error::Decode(
                format!("saldo guardado inválido ({stored}): {error}").into(),
            ))
        })?;
        let new = if line.delta.is_sign_positive() {
            current
                .checked_add(line.magnitude)
                .map_err(|_| LedgerError::AboveMaximum {
                    codigo_origen,
                    mineral,
                    unit,
                })?
        } else {
            current
                .checked_sub(line.magnitude)
                .map_err(|_| LedgerError::ExceedsAvailable {
                    codigo_origen,
                    mineral,
                    unit,
                    available: current,
                    requested: line.magnitude,
                })?
        };
        new_quantities.push(new.value());
    }

    // Step 4: the posting, its movements and the balances, in one statement (one round trip).
    let posting_id = Uuid::new_v4();
    let movement_ids: Vec<Uuid> = lines.keys().map(|_| Uuid::new_v4()).collect();
    let deltas: Vec<Decimal> = lines.values().map(|l| l.delta).collect();
    let kinds: Vec<&str> = lines.values().map(|l| l.kind.code()).collect();
    let updated = sqlx::query(
        "WITH posting AS (
             INSERT INTO ledger_postings (posting_id, kind, reference, reverses_posting_id,
                                          operation_date)
             VALUES ($1, $2, $3, $12, $13)
         ), moved AS (
             INSERT INTO movements (movement_id, posting_id, organization_id, codigo_origen, mineral, unit, delta, kind)
             SELECT x.id, $1, x.o, x.c, x.m, x.u, x.d, x.k
             FROM UNNEST($4::uuid[], $5::uuid[], $6::char(8)[], $7::text[], $8::text[], $9::numeric[], $10::text[])
                  WITH ORDINALITY AS x(id, o, c, m, u, d, k, n)
             ORDER BY x.n
             RETURNING sequence
         ), queued AS (
             INSERT INTO movements_unsealed (sequence) SELECT sequence FROM moved
         )
         UPDATE balances b SET quantity = v.q, updated_at = now()
         FROM UNNEST($5::uuid[], $6::char(8)[], $7::text[], $8::text[], $11::numeric[]) AS v(o, c, m, u, q)
         WHERE (b.organization_id, b.codigo_origen, b.mineral, b.unit) = (v.o, v.c, v.m, v.u)",
    )
    .bind(posting_id)
    .bind(posting.kind.code())
    .bind(&posting.reference)
    .bind(&movement_ids)
    .bind(&organizations)
    .bind(&codes)
    .bind(&minerals)
    .bind(&units)
    .bind(&deltas)
    .bind(&kinds)
    .bind(&new_quantities)
    .bind(posting.reverses.map(|id| id.0))
    .bind(posting.operation_date.unwrap_or_else(today).date())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Every row was locked above, so every row is updated: anything else is a bug.
    assert_eq!(
        usize::try_from(updated).ok(),
        Some(lines.len()),
        "every locked balance is updated"
    );
    Ok(PostingId(posting_id))
}

mod reads;
mod verify;

pub use reads::*;
pub use verify::*;
