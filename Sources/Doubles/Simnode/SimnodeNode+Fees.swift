import JSON

/// Fee estimation RPCs (src/rpc/fees.cpp). simnode keeps no fee estimator: it answers as Core
/// does before its estimator has seen any confirmed transaction (CBlockPolicyEstimator's
/// MaxUsableEstimate is 0, so estimateSmartFee clamps the target to 0 and returns no rate).
extension SimnodeNode {
    /// The longest target Core tracks (HighestTargetTracked(LONG_HALFLIFE): 42 periods of 24
    /// blocks, src/policy/fees.h), the bound of ParseConfirmTarget.
    static let maxConfirmTarget = 1008

    /// The fee modes FeeModeFromString accepts, case-insensitively, in FeeModeMap's order
    /// (src/util/fees.cpp in v26-v28).
    static let feeEstimateModes = ["unset", "economical", "conservative"]

    /// `estimatesmartfee conf_target ( "estimate_mode" )`: arguments checked in Core's order
    /// (ParseConfirmTarget, then the mode), then Core's no-data answer
    /// `{"errors": ["Insufficient data or no feerate found"], "blocks": 0}`.
    func estimateSmartFee(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "estimatesmartfee", names: ["conf_target", "estimate_mode"], raw: raw)
        let target = try Self.confirmTarget(p.required(0))
        guard (1...Self.maxConfirmTarget).contains(target) else {
            throw RPCFailure(
                RPCFailure.invalidParameter, "Invalid conf_target, must be between 1 and \(Self.maxConfirmTarget)")
        }
        if let mode = try p.optionalString(1), !Self.feeEstimateModes.contains(mode.lowercased()) {
            let names = Self.feeEstimateModes.map { "\"\($0)\"" }.joined(separator: ", ")
            throw RPCFailure(RPCFailure.invalidParameter, "Invalid estimate_mode parameter, must be one of: \(names)")
        }
        return .object([
            ("errors", .array([.string("Insufficient data or no feerate found")])),
            ("blocks", .int(0)),
        ])
    }

    /// conf_target as UniValue::getInt<int> reads it: a number that is not an integer in the
    /// 32-bit range is a std::runtime_error, which the RPC server returns as -1 with its text.
    static func confirmTarget(_ value: JSONValue) throws(RPCFailure) -> Int {
        switch value {
        case .int(let x) where x >= Int64(Int32.min) && x <= Int64(Int32.max): return Int(x)
        case .int, .double, .decimal: throw RPCFailure(RPCFailure.miscError, "JSON integer out of range")
        default: throw RPCFailure.typeMismatch(value, expected: "number")
        }
    }
}
