//! The function's configuration, read once per cold start.

/// Where tokens come from and whom they must be for.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `JWT_ISSUER`: the exact `iss` of accepted tokens, e.g.
    /// `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123`.
    pub issuer: String,
    /// `JWT_AUDIENCE`: the app client id (`client_id` of access tokens, `aud` of id tokens).
    pub audience: String,
    /// `JWKS_URL`, else `{JWT_ISSUER}/.well-known/jwks.json` (where Cognito publishes its keys).
    pub jwks_url: String,
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set")]
pub struct MissingVariable(pub &'static str);

impl Settings {
    pub fn new(issuer: &str, audience: &str, jwks_url: Option<&str>) -> Self {
        let jwks_url = match jwks_url {
            Some(url) => url.to_owned(),
            None => format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')),
        };
        Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            jwks_url,
        }
    }

    pub fn from_env() -> Result<Self, MissingVariable> {
        let var = |name| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        let issuer = var("JWT_ISSUER").ok_or(MissingVariable("JWT_ISSUER"))?;
        let audience = var("JWT_AUDIENCE").ok_or(MissingVariable("JWT_AUDIENCE"))?;
        Ok(Self::new(&issuer, &audience, var("JWKS_URL").as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jwks_url_defaults_to_cognitos_well_known_location() {
        let settings = Settings::new(
            "https://cognito-idp.eu-west-1.amazonaws.com/pool",
            "client",
            None,
        );
        assert_eq!(
            settings.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json"
        );
    }

    #[test]
    fn an_explicit_jwks_url_wins() {
        let settings = Settings::new(
            "https://issuer.example",
            "client",
            Some("https://keys.example/k"),
        );
        assert_eq!(settings.jwks_url, "https://keys.example/k");
    }
}
