#!/usr/bin/env python3
"""A software passkey authenticator and browser, built from python-fido2's
WebAuthn structures (Yubico's, an implementation Lyceum does not share):
it reads the options Lyceum sends as a browser's
`parse...OptionsFromJSON` would, makes or signs with an ES256 key, and
prints the answer as a browser's `toJSON()` gives it.

    passkey.py create KEYFILE ORIGIN [--reuse] < options.json
    passkey.py get KEYFILE ORIGIN [--counter N] [--no-uv] [--ignore-allowed] < options.json

KEYFILE keeps the key (PEM), the credential id, the relying party and the
signature counter between calls. `create --reuse` registers the key
already in KEYFILE again (as an authenticator that ignored the exclusion
list would). Prints the answer as JSON; exits 3 if the authenticator
refuses (a credential it holds is excluded, or none it holds is allowed).
"""
import argparse
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorAssertionResponse,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    PublicKeyCredentialCreationOptions,
    PublicKeyCredentialRequestOptions,
    RegistrationResponse,
)

FLAG = AuthenticatorData.FLAG


def load(path):
    with open(path) as f:
        kept = json.load(f)
    key = serialization.load_pem_private_key(kept["key"].encode(), password=None)
    return kept, key


def save(path, kept):
    with open(path, "w") as f:
        json.dump(kept, f)


def create(args, options):
    opts = PublicKeyCredentialCreationOptions.from_dict(options)
    if not any(param.alg == ES256.ALGORITHM for param in opts.pub_key_cred_params):
        sys.exit("ES256 is not offered")
    if args.reuse:
        kept, key = load(args.keyfile)
        credential_id = websafe_decode(kept["id"])
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        credential_id = os.urandom(32)
        if os.path.exists(args.keyfile):
            kept, _ = load(args.keyfile)
            excluded = [d.id for d in opts.exclude_credentials or []]
            if websafe_decode(kept["id"]) in excluded:
                print("InvalidStateError: this authenticator holds an excluded credential", file=sys.stderr)
                sys.exit(3)
    rp_id = opts.rp.id
    client = CollectedClientData.create(CollectedClientData.TYPE.CREATE, opts.challenge, args.origin)
    public = ES256.from_cryptography_key(key.public_key())
    attested = AttestedCredentialData.create(Aaguid.NONE, credential_id, public)
    flags = FLAG.UP | FLAG.UV | FLAG.AT
    auth = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, 0, attested)
    answer = RegistrationResponse(
        raw_id=credential_id,
        response=AuthenticatorAttestationResponse(
            client_data=client, attestation_object=AttestationObject.create("none", auth, {})
        ),
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    save(args.keyfile, {
        "key": pem,
        "id": websafe_encode(credential_id),
        "rp_id": rp_id,
        "user": websafe_encode(opts.user.id),
        "user_name": opts.user.name,
        "counter": 0,
    })
    return answer


def get(args, options):
    opts = PublicKeyCredentialRequestOptions.from_dict(options)
    kept, key = load(args.keyfile)
    credential_id = websafe_decode(kept["id"])
    allowed = [d.id for d in opts.allow_credentials or []]
    if allowed and credential_id not in allowed and not args.ignore_allowed:
        print("NotAllowedError: no allowed credential here", file=sys.stderr)
        sys.exit(3)
    rp_id = opts.rp_id or kept["rp_id"]
    counter = args.counter if args.counter is not None else kept["counter"] + 1
    flags = FLAG.UP if args.no_uv else FLAG.UP | FLAG.UV
    client = CollectedClientData.create(CollectedClientData.TYPE.GET, opts.challenge, args.origin)
    auth = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, counter)
    signature = key.sign(bytes(auth) + client.hash, ec.ECDSA(hashes.SHA256()))
    kept["counter"] = counter
    save(args.keyfile, kept)
    return AuthenticationResponse(
        raw_id=credential_id,
        response=AuthenticatorAssertionResponse(
            client_data=client, authenticator_data=auth, signature=signature, user_handle=websafe_decode(kept["user"])
        ),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ceremony", choices=["create", "get"])
    parser.add_argument("keyfile")
    parser.add_argument("origin")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--counter", type=int)
    parser.add_argument("--no-uv", action="store_true")
    parser.add_argument("--ignore-allowed", action="store_true")
    args = parser.parse_args()
    options = json.load(sys.stdin)["publicKey"]
    answer = create(args, options) if args.ceremony == "create" else get(args, options)
    print(json.dumps(dict(answer)))


if __name__ == "__main__":
    main()
