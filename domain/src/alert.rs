//! What the *Administrador OTTM* must look at: events that may be fraud, gathered in one list
//! (kind, organisations, detail, date, reviewed or not).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an alert was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertKind {
    /// A seller answered "No reconozco esta compra": someone may be buying in its name.
    CompraNoReconocida,
    /// One buyer typed too many wrong validation codes against one seller: the pair is blocked.
    CodigosErradosComprador,
    /// Too many wrong validation codes against one seller, from any buyers: its codes are blocked.
    CodigosErradosVendedor,
    /// Too many wrong sign-in codes for one account: the account is locked.
    CodigosErradosCuenta,
    /// Someone claims an identity document or a title that another registration holds.
    ReclamacionIdentidad,
    /// A transformation lost more of an element than the threshold allows (justified by the
    /// holder): for the *Auditor ANM* to check it did not hide a sale.
    PerdidaTransformacion,
    /// A title's origin codes sold more of a mineral in a month than the holder reported producing
    /// (plus the tolerance): Decreto 2234 de 2023's cross-check.
    VentasSobreProduccion,
    /// A trader's or plant's purchases of the year passed the projected amount of its economic
    /// capacity (Res. 1216 de 2025).
    ComprasSobreCapacidad,
}

impl AlertKind {
    pub const ALL: [AlertKind; 8] = [
        Self::CompraNoReconocida,
        Self::CodigosErradosComprador,
        Self::CodigosErradosVendedor,
        Self::CodigosErradosCuenta,
        Self::ReclamacionIdentidad,
        Self::PerdidaTransformacion,
        Self::VentasSobreProduccion,
        Self::ComprasSobreCapacidad,
    ];

    /// Stable code, as stored.
    pub const fn code(self) -> &'static str {
        match self {
            Self::CompraNoReconocida => "COMPRA_NO_RECONOCIDA",
            Self::CodigosErradosComprador => "CODIGOS_ERRADOS_COMPRADOR",
            Self::CodigosErradosVendedor => "CODIGOS_ERRADOS_VENDEDOR",
            Self::CodigosErradosCuenta => "CODIGOS_ERRADOS_CUENTA",
            Self::ReclamacionIdentidad => "RECLAMACION_IDENTIDAD",
            Self::PerdidaTransformacion => "PERDIDA_TRANSFORMACION",
            Self::VentasSobreProduccion => "VENTAS_SOBRE_PRODUCCION",
            Self::ComprasSobreCapacidad => "COMPRAS_SOBRE_CAPACIDAD",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::CompraNoReconocida => "Compra no reconocida por el vendedor",
            Self::CodigosErradosComprador => "Códigos de validación errados (comprador bloqueado)",
            Self::CodigosErradosVendedor => "Códigos de validación errados (vendedor bloqueado)",
            Self::CodigosErradosCuenta => "Códigos de ingreso errados (cuenta bloqueada)",
            Self::ReclamacionIdentidad => "Reclamación de documento o título",
            Self::PerdidaTransformacion => "Pérdida de una transformación sobre el umbral",
            Self::VentasSobreProduccion => {
                "Ventas de un título por encima de su producción reportada"
            }
            Self::ComprasSobreCapacidad => {
                "Compras del año por encima de la capacidad económica proyectada"
            }
        }
    }

    /// Whether the organisation the alert is about is told too (besides the *Administrador OTTM*
    /// and the *Auditor ANM*): the cross-checks are figures it should explain, not suspicions about
    /// someone else.
    pub const fn tells_the_organization(self) -> bool {
        matches!(
            self,
            Self::VentasSobreProduccion | Self::ComprasSobreCapacidad
        )
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in AlertKind::ALL {
            assert_eq!(AlertKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(AlertKind::from_code("otra"), None);
    }
}
