import Altstack
import BitcoinPrimitives
import DriverProtocol
import JSON
import Secp256k1

/// Two Lightning drivers for one test, "lna" and "lnb", with fresh node keys, a core that holds
/// both keys (for their `signer.ecdh`), and configs in which one listens on a free loopback port
/// and the other connects to it.
struct LinkedDrivers {
    let core: TestCore
    /// The node keys (the drivers never see them: the core answers their ECDH).
    let keyA: PrivateKey
    let keyB: PrivateKey
    /// The listener's port on 127.0.0.1.
    let port: Int
    /// The node ids (compressed public keys, hex).
    let idA: String
    let idB: String
    let configA: DriverConfig
    let configB: DriverConfig

    /// - Parameters:
    ///   - listener: which driver listens ("lna" by default; the other connects).
    ///   - extraA: more options for lna's config.
    init(listener: String = "lna", extraA: [String: JSONValue] = [:]) throws {
        keyA = PrivateKey()
        keyB = PrivateKey()
        idA = Hex.encode(keyA.publicKey.serialized(compressed: true))
        idB = Hex.encode(keyB.publicKey.serialized(compressed: true))
        core = TestCore(keys: ["lna": keyA, "lnb": keyB])
        port = try LightningFixtures.freePort()
        var optionsA: [String: JSONValue] = ["node_id": .string(idA)]
        var optionsB: [String: JSONValue] = ["node_id": .string(idB)]
        if listener == "lna" {
            optionsA["listen"] = .string("127.0.0.1:\(port)")
            optionsB["connect"] = .array([.string("\(idA)@127.0.0.1:\(port)")])
        } else {
            optionsA["connect"] = .array([.string("\(idB)@127.0.0.1:\(port)")])
            optionsB["listen"] = .string("127.0.0.1:\(port)")
        }
        optionsA.merge(extraA) { _, extra in extra }
        configA = try LightningFixtures.config("lna", options: optionsA)
        configB = try LightningFixtures.config("lnb", options: optionsB)
    }
}
