import ArgumentParser

/// The BIP324 part of `altnet-bench transports`.
enum BIP324TransportBench {
    static func run() throws {
        throw ValidationError("the BIP324 part of altnet-bench transports is not implemented yet")
    }
}
