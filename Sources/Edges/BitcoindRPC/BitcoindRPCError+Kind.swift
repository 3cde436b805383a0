extension BitcoindRPCError {
    /// What the caller should do.
    public enum Kind: Sendable, Equatable {
        /// Retry later (with backoff): bitcoind is starting, restarting, busy or slow.
        case transient
        /// Retrying the same call will fail the same way: fix the call, the config, or give up.
        case persistent
    }

    /// The one place where failures are classified.
    ///
    /// Transient: connection refused or closed, timeouts, a missing cookie file (bitcoind not
    /// yet up), HTTP 503 (work queue full), and the RPC codes that mean "not now":
    /// RPC_IN_WARMUP (-28), RPC_CLIENT_NOT_CONNECTED (-9), RPC_CLIENT_IN_INITIAL_DOWNLOAD (-10),
    /// RPC_OUT_OF_MEMORY (-7). Everything else (method not found, invalid parameter, not found,
    /// deserialization, verification, bad credentials, oversized or malformed replies) is
    /// persistent.
    public var kind: Kind {
        switch reason {
        case .connectionRefused, .connectionClosed, .timeout, .credentialsUnavailable:
            return .transient
        case .httpStatus(let status, _):
            return status == 503 ? .transient : .persistent
        case .unauthorized, .responseTooLarge, .malformedResponse:
            return .persistent
        case .rpc(let code, _):
            switch code {
            case RPCErrorCode.inWarmup, RPCErrorCode.clientNotConnected,
                RPCErrorCode.clientInInitialDownload, RPCErrorCode.outOfMemory:
                return .transient
            default:
                return .persistent
            }
        }
    }

    /// True when bitcoind could not be reached at all (as opposed to answering with an error):
    /// the watchdog reports this as "bitcoind unreachable", never as a chain anomaly.
    public var isUnreachable: Bool {
        switch reason {
        case .connectionRefused, .connectionClosed, .timeout: return true
        default: return false
        }
    }
}
