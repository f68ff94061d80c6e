//! Every bound on how often someone may do something, in one place: the rate limits that stop
//! floods (look-ups, purchases handed to a seller, registrations) and the guessing limits that stop
//! one-time codes from being guessed. Each is a [`Limit`] with its unit in its name.
//!
//! The server counts the events in PostgreSQL (so several servers share the counts) and asks
//! [`Limit::refusal`] for the message; the rules of what a limit allows live here.
//!
//! How the numbers were chosen:
//! - **Guessing.** A one-time code has 10⁸ values ([`crate::credentials::VERIFICATION_CODE_SPACE`]).
//!   An attacker's chance to hit in a day is at most the wrong codes it may try in a day divided
//!   by 10⁸ (each try hits with probability 10⁻⁸; union bound). The product targets below 10⁻⁶ a
//!   day against one account and against one seller: [`WRONG_SIGN_IN_CODES_PER_ACCOUNT`] allows
//!   10 a day (10⁻⁷), [`WRONG_PURCHASE_CODES_PER_SELLER`] 20 a day whoever the buyers are
//!   (2 × 10⁻⁷), [`WRONG_PURCHASE_CODES_PER_BUYER_SELLER`] 10 a day for one buyer. A person who
//!   mistypes makes one or two errors; ten in a day is an attack or a broken integration, and the
//!   seller and the *Administrador OTTM* are told.
//! - **Floods.** A trader registers a handful of purchases a day with one seller and looks up a
//!   few sellers an hour; the limits sit an order of magnitude above that.

use std::fmt;

use rust_decimal::Decimal;

use crate::credentials::VERIFICATION_CODE_SPACE;

/// At most `max` events for one subject within `window_s`; the event that reaches `max` blocks
/// the subject for `block_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Stable name, as stored with each event.
    pub name: &'static str,
    /// What is being limited, as the refusal says it ("búsquedas de vendedores").
    pub what: &'static str,
    pub max: u32,
    pub window_s: u32,
    pub block_s: u32,
}

const HOUR_S: u32 = 3_600;
const DAY_S: u32 = 24 * HOUR_S;

/// "Buscar vendedor": look-ups by one user (each is recorded: it shows a razón social and masked
/// contacts).
pub const SELLER_LOOKUPS_PER_USER: Limit = Limit {
    name: "busquedas_vendedor_usuario",
    what: "búsquedas de vendedores",
    max: 60,
    window_s: HOUR_S,
    block_s: HOUR_S,
};

