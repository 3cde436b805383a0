import ArgumentParser

/// The BOLT8 part of `altnet-bench transports`.
enum BOLT8TransportBench {
    static func run() throws {
        throw ValidationError("the BOLT8 part of altnet-bench transports is not implemented yet")
    }
}
