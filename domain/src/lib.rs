//! Veta's rules, once, in pure Rust shared by the browser (WASM) and the server.
//!
//! No I/O lives here: no database, no network, no clock, no random source. What a rule needs from
//! the outside world (today's date, random bytes, the closed periods) is passed in by the caller.

// --- identities, codes, places, minerals, quantities, money, the purchase, balances, ledger ---
pub mod balance;
pub mod balances_txt;
pub mod closing;
pub mod codigo_expediente;
pub mod codigo_origen;
pub mod compra;
pub mod compra_history;
pub mod divipola;
pub mod document;
pub mod error_code;
pub mod fecha;
pub mod ledger_hash;
pub mod mineral;
pub mod money;
pub mod movement_filter;
pub mod nit;
pub mod number;
pub mod ptm_transaction_code;
pub mod quantity;
pub mod razon_social;
pub mod sha256;
pub mod tax;
mod text;
pub mod unit;
pub mod validation;

pub use balance::{
    Allocation, AllocationError, AllocationErrors, AllocationLine, BalanceEntry, BalanceKey,
    BalanceReader, Balances, EditorRow, MineralTotal, apply_purchase, reverse_purchase,
};
pub use balances_txt::{BalanceRow, BalancesTxt, BalancesTxtError, TxtLineError};
pub use codigo_expediente::{CodigoExpediente, CodigoExpedienteError};
pub use codigo_origen::{CodigoOrigen, CodigoOrigenError};
pub use compra::{
    Compra, CompraDraft, CompraError, CompraLine, LineDraft, Seller, SellerDraft, SellerType,
    TaxDraft, TransactionDraft,
};
pub use divipola::{Departamento, Municipio, PlaceError};
pub use document::{DocumentNumber, DocumentNumberError, DocumentType, DocumentTypeError};
pub use error_code::ErrorCode;
pub use fecha::{Closings, Fecha, FechaError};
pub use ledger_hash::{
    ChainBreak, ChainBroken, ChainedEntry, LedgerEntry, LedgerEntryError, MovementKind,
    genesis_hash, verify_chain,
};
pub use mineral::{Mineral, MineralError, MineralGroup};
pub use money::{Currency, CurrencyError, Money, MoneyError};
pub use nit::{Nit, NitError};
pub use ptm_transaction_code::{PtmTransactionCode, PtmTransactionCodeError};
pub use quantity::{Quantity, QuantityError, SaleQuantity};
pub use razon_social::{RazonSocial, RazonSocialError};
pub use sha256::{Sha256Hex, Sha256HexError};
pub use tax::{SaleValues, Tax, TaxError, TaxKind};
pub use unit::{Dimension, Unit, UnitError};
pub use validation::{FieldError, ValidationErrors};

// --- purchase life cycle, economic capacity, subsistence caps ---
pub mod compra_reversal;
pub mod compra_status;
pub mod economic_capacity;
pub mod initial_balance;
pub mod seller_type;
pub mod sin_origen;
pub mod subsistence;
pub mod subsistence_registry;
pub mod transformation;
pub use compra_status::{CompraEvent, CompraState, CompraStatus, TransitionError};
pub use economic_capacity::{
    CapacityApplication, CapacityError, CapacityParameters, EvaluationResult,
};
pub use subsistence::{Cupo, CupoError, SubsistenceCaps, SubsistenceMineral};

// --- consent, one-time codes, limits and alerts ---
pub mod alert;
pub mod consent;
pub mod limits;
pub mod one_time_code;
pub mod sms;

// --- production report of title holders (seed 003) ---
pub mod production_report;
pub use alert::AlertKind;
pub use consent::{Consent, ConsentLine, ConsentTax};
pub use limits::{Limit, LimitReached};
pub use one_time_code::{CodePolicy, CodePurpose, CodeRefusal, IssuedCode};

// --- organisations, users and sign-in ---
pub mod approval;
pub mod contact;
pub mod credentials;
pub mod organization;
pub mod registration;
pub use approval::{
    ApprovalProgress, ApprovalStatus, ClaimDraft, ClaimStatus, EvidenceKind, MissingStep,
};
pub use contact::{EmailAddress, EmailAddressError, Mobile, MobileError};
pub use credentials::{
    LoginIdentifier, NewPassword, PasswordError, Username, UsernameError, VerificationCode,
    VerificationCodeError,
};
pub use organization::{OrganizationKind, Role, RoleError, RucomError, RucomNumber, RucomState};
pub use registration::{
    InvitationDraft, NewOrganization, NewUser, Registration, RegistrationDraft, SecondFactor,
};
