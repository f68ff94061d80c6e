//! Who runs this platform. Veta is an operator (OTTM) licensed by the Agencia Nacional de Minería,
//! not the agency itself, so every page and email signs with the operator's own contact lines.

/// The operator's identity and contact lines, shown in the footer and in emails.
pub struct Operator {
    pub product: &'static str,
    pub role: &'static str,
    pub contact_lines: &'static [&'static str],
}

pub const OPERATOR: Operator = Operator {
    product: "Veta",
    role: "Operador Tecnológico de Trazabilidad de Minerales (OTTM)",
    contact_lines: &[
        "Mesa de ayuda: soporte@veta.com.co",
        "Horario de atención: lunes a viernes de 7:00 a. m. a 6:00 p. m.",
        "Veta es un operador tecnológico; no es la Agencia Nacional de Minería.",
    ],
};
