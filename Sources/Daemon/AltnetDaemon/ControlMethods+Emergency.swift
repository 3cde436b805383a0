import AltnetControl
import BitcoinPrimitives
import JSON
import EmergencyQueue

/// `sendemergencytx {"tx": hex}` (one transaction) or `{"txs": [hex, ...]}` (a package,
/// parents first, child last: what `submitpackage` takes; the RPC proxy mirrors both here).
extension ControlMethods {
    func sendEmergencyTx(_ params: JSONValue) async throws -> Result<JSONValue, ControlRPC.ErrorObject> {
        let hexes: [String]
        if let hex = params.parameter("tx", position: 0)?.stringValue {
            hexes = [hex]
        } else if case .array(let items)? = params.parameter("txs", position: 0) {
            let strings = items.compactMap(\.stringValue)
            guard strings.count == items.count, !strings.isEmpty, strings.count <= EmergencyLimits.maxPackageCount else {
                return .failure(.init(code: ControlRPC.Code.invalidParameter,
                                      message: "txs must be 1 to \(EmergencyLimits.maxPackageCount) hex strings"))
            }
            hexes = strings
        } else {
            return .failure(.init(code: ControlRPC.Code.invalidParameter, message: "sendemergencytx needs {\"tx\": hex} or {\"txs\": [hex, ...]}"))
        }
        var package: [[UInt8]] = []
        for hex in hexes {
            do {
                package.append(try SendEmergencyTx.parse(hex: hex).bytes)
            } catch {
                return .failure(.init(code: ControlRPC.Code.deserialization, message: error.description))
            }
        }
        // Stored (and fsynced) before the first broadcast; the reply comes after that broadcast.
        let submitted: (rows: [EmergencyTx], results: [TransportResult])
        do {
            submitted = try await emergency.submit(package: package)
        } catch {
            switch error.reason {
            case .malformedHex, .notATransaction, .tooLarge, .coinbase:
                return .failure(.init(code: ControlRPC.Code.deserialization, message: error.description))
            case .queueFull, .unknownTxid:
                return .failure(.init(code: ControlRPC.Code.invalidParameter, message: error.description))
            case .cannotOpen, .storage:
                return .failure(.init(code: ControlRPC.Code.misc, message: error.description))
            }
        }
        guard let last = submitted.rows.last else {
            return .failure(.init(code: ControlRPC.Code.misc, message: "nothing stored"))
        }
        var report = SendEmergencyTx.Report(EmergencySubmitReply(tx: last, results: submitted.results))
        if submitted.rows.count > 1 { report.package = submitted.rows.map(\.txid) }
        return .success(try ControlRPC.json(report))
    }
}
