//! One policy for every one-time code: the second factor of a sign-in, the seller's validation
//! code of a purchase, and the codes that prove an organisation's contact email and mobile.
//!
//! A code is valid for a while, accepts a few wrong tries, may be sent again after a wait and only
//! so many times; past that the person must start over. Those rules, and the words that explain
//! them, are here once; the server stores the code (its keyed hash), counts, and asks.
//! Wrong codes are also counted across codes, per account or per seller, by the guessing limits of
//! [`crate::limits`] (a new code after five wrong ones does not give an attacker a fresh start).

use thiserror::Error;

use crate::error_code::ErrorCode;

/// What a code is for: its policy and what the person is told to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodePurpose {
    /// The second factor of a sign-in, to the user's email or mobile.
    SignIn,
    /// The seller's consent to a purchase (*código de validación de la transacción*), to the
    /// seller's contact email and mobile; the buyer types it.
    Purchase,
    /// The seller's consent to a purchase's reversal (*Reversión Compra*): same channels and
    /// bounds as a purchase's code.
    Reversal,
    /// Proof that an organisation's contact email or mobile reaches it.
    Contact,
}

/// The bounds of one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePolicy {
    /// A code is valid this long after it is sent.
    pub validity_minutes: i32,
    /// Wrong tries a code accepts; then it is void and a new one must be sent.
    pub attempts_per_code: i32,
    /// Wait between two codes while the last one is still usable.
    pub resend_wait_s: i32,
    /// Most codes for one sign-in, one purchase or one contact.
    pub sends_max: i32,
}

impl CodePurpose {
    /// The policy of this kind of code.
    pub const fn policy(self) -> CodePolicy {
        match self {
            // A sign-in is done at the screen: five minutes is enough, and short.
            Self::SignIn => CodePolicy {
                validity_minutes: 5,
                attempts_per_code: 5,
                resend_wait_s: 60,
                sends_max: 5,
            },
            // The seller reads the code out to the buyer, often by phone: fifteen minutes.
            Self::Purchase | Self::Reversal => CodePolicy {
                validity_minutes: 15,
                attempts_per_code: 5,
                resend_wait_s: 60,
                sends_max: 5,
            },
            Self::Contact => CodePolicy {
                validity_minutes: 30,
                attempts_per_code: 5,
                resend_wait_s: 60,
                sends_max: 5,
            },
        }
    }

    /// How to get a new code, said to whoever types it.
    const fn renew(self) -> &'static str {
        match self {
            Self::SignIn => "Solicite un código nuevo.",
            Self::Purchase => {
                "Envíe la transacción de nuevo para que el vendedor reciba otro código."
            }
            Self::Reversal => {
                "Solicite la reversión de nuevo para que el vendedor reciba otro código."
            }
            Self::Contact => "Pida un código nuevo.",
        }
    }

    /// What to do when no more codes can be sent.
    const fn restart(self) -> &'static str {
        match self {
            Self::SignIn => "Ingrese de nuevo con su usuario y contraseña.",
            Self::Purchase => "Registre la transacción de nuevo.",
            Self::Reversal => "Retire la solicitud de reversión y vuelva a solicitarla.",
            Self::Contact => "Intente mañana o escriba a soporte.",
        }
    }

    /// Whether the code stored may be checked now: it exists, is not spent and not expired.
    /// Called before the typed code is compared, so a spent code is never compared.
    pub fn check_usable(self, code: &IssuedCode) -> Result<(), CodeRefusal> {
        let policy = self.policy();
        if code.failed_attempts >= policy.attempts_per_code {
            return Err(CodeRefusal::Exhausted {
                attempts: policy.attempts_per_code,
                renew: self.renew(),
            });
        }
        if code.expired {
            return Err(CodeRefusal::Expired {
                validity_minutes: policy.validity_minutes,
                renew: self.renew(),
            });
        }
        Ok(())
    }

    /// The refusal of a wrong code, after it was counted (`failed_attempts` includes it).
    pub fn wrong(self, failed_attempts: i32) -> CodeRefusal {
        let policy = self.policy();
        let left = policy.attempts_per_code - failed_attempts;
        if left > 0 {
            CodeRefusal::Wrong { left }
        } else {
            CodeRefusal::WrongAndExhausted {
                attempts: policy.attempts_per_code,
                renew: self.renew(),
            }
        }
    }

    /// Whether a new code may be sent, given the last one (none yet: always). The wait applies
    /// only while the last code can still be used: a spent or expired one is replaced at once.
    pub fn check_resend(self, last: Option<&IssuedCode>) -> Result<(), CodeRefusal> {
        let Some(last) = last else {
            return Ok(());
        };
        let policy = self.policy();
        if last.sends >= policy.sends_max {
            return Err(CodeRefusal::SendsExhausted {
                sends_max: policy.sends_max,
                restart: self.restart(),
            });
        }
        let usable = self.check_usable(last).is_ok();
        let wait_s = i64::from(policy.resend_wait_s) - last.seconds_since_sent;
        if usable && wait_s > 0 {
            return Err(CodeRefusal::ResendTooSoon { wait_s });
        }
        Ok(())
    }
}

