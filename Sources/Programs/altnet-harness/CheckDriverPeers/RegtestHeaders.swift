import BitcoinPrimitives

/// Headers a conformance peer serves: a short regtest chain on the genesis block, mined here
/// (regtest's target 0x207fffff takes about two hashes per header).
enum RegtestHeaders {
    /// - Parameter count: headers to mine on regtest's genesis (at most 2,000).
    /// - Returns: a `headers` payload: CompactSize count, then per header 80 bytes and a zero
    ///   transaction count.
    static func payload(count: Int) -> [UInt8] {
        let params = ChainParams.regtest
        let count = min(max(count, 0), 2000)
        let target = CompactTarget.decode(params.genesis.bits).value
        var headers: [BlockHeader] = []
        var previous = params.genesis
        for height in stride(from: 1, through: count, by: 1) {
            var header = BlockHeader(
                version: 0x2000_0000, previousBlockHash: previous.hash,
                merkleRoot: Hash256.sha256d(of: Array("altnet check-driver \(height)".utf8)),
                time: previous.time + 600, bits: previous.bits, nonce: 0)
            while !ProofOfWork.meets(header.hash, target: target) { header.nonce &+= 1 }
            headers.append(header)
            previous = header
        }
        return P2PMessage.headers(headers).encodePayload()
    }
}
