//! The authorizer end to end: the real event file, tokens signed with local RSA keys, the
//! issuer's JWKS served by a wiremock stub whose request count shows what was fetched.

mod allow;
mod helpers;
mod jwks;
mod refuse;
