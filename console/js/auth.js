// Who the agent is. Two modes, told by the server's /console/config.json:
// - "local": local-api's sign-in form; requests carry X-Agent-Id (and X-Agent-Groups), which
//   local-api maps into the same JWT claims API Gateway's authorizer would set.
// - "oidc": OpenID Connect authorization code with PKCE against the configured issuer (the
//   stack's Cognito user pool by default). Tokens live in sessionStorage only, are refreshed a
//   minute before they expire, and are sent as `Authorization: Bearer`.

const LOCAL_KEY = "wa-console.local-agent";
const TOKENS_KEY = "wa-console.tokens";
const PKCE_KEY = "wa-console.pkce";
const REFRESH_MARGIN_MS = 60_000;

/** The claims of a JWT, for display and the agent's id (the server checks the signature). */
export function jwtClaims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = payload + "=".repeat((4 - (payload.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(bytes = 32) {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** PKCE S256: the challenge for a verifier. */
export async function pkceChallenge(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

function redirectUri() {
  return `${location.origin}/`;
}

/** A session in local mode, or null when nobody has signed in in this tab. */
export function restoreLocal() {
  const saved = sessionStorage.getItem(LOCAL_KEY);
  if (!saved) return null;
  try {
    const { agentId, isAdmin } = JSON.parse(saved);
    return localSession(agentId, isAdmin);
  } catch {
    sessionStorage.removeItem(LOCAL_KEY);
    return null;
  }
}

export function signInLocal(agentId, isAdmin) {
  sessionStorage.setItem(LOCAL_KEY, JSON.stringify({ agentId, isAdmin }));
  return localSession(agentId, isAdmin);
}

function localSession(agentId, isAdmin) {
  return {
    agentId,
    displayName: agentId,
    isAdmin,
    async headers() {
      return isAdmin ? { "X-Agent-Id": agentId, "X-Agent-Groups": "admins" } : { "X-Agent-Id": agentId };
    },
    signOut() {
      sessionStorage.removeItem(LOCAL_KEY);
      location.assign("/");
    },
  };
}

/** Sends the browser to the issuer's sign-in page. */
export async function beginOidcSignIn(config) {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: redirectUri(),
    scope: config.scopes ?? "openid email profile",
    state,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

async function tokenRequest(config, params) {
  const response = await fetch(config.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: config.client_id, ...params }).toString(),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok || !json.access_token) {
    throw new Error(json.error_description ?? json.error ?? `The sign-in service answered ${response.status}.`);
  }
  return json;
}

function storeTokens(json, previous = {}) {
  const tokens = {
    access_token: json.access_token,
    id_token: json.id_token ?? previous.id_token,
    refresh_token: json.refresh_token ?? previous.refresh_token,
    expires_at: Date.now() + (Number(json.expires_in) || 3600) * 1000,
  };
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  return tokens;
}

/**
 * Completes a sign-in redirect (`?code=&state=`) or restores this tab's tokens.
 * Null when the agent must sign in; throws a readable Error when the redirect failed.
 */
export async function restoreOidc(config) {
  const params = new URLSearchParams(location.search);
  if (params.has("error")) {
    history.replaceState(null, "", "/");
    throw new Error(params.get("error_description") ?? params.get("error"));
  }
  if (params.has("code")) {
    const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? "null");
    sessionStorage.removeItem(PKCE_KEY);
    history.replaceState(null, "", "/");
    if (!pending || pending.state !== params.get("state")) {
      throw new Error("The sign-in answer did not match this tab's request. Sign in again.");
    }
    const json = await tokenRequest(config, {
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    });
    return oidcSession(config, storeTokens(json));
  }
  const saved = JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? "null");
  if (!saved) return null;
  if (saved.expires_at - REFRESH_MARGIN_MS > Date.now()) return oidcSession(config, saved);
  if (!saved.refresh_token) return null;
  try {
    const json = await tokenRequest(config, { grant_type: "refresh_token", refresh_token: saved.refresh_token });
    return oidcSession(config, storeTokens(json, saved));
  } catch {
    sessionStorage.removeItem(TOKENS_KEY);
    return null;
  }
}

function oidcSession(config, initial) {
  let tokens = initial;
  let refreshing = null;
  const claims = jwtClaims(tokens.id_token ?? tokens.access_token);
  const accessClaims = jwtClaims(tokens.access_token);
  const groups = accessClaims["cognito:groups"] ?? claims["cognito:groups"] ?? [];
  const refresh = async () => {
    const json = await tokenRequest(config, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
    tokens = storeTokens(json, tokens);
  };
  return {
    agentId: accessClaims.sub ?? claims.sub,
    displayName: claims.email ?? claims["cognito:username"] ?? claims.name ?? accessClaims.sub,
    isAdmin: groups.includes(config.admin_group ?? "admins"),
    /** The token the API and the live channel take, refreshed first when it is about to expire. */
    async token() {
      if (tokens.refresh_token && tokens.expires_at - REFRESH_MARGIN_MS <= Date.now()) {
        refreshing ??= refresh().finally(() => (refreshing = null));
        await refreshing.catch(() => {});
      }
      return config.api_token === "id_token" ? tokens.id_token : tokens.access_token;
    },
    async headers() {
      return { Authorization: `Bearer ${await this.token()}` };
    },
    signOut() {
      sessionStorage.removeItem(TOKENS_KEY);
      if (config.end_session_endpoint) {
        const url = new URL(config.end_session_endpoint);
        url.searchParams.set("client_id", config.client_id);
        url.searchParams.set("logout_uri", redirectUri());
        location.assign(url.toString());
      } else {
        location.assign("/");
      }
    },
  };
}
