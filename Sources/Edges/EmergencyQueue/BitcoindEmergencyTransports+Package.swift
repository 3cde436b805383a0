import BitcoinPrimitives
import BitcoindRPC
import JSON

/// `submitpackage` (src/rpc/mempool.cpp, v26+; regtest only before v28) for the local bitcoind.
extension BitcoindEmergencyTransports {
    /// Submits a package; where bitcoind has no usable `submitpackage`, sends each member with
    /// `sendrawtransaction` in order.
    /// - Parameter package: the members, parents first.
    /// - Returns: bitcoind's result (``TransportResult/local``): accepted when every member is in
    ///   its mempool (or already in a block).
    func submitPackage(_ package: [[UInt8]]) async -> TransportResult {
        let params: [JSONValue] = [.array(package.map { JSONValue.hex($0) })]
        do throws(BitcoindRPCError) {
            let reply = try await rpc.call("submitpackage", params, as: SubmitPackageReply.self)
            let errors = reply.txResults.values.compactMap { $0.error }
            let complete = reply.txResults.count == package.count && errors.isEmpty
                && (reply.packageMessage == nil || reply.packageMessage == "success")
            let detail = complete
                ? "package of \(package.count): " + reply.txResults.values.compactMap { $0.txid }.sorted().joined(separator: ", ")
                : "package refused: \(reply.packageMessage ?? "") \(errors.joined(separator: "; "))"
            return TransportResult(transport: "bitcoind", accepted: complete, detail: detail, local: true)
        } catch {
            // Method not found, or "submitpackage is for regression testing (-regtest mode) only"
            // (v26, v27 on other networks): one transaction after the other.
            guard error.rpcCode == RPCErrorCode.methodNotFound || Self.message(error).contains("regression testing") else {
                return TransportResult(transport: "bitcoind", accepted: false, detail: Self.message(error), local: true)
            }
            var results: [TransportResult] = []
            for raw in package { results.append(await sendToBitcoind(raw)) }
            return TransportResult.merge(results.map { [$0] }).first
                ?? TransportResult(transport: "bitcoind", accepted: false, detail: "empty package", local: true)
        }
    }
}

/// The part of `submitpackage`'s reply used here: `tx-results` keyed by wtxid, each with its
/// txid and, when refused, `error` (v28+); `package_msg` (v28+), "success" when all went in.
struct SubmitPackageReply: Decodable, Sendable {
    struct Member: Decodable, Sendable {
        let txid: String?
        let error: String?
    }

    let packageMessage: String?
    let txResults: [String: Member]

    enum CodingKeys: String, CodingKey {
        case packageMessage = "package_msg"
        case txResults = "tx-results"
    }
}
