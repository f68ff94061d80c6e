//! The menu of the seed guides (left panel), as data: the panel and the pages read it, so a
//! section is named in one place.

/// One entry of the left panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// The URL path, under `/` (or `/compras/` for the purchase kinds).
    pub path: &'static str,
    /// The label of the seeds, as users know it.
    pub title: &'static str,
}

pub const SALDOS_INICIALES: Section = Section {
    path: "/saldos-iniciales",
    title: "Registro de saldos iniciales",
};

/// The kinds of purchase, in the order of the seed's menu ("Compras ▾").
pub const COMPRAS: [Section; 4] = [
    Section {
        path: "/compras/sin-identificacion-de-origen",
        title: "Registro de compra de minerales sin identificación de origen",
    },
    Section {
        path: "/compras/minero-de-subsistencia",
        title: "Minero de Subsistencia",
    },
    Section {
        path: "/compras/explotador-minero-autorizado",
        title: "Explotador Minero Autorizado",
    },
    Section {
        path: "/compras/comercializador",
        title: "Comercializador",
    },
];

/// The entries after "Compras".
pub const AFTER_COMPRAS: [Section; 6] = [
    Section {
        path: "/reversion-compra",
        title: "Reversión Compra",
    },
    Section {
        path: "/transformaciones",
        title: "Transformaciones",
    },
    Section {
        path: "/reversion-transformacion",
        title: "Reversión de Transformación",
    },
    Section {
        path: "/cierres",
        title: "Cierres",
    },
    Section {
        path: "/transacciones-en-curso",
        title: "Transacciones en curso",
    },
    Section {
        path: "/compras/historial",
        title: "Historial de compras",
    },
];

pub const REENVIAR_SALDOS: Section = Section {
    path: "/reenviar-saldos",
    title: "Reenviar saldos actualizados",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_unique() {
        let mut paths: Vec<_> = std::iter::once(SALDOS_INICIALES)
            .chain(COMPRAS)
            .chain(AFTER_COMPRAS)
            .chain(std::iter::once(REENVIAR_SALDOS))
            .map(|s| s.path)
            .collect();
        let count = paths.len();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), count);
    }
}
