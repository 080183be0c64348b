#!/usr/bin/env python3
"""Reads an otpauth:// address with pyotp (RFC 6238, an implementation
Lyceum does not share) and prints, as JSON, what it holds and the codes it
gives now and one time step ahead.

    totp.py URI
"""
import json
import sys
import time

import pyotp

uri = sys.argv[1]
totp = pyotp.parse_uri(uri)
now = time.time()
print(json.dumps({
    "secret": totp.secret,
    "issuer": totp.issuer,
    "name": totp.name,
    "digits": totp.digits,
    "interval": totp.interval,
    "now": totp.at(now),
    "next": totp.at(now + totp.interval),
    "previous": totp.at(now - totp.interval),
}))
