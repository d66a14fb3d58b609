//! The AWS SDK's HTTP client: one for every SDK client of a process, checked once.
//!
//! Left to itself, each SDK client (`aws_sdk_sns::Client::new`, …) builds its own default HTTPS
//! client, and checks it by building a whole connector and dropping it ("validate the base
//! client config": the root certificates parsed again and a TLS configuration made), then builds
//! the real one at its first request: about 0.3 ms of CPU per client here (`perf`,
//! `cargo xtask bench`), and a connection pool per client. agent-api and notify-agent build four
//! to six clients. [`client`] is the SDK's own default (hyper, rustls with aws-lc, the proxy
//! from the environment), made once and given to the `SdkConfig`, so every client shares it: its
//! connectors are cached per timeout settings, and [`CheckedOnce`] lets the first client's check
//! through and answers the others at once (the roots are loaded for the process by then).

use std::sync::atomic::{AtomicBool, Ordering};

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;

/// The process's HTTP client for the AWS SDK: the SDK's default, shared and checked once.
pub fn client() -> SharedHttpClient {
    let https = Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    });
    SharedHttpClient::new(CheckedOnce::new(https))
}

/// An HTTP client whose base configuration is validated by the first SDK client only.
#[derive(Debug)]
pub struct CheckedOnce {
    inner: SharedHttpClient,
    checked: AtomicBool,
}

impl CheckedOnce {
    pub fn new(inner: SharedHttpClient) -> Self {
        Self {
            inner,
            checked: AtomicBool::new(false),
        }
    }
}

impl HttpClient for CheckedOnce {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.inner.http_connector(settings, components)
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        if self.checked.load(Ordering::Acquire) {
            return Ok(());
        }
        // Marked only once it passed: a failure is reported again by the next client.
        self.inner
            .validate_base_client_config(runtime_components, cfg)?;
        self.checked.store(true, Ordering::Release);
        Ok(())
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Counts the checks that reach it, and fails the first `failures` of them.
    #[derive(Debug, Default)]
    struct Counting {
        checks: Arc<AtomicUsize>,
        failures: usize,
    }

    impl HttpClient for Counting {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            unreachable!("not asked for a connector in these tests")
        }

        fn validate_base_client_config(
            &self,
            _: &RuntimeComponentsBuilder,
            _: &ConfigBag,
        ) -> Result<(), BoxError> {
            let n = self.checks.fetch_add(1, Ordering::SeqCst);
            if n < self.failures {
                Err("no roots".into())
            } else {
                Ok(())
            }
        }

        fn connector_metadata(&self) -> Option<ConnectorMetadata> {
            Some(ConnectorMetadata::new("counting", None))
        }
    }

    fn check(client: &CheckedOnce) -> Result<(), BoxError> {
        client
            .validate_base_client_config(&RuntimeComponentsBuilder::for_tests(), &ConfigBag::base())
    }

    #[test]
    fn the_first_client_s_check_reaches_the_sdk_s_http_client_and_later_ones_do_not() {
        let checks = Arc::new(AtomicUsize::new(0));
        let client = CheckedOnce::new(SharedHttpClient::new(Counting {
            checks: checks.clone(),
            failures: 0,
        }));
        for _ in 0..5 {
            check(&client).unwrap();
        }
        assert_eq!(checks.load(Ordering::SeqCst), 1);
        assert_eq!(
            client.connector_metadata().map(|m| m.name().to_string()),
            Some("counting".to_owned())
        );
    }

    #[test]
    fn a_failed_check_is_made_again_by_the_next_client() {
        let checks = Arc::new(AtomicUsize::new(0));
        let client = CheckedOnce::new(SharedHttpClient::new(Counting {
            checks: checks.clone(),
            failures: 1,
        }));
        assert!(check(&client).is_err());
        check(&client).unwrap();
        check(&client).unwrap();
        assert_eq!(checks.load(Ordering::SeqCst), 2);
    }
}