/// Purchases one buyer hands to one seller (each sends the seller an email or SMS).
pub const PURCHASES_PER_BUYER_SELLER: Limit = Limit {
    name: "compras_comprador_vendedor",
    what: "compras enviadas a este vendedor",
    max: 20,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Purchases refused because the seller lacks the balance: without a bound, refusals would
/// still let a buyer find a balance by trying quantities.
pub const BALANCE_REFUSALS_PER_BUYER_SELLER: Limit = Limit {
    name: "saldo_insuficiente_comprador_vendedor",
    what: "compras rechazadas por saldo insuficiente con este vendedor",
    max: 10,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Registrations from one network address.
pub const REGISTRATIONS_PER_ADDRESS: Limit = Limit {
    name: "registros_direccion",
    what: "registros desde su conexión",
    max: 10,
    window_s: HOUR_S,
    block_s: HOUR_S,
};

/// Registrations with one administrator email.
pub const REGISTRATIONS_PER_EMAIL: Limit = Limit {
    name: "registros_correo",
    what: "registros con este correo",
    max: 3,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Claims over an identity document or a title, from one network address.
pub const CLAIMS_PER_ADDRESS: Limit = Limit {
    name: "reclamaciones_direccion",
    what: "reclamaciones desde su conexión",
    max: 5,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Verification codes sent to an organisation's contact email and mobile.
pub const CONTACT_CODES_PER_ORGANIZATION: Limit = Limit {
    name: "codigos_contacto_organizacion",
    what: "códigos de verificación enviados",
    max: 10,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Wrong second-factor codes for one account: the account is locked, as wrong passwords lock it.
pub const WRONG_SIGN_IN_CODES_PER_ACCOUNT: Limit = Limit {
    name: "codigos_errados_cuenta",
    what: "códigos de ingreso errados",
    max: 10,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Wrong validation codes against one seller, from every buyer together.
pub const WRONG_PURCHASE_CODES_PER_SELLER: Limit = Limit {
    name: "codigos_errados_vendedor",
    what: "códigos de validación errados para este vendedor",
    max: 20,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Wrong validation codes from one buyer against one seller.
pub const WRONG_PURCHASE_CODES_PER_BUYER_SELLER: Limit = Limit {
    name: "codigos_errados_comprador_vendedor",
    what: "códigos de validación errados con este vendedor",
    max: 10,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Wrong codes for one organisation's contact verification.
pub const WRONG_CONTACT_CODES_PER_ORGANIZATION: Limit = Limit {
    name: "codigos_errados_contacto",
    what: "códigos de verificación errados",
    max: 10,
    window_s: DAY_S,
    block_s: DAY_S,
};

/// Every limit, for tests and documentation.
pub const ALL: [Limit; 11] = [
    SELLER_LOOKUPS_PER_USER,
    PURCHASES_PER_BUYER_SELLER,
    BALANCE_REFUSALS_PER_BUYER_SELLER,
    REGISTRATIONS_PER_ADDRESS,
    REGISTRATIONS_PER_EMAIL,
    CLAIMS_PER_ADDRESS,
    CONTACT_CODES_PER_ORGANIZATION,
    WRONG_SIGN_IN_CODES_PER_ACCOUNT,
    WRONG_PURCHASE_CODES_PER_SELLER,
    WRONG_PURCHASE_CODES_PER_BUYER_SELLER,
    WRONG_CONTACT_CODES_PER_ORGANIZATION,
];

/// The limits on wrong one-time codes: their daily hit chance is what docs/SECURITY.md states.
pub const GUESSING: [Limit; 4] = [
    WRONG_SIGN_IN_CODES_PER_ACCOUNT,
    WRONG_PURCHASE_CODES_PER_SELLER,
    WRONG_PURCHASE_CODES_PER_BUYER_SELLER,
    WRONG_CONTACT_CODES_PER_ORGANIZATION,
];

impl Limit {
    /// Most events one subject can make in any 24 hours: `max` per window, and a window shorter
    /// than a day can fill more than once (the block ends no later than the window after it).
    pub fn per_day_max(&self) -> u32 {
        let windows = DAY_S.div_ceil(self.window_s.max(self.block_s).max(1));
        self.max.saturating_mul(windows)
    }

    /// For a guessing limit: the most an attacker can hope for in a day against one subject,
    /// `per_day_max / 10⁸` (each wrong try has one chance in 10⁸ of being right).
    pub fn daily_hit_chance_bound(&self) -> Decimal {
        Decimal::from(self.per_day_max()) / Decimal::from(VERIFICATION_CODE_SPACE)
    }

    /// The refusal of a subject blocked for `retry_after_s` more seconds.
    pub fn refusal(&self, retry_after_s: i64) -> LimitReached {
        LimitReached {
            limit: *self,
            retry_after_s: retry_after_s.max(1),
        }
    }
}

/// A limit was reached: what, and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitReached {
    pub limit: Limit,
    pub retry_after_s: i64,
}

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Se alcanzó el máximo de {} {} en {}. Intente de nuevo en {}.",
            self.limit.max,
            self.limit.what,
            duration(i64::from(self.limit.window_s)),
            duration(self.retry_after_s)
        )
    }
}

impl std::error::Error for LimitReached {}

impl crate::ErrorCode for LimitReached {
    fn code(&self) -> &'static str {
        "limit_reached"
    }
}

/// A duration in words, rounded up: "1 minuto", "45 minutos", "2 horas", "24 horas".
pub fn duration(seconds: i64) -> String {
    let minutes = (seconds.max(1) + 59) / 60;
    if minutes < 60 {
        return plural(minutes, "minuto");
    }
    let hours = (minutes + 59) / 60;
    plural(hours, "hora")
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_bounds_positive() {
        let names: BTreeSet<&str> = ALL.iter().map(|l| l.name).collect();
        assert_eq!(names.len(), ALL.len());
        assert!(GUESSING.iter().all(|limit| ALL.contains(limit)));
        for limit in ALL {
            assert!(limit.max > 0 && limit.window_s > 0 && limit.block_s >= limit.window_s);
        }
    }

    #[test]
    fn guessing_a_code_stays_below_one_in_a_million_a_day() {
        let one_in_a_million = Decimal::new(1, 6);
        for limit in GUESSING {
            assert!(
                limit.daily_hit_chance_bound() < one_in_a_million,
                "{}: {}",
                limit.name,
                limit.daily_hit_chance_bound()
            );
        }
        assert_eq!(
            WRONG_PURCHASE_CODES_PER_SELLER.daily_hit_chance_bound(),
            Decimal::new(2, 7)
        );
        assert_eq!(
            WRONG_SIGN_IN_CODES_PER_ACCOUNT.daily_hit_chance_bound(),
            Decimal::new(1, 7)
        );
    }

    #[test]
    fn an_hourly_limit_allows_its_max_each_hour() {
        assert_eq!(SELLER_LOOKUPS_PER_USER.per_day_max(), 60 * 24);
        assert_eq!(PURCHASES_PER_BUYER_SELLER.per_day_max(), 20);
    }

    #[test]
    fn the_refusal_says_when_to_retry() {
        let text = PURCHASES_PER_BUYER_SELLER
            .refusal(3 * 3600 - 10)
            .to_string();
        assert_eq!(
            text,
            "Se alcanzó el máximo de 20 compras enviadas a este vendedor en 24 horas. Intente de nuevo en 3 horas."
        );
        assert_eq!(duration(0), "1 minuto");
        assert_eq!(duration(61), "2 minutos");
        assert_eq!(duration(3540), "59 minutos");
        assert_eq!(duration(3600), "1 hora");
        assert_eq!(duration(3601), "2 horas");
    }
}