/// A code as its row stores it (the code itself is never needed to decide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedCode {
    pub expired: bool,
    /// Wrong tries against this code.
    pub failed_attempts: i32,
    /// Codes sent so far, this one included.
    pub sends: i32,
    pub seconds_since_sent: i64,
}

/// Why a code was not accepted, or not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CodeRefusal {
    #[error("El código venció ({validity_minutes} minutos). {renew}")]
    Expired {
        validity_minutes: i32,
        renew: &'static str,
    },
    #[error("Superó los {attempts} intentos con este código. {renew}")]
    Exhausted { attempts: i32, renew: &'static str },
    #[error("Código incorrecto. Le quedan {left} intento(s).")]
    Wrong { left: i32 },
    #[error("Código incorrecto. Superó los {attempts} intentos. {renew}")]
    WrongAndExhausted { attempts: i32, renew: &'static str },
    #[error("Ya se enviaron {sends_max} códigos. {restart}")]
    SendsExhausted {
        sends_max: i32,
        restart: &'static str,
    },
    #[error("Espere {wait_s} segundos antes de pedir otro código.")]
    ResendTooSoon { wait_s: i64 },
}

impl CodeRefusal {
    /// Too many tries or sends (HTTP 429) rather than a plain refusal.
    pub fn is_throttle(&self) -> bool {
        matches!(
            self,
            Self::Exhausted { .. } | Self::SendsExhausted { .. } | Self::ResendTooSoon { .. }
        )
    }
}

impl ErrorCode for CodeRefusal {
    fn code(&self) -> &'static str {
        match self {
            Self::Expired { .. } => "code_expired",
            Self::Exhausted { .. } => "code_exhausted",
            Self::Wrong { .. } => "code_wrong",
            Self::WrongAndExhausted { .. } => "code_wrong_exhausted",
            Self::SendsExhausted { .. } => "code_sends_exhausted",
            Self::ResendTooSoon { .. } => "code_resend_too_soon",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PURPOSES: [CodePurpose; 4] = [
        CodePurpose::SignIn,
        CodePurpose::Purchase,
        CodePurpose::Reversal,
        CodePurpose::Contact,
    ];

    fn issued(failed_attempts: i32, sends: i32, seconds_since_sent: i64) -> IssuedCode {
        IssuedCode {
            expired: false,
            failed_attempts,
            sends,
            seconds_since_sent,
        }
    }

    #[test]
    fn a_code_accepts_five_wrong_tries_then_a_new_one_is_needed() {
        let purchase = CodePurpose::Purchase;
        assert_eq!(purchase.wrong(1), CodeRefusal::Wrong { left: 4 });
        let last = purchase.wrong(5);
        assert_eq!(
            last.to_string(),
            "Código incorrecto. Superó los 5 intentos. Envíe la transacción de nuevo para que el vendedor reciba otro código."
        );
        assert!(purchase.check_usable(&issued(4, 1, 0)).is_ok());
        assert_eq!(
            purchase
                .check_usable(&issued(5, 1, 0))
                .map_err(|e| e.code()),
            Err("code_exhausted")
        );
        let expired = IssuedCode {
            expired: true,
            ..issued(0, 1, 0)
        };
        assert_eq!(
            CodePurpose::SignIn
                .check_usable(&expired)
                .map_err(|e| e.to_string()),
            Err("El código venció (5 minutos). Solicite un código nuevo.".to_owned())
        );
    }

    #[test]
    fn resending_waits_only_while_the_code_is_usable() {
        let sign_in = CodePurpose::SignIn;
        assert!(sign_in.check_resend(None).is_ok());
        assert_eq!(
            sign_in.check_resend(Some(&issued(0, 1, 10))),
            Err(CodeRefusal::ResendTooSoon { wait_s: 50 })
        );
        assert!(sign_in.check_resend(Some(&issued(0, 1, 60))).is_ok());
        // A spent code is replaced at once.
        assert!(sign_in.check_resend(Some(&issued(5, 1, 1))).is_ok());
        assert_eq!(
            sign_in
                .check_resend(Some(&issued(0, 5, 600)))
                .map_err(|e| e.to_string()),
            Err(
                "Ya se enviaron 5 códigos. Ingrese de nuevo con su usuario y contraseña."
                    .to_owned()
            )
        );
        assert!(
            sign_in
                .check_resend(Some(&issued(0, 5, 600)))
                .is_err_and(|e| e.is_throttle())
        );
    }

    proptest! {
        /// However many tries, a code is compared at most `attempts_per_code` times.
        #[test]
        fn a_code_is_never_compared_more_than_its_attempts(failed in 0i32..50, which in 0usize..3) {
            let purpose = PURPOSES[which];
            let usable = purpose.check_usable(&issued(failed, 1, 0)).is_ok();
            prop_assert_eq!(usable, failed < purpose.policy().attempts_per_code);
        }
    }
}
