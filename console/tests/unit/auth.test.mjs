import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { jwtClaims, pkceChallenge } from "../../js/auth.js";

test("the PKCE challenge is the unpadded base64url SHA-256 of the verifier (S256)", async () => {
  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r7wW1gFWFOEjXk";
  // Python's hashlib gives the same: bwWFMyPfdG9qreDhH2lmftFx_dFeLDalzcT1gb_j68g
  assert.equal(await pkceChallenge(verifier), createHash("sha256").update(verifier).digest("base64url"));
  assert.equal(await pkceChallenge(verifier), "bwWFMyPfdG9qreDhH2lmftFx_dFeLDalzcT1gb_j68g");
});

test("a token's claims are read from its payload, and garbage reads as no claims", () => {
  const payload = Buffer.from(JSON.stringify({ sub: "agent-7", "cognito:groups": ["admins"] })).toString("base64url");
  assert.deepEqual(jwtClaims(`e30.${payload}.sig`), { sub: "agent-7", "cognito:groups": ["admins"] });
  assert.deepEqual(jwtClaims("not-a-token"), {});
});
