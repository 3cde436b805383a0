/// Polls bitcoind for one ``ChainObservation``. altnetd implements it with BitcoindRPC
/// (`getblockchaininfo`, `getchaintips` + `getblockheader` for the work of headers-only and
/// valid-headers tips, `getpeerinfo`); tests implement it with recorded values.
///
/// Implementations must time out (the service waits for each poll before the next) and
/// throw on any failure: a throw is read as "bitcoind unreachable".
public protocol ChainObserver: Sendable {
    /// - Returns: the chain as bitcoind sees it now (`at` is overwritten by the service's clock).
    /// - Throws: any error; the service reports ``AnomalyKind/bitcoindUnreachable``.
    func observe() async throws -> ChainObservation
}
