//! What the current request says about its sender.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::HeaderMap;
use ipnet::IpNet;
use leptos::prelude::use_context;

use crate::error::AppError;

/// The request's headers.
pub async fn headers() -> Result<HeaderMap, AppError> {
    leptos_axum::extract::<HeaderMap>().await.map_err(|error| {
        tracing::error!(%error, "request headers");
        AppError::Internal
    })
}

/// The reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`: addresses or
/// networks, separated by commas). Without them, the TCP peer is the client: anyone may write an
/// `X-Forwarded-For`, so it is read only from a proxy the deployment names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `10.0.0.1, 10.1.0.0/16, ::1`; empty means none.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("«{part}» no es una dirección IP ni una red (p. ej. 10.0.0.0/8)")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address: the peer, unless the peer is a trusted proxy; then the nearest address
    /// of `X-Forwarded-For` (read from the right) that is not itself a trusted proxy.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for.unwrap_or_default().rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(address) => {
                    client = address;
                    if !self.trusts(address) {
                        break;
                    }
                }
                // An unreadable entry ends what can be believed.
                Err(_) => break,
            }
        }
        client
    }
}

/// The client's IP address, for throttling and the audit trail (see [`TrustedProxies`]).
pub async fn client_address() -> String {
    let Ok(ConnectInfo(peer)) = leptos_axum::extract::<ConnectInfo<SocketAddr>>().await else {
        return "desconocida".to_owned();
    };
    let proxies = use_context::<TrustedProxies>().unwrap_or_default();
    let forwarded = headers().await.ok().and_then(|headers| {
        headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    });
    proxies.client(peer.ip(), forwarded.as_deref()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.5").expect("valid");
        // A stranger's header is ignored.
        assert_eq!(
            proxies.client(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        // Through the proxy, the client is the nearest untrusted hop; a forged left part is ignored.
        assert_eq!(
            proxies.client(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.7, 10.0.0.9")),
            ip("198.51.100.7")
        );
        assert_eq!(proxies.client(ip("192.168.1.5"), None), ip("192.168.1.5"));
        assert_eq!(
            proxies.client(ip("10.0.0.2"), Some("basura")),
            ip("10.0.0.2")
        );
        assert_eq!(
            TrustedProxies::parse("").expect("none"),
            TrustedProxies::default()
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }
}
