//! The outbound HTTPS clients' TLS configuration, built once per process and shared.
//!
//! A `reqwest` client built on its own loads and parses the system's root certificates (about
//! 2.5 ms on 2 cores, most of it base64 and PEM), and agent-api builds one client per Twilio
//! endpoint and one for the records webhook. Every client here starts from [`client_builder`]
//! instead: the same settings reqwest would choose (its aws-lc-rs provider, TLS 1.2 and 1.3, the
//! platform verifier, HTTP/1.1 by ALPN), made once. Each client keeps its own pool, timeouts,
//! redirect and proxy policy.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;

/// The shared configuration, or `None` when it cannot be built here (reqwest then builds its
/// own and reports what is wrong).
fn tls_config() -> Option<&'static ClientConfig> {
    static CONFIG: OnceLock<Option<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = rustls::crypto::CryptoProvider::get_default()
                .cloned()
                .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
            let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).ok()?;
            let mut config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .ok()?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(config)
        })
        .as_ref()
}

/// Builds the shared configuration on a thread of its own, so that reading the system's roots
/// overlaps the rest of init (the SDK's configuration, the DynamoDB warm-up's round trip). Called
/// first thing in the `main` of each function that calls Twilio; the first [`client_builder`]
/// then finds it ready, or waits for it.
pub fn prepare_in_background() {
    std::thread::spawn(|| {
        tls_config();
    });
}

/// A client builder on the process's shared TLS configuration.
pub fn client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match tls_config() {
        Some(config) => builder.tls_backend_preconfigured(config.clone()),
        None => builder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_built_once_and_verifies_certificates() {
        let first = tls_config().expect("the platform verifier loads the system's roots");
        let second = tls_config().unwrap();
        assert!(std::ptr::eq(first, second), "built once per process");
        assert_eq!(first.alpn_protocols, [b"http/1.1".to_vec()]);
        assert!(client_builder().build().is_ok());
    }
}
