import Foundation

/// The joint public key of a t-of-l threshold Paillier committee: the Paillier key everybody
/// encrypts to, and the verification keys that let anyone check a party's partial decryption.
///
/// Verification keys: v is a random square generating the squares of Z*_{n^2}, and
/// v_i = v^(Delta s_i) mod n^2 for party i's secret share s_i, with Delta = l!.
public struct ThresholdPublicKey: Sendable, Equatable {
    /// The Paillier key ciphertexts are encrypted under (g = n + 1, DJN base h_s).
    public let paillier: PaillierPublicKey
    /// l: the number of parties holding a share (party ids are 1...l).
    public let partyCount: Int
    /// t: how many valid partial decryptions are needed to decrypt.
    public let threshold: Int
    /// Delta = l!, which makes every Lagrange coefficient at 0 an integer after scaling.
    public let delta: BigUInt
    /// The verification base v (a square mod n^2).
    public let verificationBase: BigUInt
    /// v_1 ... v_l: the verification key of party i is `verificationKeys[i - 1]`.
    public let verificationKeys: [BigUInt]
    /// (4 Delta^2)^-1 mod n, the last step of combination.
    let combiningFactor: BigUInt
    /// Constant-time exponentiation modulo n^2 for the secret exponents of share holders.
    let secretExponentiator: ConstantTimeExponentiator
    /// SHA-256 of the verification keys' file encoding (which embeds n and h_s): identifies
    /// this key in kits, the genesis description and verified partial decryptions.
    public let verificationKeysDigest: [UInt8]

    /// Largest committee Apiary deals for: Delta = 64! has 296 bits, which lengthens every
    /// partial decryption's exponent by that much; larger committees should be split.
    public static let maxParties = 64

    /// Builds and validates a threshold public key.
    public init(paillier: PaillierPublicKey, partyCount: Int, threshold: Int,
                verificationBase: BigUInt, verificationKeys: [BigUInt]) throws {
        try Self.validate(partyCount: partyCount, threshold: threshold)
        guard verificationKeys.count == partyCount else {
            throw ApiaryError(.invalidArgument, "a \(partyCount)-party key needs \(partyCount) verification keys, got \(verificationKeys.count)")
        }
        let one = BigUInt(1)
        for (index, value) in ([verificationBase] + verificationKeys).enumerated() {
            let name = index == 0 ? "verification base v" : "verification key v_\(index)"
            guard !value.isZero, value < paillier.nSquared, value.gcd(paillier.n) == one, value != one else {
                throw ApiaryError(.invalidArgument, "\(name) is not a unit other than 1 modulo n^2")
            }
        }
        let delta = BigUInt.factorial(partyCount)
        let fourDeltaSquared = delta.squared.multiplied(by: 4)
        guard let factor = fourDeltaSquared.inverse(modulo: paillier.n) else {
            throw ApiaryError(.invalidArgument, "4 Delta^2 is not invertible modulo n: n has a small factor")
        }
        self.paillier = paillier
        self.partyCount = partyCount
        self.threshold = threshold
        self.delta = delta
        self.verificationBase = verificationBase
        self.verificationKeys = verificationKeys
        self.combiningFactor = factor
        self.secretExponentiator = ConstantTimeExponentiator(modulus: paillier.nSquared)
        self.verificationKeysDigest = SHA256.hash(ThresholdKeyCodec.verificationKeysEncoding(
            paillier: paillier, partyCount: partyCount, threshold: threshold,
            verificationBase: verificationBase, verificationKeys: verificationKeys))
    }

    /// Throws a clear error unless 1 <= t <= l <= `maxParties`.
    public static func validate(partyCount: Int, threshold: Int) throws {
        guard (1...maxParties).contains(partyCount) else {
            throw ApiaryError(.invalidArgument, "a threshold key has 1 to \(maxParties) parties, got \(partyCount)")
        }
        guard threshold >= 1 else {
            throw ApiaryError(.invalidArgument, "the threshold t must be at least 1, got \(threshold)")
        }
        guard threshold <= partyCount else {
            throw ApiaryError(.invalidArgument, "the threshold t = \(threshold) exceeds the number of parties l = \(partyCount): nobody could ever decrypt")
        }
    }

    /// Upper bound on the bit length of a partial decryption's exponent 2 Delta s_i
    /// (s_i < n m < n^2 / 4), public because it depends only on n and l.
    public var decryptionExponentBits: Int { ((delta * paillier.nSquared) >> 1).bitWidth }

    /// The verification key v_i of party `partyId` (1...l).
    public func verificationKey(party partyId: Int) throws -> BigUInt {
        try checkParty(partyId)
        return verificationKeys[partyId - 1]
    }

    func checkParty(_ partyId: Int) throws {
        guard (1...partyCount).contains(partyId) else {
            throw ApiaryError(.invalidArgument, "party id \(partyId) is not in 1...\(partyCount) for this key")
        }
    }

    // MARK: Verification

