import ArgumentParser

/// `altnet-bench transports`: handshake CPU and packet throughput for BIP324 and BOLT 8, against
/// swift-crypto's raw ChaCha20-Poly1305 for the same sizes in the same run.
struct TransportsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transports", abstract: "BIP324 and BOLT 8 against raw ChaCha20-Poly1305.")

    func run() throws {
        try BIP324TransportBench.run()
        try BOLT8TransportBench.run()
    }
}
