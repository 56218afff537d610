/// The README.md written into each kit: what it is, who must hold it, what is secret, and that
/// the dealer's copy must be destroyed.
enum KitReadme {
    static let dealerWarning = """
    ## The dealer's copy must be destroyed

    This kit was written by the key ceremony (`apiary-coordinator provision`) on the dealer's
    machine. The dealer is trusted exactly once: after this kit has been handed to its holder
    (on encrypted removable media, in person), every copy on the dealer's machine and media must
    be destroyed (e.g. `shred -u` on each file, then remove the folder, or destroy the medium).
    The dealer's secrets (the primes p and q and the decryption exponent d) were never written to
    disk and were wiped from memory when the ceremony ended.
    """

    static let fileModes = """
    Every file in this kit is mode 0600 and the folder is 0700. Keep it that way: the service
    reading it should run as the only user that can read it.
    """

    static func overview(consortium: String, threshold: Int, institutions: [String], researchers: [String], keyBits: Int) -> String {
        """
        # Apiary consortium "\(consortium)": key ceremony output

        Written by `apiary-coordinator provision`. Hand each folder to the party named below, then
        destroy this whole folder on the dealer's machine (the CA folder excepted, which the
        consortium operator keeps offline).

        | folder | holder |
        |---|---|
        | `\(KitLayout.caFolder)/` | the consortium operator, offline (needed to add institutions) |
        | `\(KitLayout.coordinatorFolder)/` | the server running `apiary-coordinator` |
        \(institutions.enumerated().map { "| `\(KitLayout.institutionsFolder)/\($1)/` | institution \($1) (key share of party \($0 + 1)) |" }.joined(separator: "\n"))
        \(researchers.map { "| `\(KitLayout.researchersFolder)/\($0)/` | researcher \($0) |" }.joined(separator: "\n"))

        Threshold Paillier key: \(keyBits)-bit modulus, \(threshold) of \(institutions.count) institutions must
        cooperate to decrypt an aggregate; no single party, the coordinator included, can decrypt.

        \(dealerWarning)
        """
    }

    static func ca(consortium: String) -> String {
        """
        # Consortium CA of "\(consortium)"

        **Holder:** the consortium operator, on an offline machine or encrypted offline medium.
        Never on the coordinator server.

        | file | content | secret |
        |---|---|---|
        | `\(KitLayout.caCertificate)` | the CA certificate every party trusts (ECDSA P-256) | no |
        | `\(KitLayout.caPrivateKey)` | the CA's private key | **yes** |
        | `\(KitLayout.paillierPublicKey)`, `\(KitLayout.verificationKeys)`, `\(KitLayout.genesis)` | public consortium files, copied into new institutions' kits | no |

        Adding an institution later:
        `apiary-coordinator provision add-institution NAME --ca <this folder> --out DIR`
        issues its certificate and ledger key without changing any existing kit. The new
        institution contributes updates at once but joins the decryption committee only at an
        explicit re-deal of the threshold key, recorded as a membership change on the ledger.

        \(fileModes)
        """
    }

    static func coordinator(consortium: String) -> String {
        """
        # Coordinator kit of "\(consortium)"

        **Holder:** the server running `apiary-coordinator`. It holds no key share: the
        coordinator cannot decrypt anything on its own.

        | file | content | secret |
        |---|---|---|
        | `\(KitLayout.tlsCertificate)` | TLS server certificate (CN=coordinator, OU=coordinator) | no |
        | `\(KitLayout.tlsPrivateKey)` | its private key (P-256) | **yes** |
        | `\(KitLayout.ledgerPrivateKey)` | Ed25519 key signing ledger entries | **yes** |
        | `\(KitLayout.ledgerPublicKey)` | its public key | no |
        | `\(KitLayout.caCertificate)` | the consortium CA (to verify agents and researchers) | no |
        | `\(KitLayout.paillierPublicKey)`, `\(KitLayout.verificationKeys)` | joint Paillier key and threshold verification keys | no |
        | `\(KitLayout.genesis)` | the genesis description for the ledger | no |

        \(fileModes)

        \(dealerWarning)
        """
    }

    static func institution(name: String, consortium: String, partyId: Int?, threshold: Int, parties: Int) -> String {
        let share = partyId.map { id in
            "| `\(KitLayout.keyShare)` | threshold key share of party \(id) (\(threshold) of \(parties) needed to decrypt) | **yes** |\n"
        } ?? ""
        let committee = partyId == nil ? """

        **Not yet in the decryption committee.** This institution was added after the ceremony
        (`provision add-institution`). It can contribute encrypted updates under the joint key now,
        and receives a key share only at the next explicit re-deal of the threshold key, which is
        recorded on the ledger as a membership change. Submit `\(KitLayout.membershipRequest)` to
        the consortium operator for that entry.

        """ : ""
        return """
        # Institution kit of "\(name)" in consortium "\(consortium)"

        **Holder:** institution \(name) only, on the machine running `apiary-agent`, behind its
        firewall. Nobody else (not the coordinator, not another institution) may ever see the
        secret files.
        \(committee)
        | file | content | secret |
        |---|---|---|
        | `\(KitLayout.tlsCertificate)` | TLS client certificate (CN=\(name), OU=agent) | no |
        | `\(KitLayout.tlsPrivateKey)` | its private key (P-256) | **yes** |
        | `\(KitLayout.ledgerPrivateKey)` | Ed25519 key signing updates and ledger co-signatures | **yes** |
        | `\(KitLayout.ledgerPublicKey)` | its public key | no |
        \(share)| `\(KitLayout.caCertificate)` | the consortium CA (to verify the coordinator) | no |
        | `\(KitLayout.paillierPublicKey)`, `\(KitLayout.verificationKeys)` | joint Paillier key and threshold verification keys | no |
        | `\(KitLayout.genesis)` | the genesis description to check the ledger against | no |

        \(fileModes)

        \(dealerWarning)
        """
    }

    static func researcher(name: String, consortium: String) -> String {
        """
        # Researcher credentials of "\(name)" in consortium "\(consortium)"

        **Holder:** researcher \(name) only. Use them with a browser, `curl --cert
        \(KitLayout.tlsCertificate) --key \(KitLayout.tlsPrivateKey) --cacert \(KitLayout.caCertificate)`,
        or `apiary-agent verify`.

        | file | content | secret |
        |---|---|---|
        | `\(KitLayout.tlsCertificate)` | TLS client certificate (CN=\(name), OU=researcher) | no |
        | `\(KitLayout.tlsPrivateKey)` | its private key (P-256) | **yes** |
        | `\(KitLayout.ledgerPrivateKey)` | Ed25519 key signing licence requests | **yes** |
        | `\(KitLayout.ledgerPublicKey)` | its public key | no |
        | `\(KitLayout.caCertificate)` | the consortium CA | no |
        | `\(KitLayout.genesis)` | the genesis description | no |

        \(fileModes)

        \(dealerWarning)
        """
    }
}