    /// Checks a party's partial decryption of `ciphertexts` under `context`: the shares are
    /// residues mod n^2, one per ciphertext, and the (batched) proof verifies against the
    /// party's verification key. Throws `.verificationFailed` with the reason otherwise.
    public func verify(_ partial: PartialDecryption, of ciphertexts: [PaillierCiphertext], context: DecryptionContext,
                       threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> VerifiedPartialDecryption {
        let inputs = try inputsDigest(ciphertexts, context: context)
        return try verify(partial, of: ciphertexts, inputsDigest: inputs, threads: threads)
    }

    /// `verify` with the inputs digest already computed (shared by all parties' partials).
    func verify(_ partial: PartialDecryption, of ciphertexts: [PaillierCiphertext], inputsDigest: [UInt8],
                threads: Int) throws -> VerifiedPartialDecryption {
        let party = partial.partyId
        guard (1...partyCount).contains(party) else {
            throw ApiaryError(.verificationFailed, "partial decryption names party \(party), but this key has parties 1...\(partyCount)")
        }
        guard partial.shares.count == ciphertexts.count else {
            throw ApiaryError(.verificationFailed, "party \(party) sent \(partial.shares.count) decryption shares for \(ciphertexts.count) ciphertexts")
        }
        let modulus = paillier.nSquared
        for (index, share) in partial.shares.enumerated() where share.isZero || share >= modulus {
            throw ApiaryError(.verificationFailed, "party \(party)'s decryption share \(index) is not a residue modulo n^2")
        }
        let proof = partial.proof
        guard proof.challenge.bitWidth <= EqualLogProof.challengeBits,
              proof.response.bitWidth <= EqualLogProof.responseBits(modulusBits: paillier.modulusBits, delta: delta) else {
            throw ApiaryError(.verificationFailed, "party \(party)'s proof has out-of-range values")
        }
        let digest = ThresholdTranscript.partialDigest(key: self, partyId: party, inputsDigest: inputsDigest, shares: partial.shares)
        let (c, d) = batchedStatement(ciphertexts: ciphertexts.map(\.value), shares: partial.shares, partialDigest: digest, threads: threads)
        // A share that is not a unit makes D a non-unit; no honest prover produces one.
        guard let commitments = proof.recomputedCommitments(c: c, d: d, v: verificationBase, vi: verificationKeys[party - 1], modulus: modulus) else {
            throw ApiaryError(.verificationFailed, "party \(party)'s decryption shares are not units modulo n^2")
        }
        let expected = ThresholdTranscript.challenge(partialDigest: digest, c: c, d: d, a: commitments.a, b: commitments.b, key: paillier)
        guard expected == proof.challenge else {
            throw ApiaryError(.verificationFailed, "party \(party)'s proof of correct partial decryption does not verify (wrong share, other ciphertexts, other context, or other verification key)")
        }
        return VerifiedPartialDecryption(partial: partial, inputsDigest: inputsDigest, verifiedKey: verificationKeysDigest)
    }

    /// The digest of the ciphertexts and context, after checking that every ciphertext is a
    /// unit modulo n^2 of this key.
    func inputsDigest(_ ciphertexts: [PaillierCiphertext], context: DecryptionContext) throws -> [UInt8] {
        guard !ciphertexts.isEmpty else { throw ApiaryError(.invalidArgument, "nothing to decrypt: the ciphertext vector is empty") }
        _ = try paillier.validate(vector: ciphertexts.map(\.value))
        return ThresholdTranscript.inputsDigest(key: paillier, context: context, ciphertexts: ciphertexts)
    }

    /// The batched statement (C, D) = ((prod c_j^rho_j)^4, (prod share_j^rho_j)^2), with the
    /// weights rho_j derived from the party's transcript digest. An honest share
    /// share_j = c_j^(2 x) gives D = C^x with x = Delta s_i.
    func batchedStatement(ciphertexts: [BigUInt], shares: [BigUInt], partialDigest: [UInt8], threads: Int) -> (c: BigUInt, d: BigUInt) {
        let weights = ThresholdTranscript.weights(partialDigest: partialDigest, count: ciphertexts.count)
        let modulus = paillier.nSquared
        let products = ParallelMap.map(2, threads: min(2, threads)) { index in
            MultiExponentiation.product(bases: index == 0 ? ciphertexts : shares, exponents: weights, modulus: modulus,
                                        threads: max(1, threads / 2))
        }
        let c = products[0].squared % modulus
        return (c.squared % modulus, products[1].squared % modulus)
    }

    // MARK: Combination

    /// Combines verified partial decryptions into the plaintexts. Uses the `threshold` partials
    /// with the lowest party ids and records which ones; throws when fewer than t distinct
    /// parties are given, when a party appears twice, or when the partials were verified for
    /// different ciphertexts or contexts.
    public func combine(_ verified: [VerifiedPartialDecryption],
                        threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> ThresholdDecryption {
        var seen = Set<Int>()
        for item in verified where !seen.insert(item.partial.partyId).inserted {
            throw ApiaryError(.invalidArgument, "party \(item.partial.partyId) contributed two partial decryptions; each party counts once")
        }
        guard verified.count >= threshold else {
            let parties = verified.map { String($0.partial.partyId) }.joined(separator: ", ")
            throw ApiaryError(.verificationFailed, "need \(threshold) valid partial decryptions to decrypt, have \(verified.count)" + (parties.isEmpty ? "" : " (parties \(parties))"))
        }
        guard let first = verified.first, verified.allSatisfy({ $0.inputsDigest == first.inputsDigest }) else {
            throw ApiaryError(.invalidArgument, "the partial decryptions were verified for different ciphertexts or contexts")
        }
        if let key = verified.first(where: { $0.verifiedKey != verificationKeysDigest }) {
            throw ApiaryError(.invalidArgument, "party \(key.partial.partyId)'s partial decryption was verified under another key")
        }
        let chosen = verified.sorted { $0.partial.partyId < $1.partial.partyId }.prefix(threshold)
        let parties = chosen.map(\.partial.partyId)
        let coefficients = LagrangeCoefficients(parties: parties, delta: delta)
        let count = first.partial.shares.count
        let shareColumns = chosen.map(\.partial.shares)
        let plaintexts = try ParallelMap.tryMap(count, threads: threads) { index in
            try combineOne(shareColumns.map { $0[index] }, coefficients: coefficients).plaintext
        }
        let used = try chosen.map { ThresholdDecryption.UsedShare(partyId: $0.partial.partyId, digest: try $0.partial.digest(key: self)) }
        return ThresholdDecryption(plaintexts: plaintexts, parties: used, rejected: [])
    }

    /// One ciphertext's combination: c' = prod c_i^(2 lambda_i) mod n^2 (negative lambda_i through
    /// one inverse of the product of those terms) and m = L(c') (4 Delta^2)^-1 mod n.
    func combineOne(_ shares: [BigUInt], coefficients: LagrangeCoefficients) throws -> (combined: BigUInt, plaintext: BigUInt) {
        let modulus = paillier.nSquared, n = paillier.n
        var positive = BigUInt(1), negative = BigUInt(1)
        for (share, coefficient) in zip(shares, coefficients.values) {
            // The exponent 2 lambda_i is public and small, so variable-time powm is fine.
            let power = share.power(coefficient.magnitude << 1, modulo: modulus)
            if coefficient.isNegative {
                negative = negative.multiplied(by: power, modulo: modulus)
            } else {
                positive = positive.multiplied(by: power, modulo: modulus)
            }
        }
        guard let inverse = negative.inverse(modulo: modulus) else {
            throw ApiaryError(.verificationFailed, "a decryption share is not a unit modulo n^2")
        }
        let combined = positive.multiplied(by: inverse, modulo: modulus)
        // c' = (1 + n)^(4 Delta^2 m) = 1 + 4 Delta^2 m n mod n^2, so L(c') = 4 Delta^2 m mod n.
        guard combined % n == BigUInt(1) else {
            throw ApiaryError(.verificationFailed, "the combined value is not 1 mod n: the shares are inconsistent")
        }
        let l = combined.subtracting(1).dividedExactly(by: n)
        return (combined, l.multiplied(by: combiningFactor, modulo: n))
    }

    /// Verifies every partial decryption, keeps the valid ones (each party once), and combines
    /// t of them. Invalid partials are reported in `rejected`, not thrown, as long as t valid
    /// ones remain; otherwise the error lists why each was rejected.
    public func decrypt(_ partials: [PartialDecryption], of ciphertexts: [PaillierCiphertext], context: DecryptionContext,
                        threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> ThresholdDecryption {
        let inputs = try inputsDigest(ciphertexts, context: context)
        var valid: [VerifiedPartialDecryption] = []
        var rejected: [ThresholdDecryption.Rejection] = []
        var seen = Set<Int>()
        for partial in partials {
            guard seen.insert(partial.partyId).inserted else {
                rejected.append(.init(partyId: partial.partyId, reason: "duplicate partial decryption from party \(partial.partyId)"))
                continue
            }
            do {
                valid.append(try verify(partial, of: ciphertexts, inputsDigest: inputs, threads: threads))
            } catch let error as ApiaryError {
                rejected.append(.init(partyId: partial.partyId, reason: error.reason))
            }
        }
        guard valid.count >= threshold else {
            let reasons = rejected.map { "party \($0.partyId): \($0.reason)" }.joined(separator: "; ")
            throw ApiaryError(.verificationFailed, "need \(threshold) valid partial decryptions to decrypt, have \(valid.count)" + (reasons.isEmpty ? "" : " (rejected: \(reasons))"))
        }
        let result = try combine(valid, threads: threads)
        return ThresholdDecryption(plaintexts: result.plaintexts, parties: result.parties, rejected: rejected)
    }

    /// Same Paillier key, threshold and verification keys (the cached helpers are not compared).
    public static func == (lhs: ThresholdPublicKey, rhs: ThresholdPublicKey) -> Bool {
        lhs.paillier == rhs.paillier && lhs.threshold == rhs.threshold && lhs.verificationBase == rhs.verificationBase
            && lhs.verificationKeys == rhs.verificationKeys
    }
}
