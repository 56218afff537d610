#!/usr/bin/env python3
"""Development-time cross-check of Apiary's Paillier against python-paillier (phe).

Not run by CI. Usage (from the repository root):
    pip install phe
    swift build --product apiary-coordinator
    python3 scripts/dev/crosscheck_python_paillier.py [--bits 1024] [--count 20]

It asks `apiary-coordinator paillier-selftest` for a fresh key and JSON lines of
(plaintext, ciphertext, randomness r) and checks, with phe, that:
  1. phe's decryption of each Apiary ciphertext equals the plaintext,
  2. phe's textbook encryption with the same r gives the same ciphertext,
  3. the homomorphic sum computed by phe decrypts under Apiary's key to the same value that
     Apiary reports.
"""
import argparse
import json
import subprocess
import sys

from phe import paillier


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bits", type=int, default=1024)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--binary", default=".build/debug/apiary-coordinator")
    args = parser.parse_args()
    out = subprocess.run([args.binary, "paillier-selftest", "--bits", str(args.bits), "--count", str(args.count)],
                         check=True, capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    key = lines[0]
    p, q, n = int(key["p"], 16), int(key["q"], 16), int(key["n"], 16)
    assert p * q == n
    public = paillier.PaillierPublicKey(n)  # phe uses g = n + 1, as Apiary does
    private = paillier.PaillierPrivateKey(public, p, q)
    total = 0
    product = 1
    for record in lines[1:-1]:
        m, c, r = int(record["m"], 16), int(record["c"], 16), int(record["r"], 16)
        c_djn = int(record["c_djn"], 16)
        assert private.raw_decrypt(c) == m, "phe decrypts an Apiary ciphertext differently"
        assert private.raw_decrypt(c_djn) == m, "phe decrypts an Apiary DJN ciphertext differently"
        assert public.raw_encrypt(m, r_value=r) == c, "textbook encryption with the same r differs"
        total = (total + m) % n
        product = product * c_djn % public.nsquare
    summary = lines[-1]
    assert private.raw_decrypt(product) == total == int(summary["sum"], 16), "homomorphic sums disagree"
    print(f"python-paillier agrees with Apiary on {len(lines) - 2} ciphertexts and their sum ({args.bits}-bit key)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
