"""Verifies a certificate Lyceum issued as an Open Badges 3.0 credential in
a JWT, the way a third-party verifier would: with PyJWT, not Lyceum's code.

It fetches the issuer's JWKS over HTTP with PyJWKClient, picks the key by the
token's `kid`, checks the EdDSA signature, `iss` (must equal EXPECTED_ISSUER),
that `iss`, `jti` and `nbf` are present and `nbf`/`exp` hold, that the header
says alg EdDSA (and typ JWT, if it has a typ), and that the payload is shaped
like an OpenBadgeCredential: @context starting with the VC 2.0 context, type
with VerifiableCredential and OpenBadgeCredential, issuer.id == iss,
id == jti, and credentialSubject.achievement.name present.

Prints the decoded payload as JSON and exits 0; otherwise prints the reason
(exception class and message) on stderr and exits 1.

Usage: verify_credential.py JWKS_URL TOKEN_FILE EXPECTED_ISSUER
"""

import json
import sys

import jwt

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def verify(jwks_url, token, issuer):
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "EdDSA":
        raise ValueError(f"header alg is {header.get('alg')!r}, not EdDSA")
    if "typ" in header and header["typ"] != "JWT":
        raise ValueError(f"header typ is {header['typ']!r}, not JWT")
    key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
    payload = jwt.decode(token, key.key, algorithms=["EdDSA"], issuer=issuer,
                         options={"require": ["iss", "jti", "nbf"], "verify_aud": False})
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        raise ValueError(f"@context does not start with {VC_V2_CONTEXT}: {context!r}")
    types = payload.get("type")
    for wanted in ("VerifiableCredential", "OpenBadgeCredential"):
        if not isinstance(types, list) or wanted not in types:
            raise ValueError(f"type lacks {wanted}: {types!r}")
    if not isinstance(payload.get("issuer"), dict) or payload["issuer"].get("id") != payload["iss"]:
        raise ValueError(f"issuer.id is not iss {payload['iss']!r}: {payload.get('issuer')!r}")
    if payload.get("id") != payload["jti"]:
        raise ValueError(f"id {payload.get('id')!r} is not jti {payload['jti']!r}")
    subject = payload.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict) or not achievement.get("name"):
        raise ValueError(f"credentialSubject.achievement.name is missing: {subject!r}")
    return payload


def main():
    jwks_url, token_file, issuer = sys.argv[1:4]
    try:
        with open(token_file) as f:
            payload = verify(jwks_url, f.read().strip(), issuer)
    except Exception as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(payload, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
