//! The outbound HTTPS clients' TLS configuration, built once per process and shared.
//!
//! Trusted roots: Mozilla's, compiled in (`webpki-roots`), the roots reqwest used by default
//! before 0.13. Reading the system's store instead costs every cold start 3–6 ms of CPU
//! (`cargo xtask bench`: rustls-native-certs opens the bundle and each file beside it, 146 here,
//! and parses them all), for hosts (Twilio's) that public CAs serve. A deployment whose records
//! webhook presents a private CA names its roots with `SSL_CERT_FILE` or `SSL_CERT_DIR`, and then
//! the system's store (the platform verifier) is used, as the AWS SDK uses it.
//!
//! Every client starts from [`client_builder`]: the settings reqwest would choose (its
//! aws-lc-rs provider, TLS 1.2 and 1.3, HTTP/1.1 by ALPN), made once. Each client keeps its own
//! pool, timeouts, redirect and proxy policy.

use std::sync::{Arc, OnceLock};

use rustls::{ClientConfig, RootCertStore};

/// Whether the deployment named its own roots, as OpenSSL and rustls-native-certs read them.
fn roots_configured() -> bool {
    ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// The shared configuration, or `None` when it cannot be built here (reqwest then builds its
/// own and reports what is wrong).
fn tls_config() -> Option<&'static ClientConfig> {
    static CONFIG: OnceLock<Option<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = rustls::crypto::CryptoProvider::get_default()
                .cloned()
                .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
            let builder = ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .ok()?;
            let mut config = if roots_configured() {
                let verifier = rustls_platform_verifier::Verifier::new(provider).ok()?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
                    .with_no_client_auth()
            } else {
                let roots = RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                };
                builder.with_root_certificates(roots).with_no_client_auth()
            };
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(config)
        })
        .as_ref()
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
        let first = tls_config().expect("the configuration builds");
        let second = tls_config().unwrap();
        assert!(std::ptr::eq(first, second), "built once per process");
        assert_eq!(first.alpn_protocols, [b"http/1.1".to_vec()]);
        assert!(client_builder().build().is_ok());
    }

    #[test]
    fn the_system_s_store_is_read_only_when_the_deployment_names_its_roots() {
        // SAFETY: these variables are read by `roots_configured` alone, and the shared
        // configuration verifies certificates whichever store it was built from.
        unsafe { std::env::remove_var("SSL_CERT_DIR") };
        unsafe { std::env::remove_var("SSL_CERT_FILE") };
        assert!(!roots_configured());
        unsafe { std::env::set_var("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt") };
        assert!(roots_configured());
        unsafe { std::env::set_var("SSL_CERT_FILE", "") };
        assert!(!roots_configured());
        unsafe { std::env::remove_var("SSL_CERT_FILE") };
    }
}
