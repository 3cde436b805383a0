import BitcoinPrimitives
import Simnode

/// Regtest chains with real blocks (Simnode's miner), for the rescue rules' unit tests.
enum RegtestChains {
    /// A chain from genesis: `length` blocks after it; `fork` varies the coinbase so two chains
    /// from the same parent differ.
    static func extend(_ base: [SimBlock], by length: Int, fork: UInt32? = nil) throws -> [SimBlock] {
        var chain = base
        for _ in 0..<length {
            let parent = chain[chain.count - 1]
            let block = try Miner.mine(parent: parent.hash, height: chain.count, time: parent.header.time + 600,
                                       scriptPubKey: [0x51], extraNonce: fork)
            chain.append(block)
        }
        return chain
    }

    static func genesis() throws -> [SimBlock] { [try Regtest.genesis()] }

    /// The peer's view for ``FakeRouter``: headers and block bytes.
    static func peer(_ driver: String, _ id: String, address: String? = nil, startHeight: Int? = nil,
                     behaviour: FakeRouter.Behaviour = .serve, chain: [SimBlock]) -> FakeRouter.Peer {
        FakeRouter.Peer(driver: driver, id: id, address: address, startHeight: startHeight, behaviour: behaviour,
                        chain: chain.map(\.header), blocks: Dictionary(chain.map { ($0.hash, $0.serialized) }, uniquingKeysWith: { a, _ in a }))
    }
}
