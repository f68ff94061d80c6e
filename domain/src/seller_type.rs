//! Who sells: the four entries of the *Compras* menu, and what each decides — the documents its
//! seller may show, whether lines name origin codes, the channels its lines come through and the
//! kinds of organisation of the registry that sell under it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compra::CompraError;
use crate::compra_status::Channel;
use crate::document::DocumentType;
use crate::organization::OrganizationKind;
use crate::text::{echo, fold};

/// Who sells: the four entries of the *Compras* menu.
///
/// ```
/// use domain::SellerType;
/// assert_eq!(SellerType::parse("comercializador").unwrap(), SellerType::Comercializador);
/// assert!(SellerType::ExplotadorMineroAutorizado.requires_codigo_expediente());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SellerType {
    /// A mining title holder (or holder of another authorisation), identified by its expediente.
    ExplotadorMineroAutorizado,
    /// A licensed trader registered in RUCOM.
    Comercializador,
    /// A subsistence miner registered with its mayoralty.
    MineroSubsistencia,
    /// A purchase of minerals without identification of origin.
    SinIdentificacionOrigen,
}

impl SellerType {
    /// Every type, in the order of the menu.
    pub const ALL: [SellerType; 4] = [
        Self::ExplotadorMineroAutorizado,
        Self::Comercializador,
        Self::MineroSubsistencia,
        Self::SinIdentificacionOrigen,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::ExplotadorMineroAutorizado => "EXPLOTADOR_MINERO_AUTORIZADO",
            Self::Comercializador => "COMERCIALIZADOR",
            Self::MineroSubsistencia => "MINERO_SUBSISTENCIA",
            Self::SinIdentificacionOrigen => "SIN_IDENTIFICACION_ORIGEN",
        }
    }

    /// The menu's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::ExplotadorMineroAutorizado => "Explotador minero autorizado",
            Self::Comercializador => "Comercializador",
            Self::MineroSubsistencia => "Minero de subsistencia",
            Self::SinIdentificacionOrigen => "Compra de minerales sin identificación de origen",
        }
    }

    /// Reads a code or a label, ignoring case, accents, spaces and underscores.
    pub fn parse(input: &str) -> Result<Self, CompraError> {
        let key = fold(input).replace(' ', "");
        if key.is_empty() {
            return Err(CompraError::SellerTypeRequired);
        }
        Self::ALL
            .into_iter()
            .find(|t| {
                fold(t.code()).replace(' ', "") == key || fold(t.label()).replace(' ', "") == key
            })
            .ok_or_else(|| CompraError::UnknownSellerType { value: echo(input) })
    }

    /// Whether the seller must give its *código de expediente minero*.
    pub fn requires_codigo_expediente(self) -> bool {
        self == Self::ExplotadorMineroAutorizado
    }

    /// Whether lines may name the seller's origin codes (the others get new codes on posting).
    pub fn allows_codigo_origen(self) -> bool {
        matches!(
            self,
            Self::ExplotadorMineroAutorizado | Self::Comercializador
        )
    }

    /// The channels the purchase's lines may come through: a seller with balances here sends
    /// them (link, Web Service, its TXT file); for the others the buyer types them.
    pub fn channels(self) -> &'static [Channel] {
        match self {
            Self::ExplotadorMineroAutorizado | Self::Comercializador => {
                &[Channel::Txt, Channel::Url, Channel::WebService]
            }
            Self::MineroSubsistencia | Self::SinIdentificacionOrigen => &[Channel::Comprador],
        }
    }

    /// The kinds of organisation of the registry that sell under this entry of the menu (none for
    /// a purchase without identified origin: its seller need not be registered).
    pub fn registry_kinds(self) -> &'static [OrganizationKind] {
        match self {
            Self::ExplotadorMineroAutorizado => &[OrganizationKind::ExplotadorMineroAutorizado],
            Self::Comercializador => &[
                OrganizationKind::Comercializador,
                OrganizationKind::PlantaBeneficio,
            ],
            Self::MineroSubsistencia => &[OrganizationKind::MineroSubsistencia],
            Self::SinIdentificacionOrigen => &[],
        }
    }

    /// Whether this seller may be identified with this document (see the module documentation).
    pub fn allows_document_type(self, document_type: DocumentType) -> bool {
        match (self, document_type) {
            (_, DocumentType::TarjetaIdentidad) => false,
            (Self::MineroSubsistencia, t) => {
                matches!(
                    t,
                    DocumentType::CedulaCiudadania
                        | DocumentType::CedulaExtranjeria
                        | DocumentType::Ppt
                )
            }
            _ => true,
        }
    }
}

impl fmt::Display for SellerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
