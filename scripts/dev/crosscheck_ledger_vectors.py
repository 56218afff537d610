#!/usr/bin/env python3
"""Development-time cross-check of Tests/Vectors/ledger_vectors.txt, independent of the Swift code.

Not run by CI. Usage (from the repository root):
    python3 scripts/dev/crosscheck_ledger_vectors.py [Tests/Vectors/ledger_vectors.txt]

Re-implements from docs/ledger.md alone, with the standard library:
  1. leaf hash SHA-256(0x00 || entry) of every entry;
  2. the RFC 9162 root over entries 0..i after every entry (split at the largest power of two
     smaller than the size, node hash SHA-256(0x01 || left || right));
  3. the signed tree head message "apiary-tree-head-v1" 00 || u64 size || root || u64 timestamp_ms;
  4. the signed head record payload: head || u32 length || signer (UTF-8) || 64-byte signature,
     with the signature equal to the one listed.
When the `cryptography` package is installed, it also verifies each Ed25519 signature under
the coordinator key of the genesis entry (the first member whose role byte is 1).
Exits non-zero on the first mismatch.
"""
import hashlib
import struct
import sys

DOMAIN = b"apiary-tree-head-v1"


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def root(leaves: list) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return hashlib.sha256(b"\x01" + root(leaves[:split]) + root(leaves[split:])).digest()


def read_records(path: str) -> list:
    records, current = [], {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            if current:
                records.append(current)
                current = {}
            continue
        key, _, value = line.partition(" = ")
        current[key] = value
    if current:
        records.append(current)
    return records


def coordinator_key(genesis: bytes) -> bytes:
    """The ledger key of the genesis' coordinator member (docs/ledger.md section 2)."""
    offset = 2  # kind, version
    (name_length,) = struct.unpack_from(">I", genesis, offset)
    offset += 4 + name_length
    (members,) = struct.unpack_from(">I", genesis, offset)
    offset += 4
    for _ in range(members):
        (id_length,) = struct.unpack_from(">I", genesis, offset)
        offset += 4 + id_length
        role = genesis[offset]
        key = genesis[offset + 1:offset + 33]
        offset += 1 + 32 + 32 + 8
        if role == 1:
            return key
    raise ValueError("the genesis names no coordinator")


def decode_rejection(entry: bytes) -> dict:
    """A dataset_rejection entry's fields (docs/ledger.md section 2), read to the last byte."""
    if entry[0] != 7 or entry[1] != 1:
        raise ValueError("not a version-1 dataset_rejection entry")
    offset = 2

    def take(count):
        nonlocal offset
        if offset + count > len(entry):
            raise ValueError("entry ends inside a field")
        offset += count
        return entry[offset - count:offset]

    def string():
        return take(struct.unpack(">I", take(4))[0]).decode("utf-8")

    def u64():
        return struct.unpack(">Q", take(8))[0]

    fields = {"dataset_id": string(), "csv_hash": take(32).hex(), "csv_size": u64(), "generator": string()}
    fields["failures"] = [string() for _ in range(struct.unpack(">I", take(4))[0])]
    fields["rounds"] = [u64() for _ in range(struct.unpack(">I", take(4))[0])]
    if offset != len(entry):
        raise ValueError("trailing bytes after the rounds")
    if [f.encode() for f in fields["failures"]] != sorted(set(f.encode() for f in fields["failures"])):
        raise ValueError("failures are not a canonical set")
    if fields["rounds"] != sorted(set(fields["rounds"])):
        raise ValueError("rounds are not ascending")
    return fields


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "Tests/Vectors/ledger_vectors.txt"
    records = read_records(path)
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        Ed25519PublicKey = None
    leaves, public_key = [], None
    for record in records:
        index = int(record["index"])
        entry = bytes.fromhex(record["entry"])
        if index != len(leaves):
            print(f"entry {index}: out of order"); return 1
        leaves.append(leaf_hash(entry))
        if leaves[-1].hex() != record["leaf_hash"]:
            print(f"entry {index}: leaf hash differs"); return 1
        expected_root = root(leaves)
        if expected_root.hex() != record["root"]:
            print(f"entry {index}: root differs"); return 1
        message = bytes.fromhex(record["head_message"])
        timestamp = struct.unpack(">Q", message[-8:])[0]
        head = struct.pack(">Q", index + 1) + expected_root + struct.pack(">Q", timestamp)
        if message != DOMAIN + b"\x00" + head:
            print(f"entry {index}: head message differs"); return 1
        signature = bytes.fromhex(record["coordinator_signature"])
        signer = b"coordinator"
        payload = head + struct.pack(">I", len(signer)) + signer + signature
        if payload.hex() != record["signed_head_record"]:
            print(f"entry {index}: signed head record differs"); return 1
        if record["kind"] == "dataset_rejection":
            fields = decode_rejection(entry)
            print(f"entry {index}: dataset_rejection {fields['dataset_id']} ({fields['csv_size']} bytes, rounds {fields['rounds']}): {fields['failures']}")
        if index == 0 and Ed25519PublicKey is not None:
            public_key = Ed25519PublicKey.from_public_bytes(coordinator_key(entry))
        if public_key is not None:
            public_key.verify(signature, message)  # raises InvalidSignature
    checked = "with Ed25519 signatures" if public_key is not None else "without Ed25519 (install cryptography)"
    print(f"{len(records)} entries: leaf hashes, roots, head messages and records agree, {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
