import BitcoinPrimitives
import Testing
@testable import HeaderChain

/// The open-addressing index against a Dictionary, with removals that exercise back-shifting.
@Suite struct NodeIndexTests {
    @Test func matchesADictionaryUnderInsertAndRemove() {
        var generator = SplitMix64(seed: 7)
        var nodes: [HeaderChain.Node] = []
        for i in 0..<3000 {
            // Low-entropy hashes with shared low words make long probe runs.
            let hash = BlockHash(Hash256(words: (generator.next() & 0xff, UInt64(i), 0, 0)))
            nodes.append(HeaderChain.Node(
                header: ChainParams.regtest.genesis, hash: hash, height: 0, parent: -1, chainWork: .zero,
                children: 0, walkBackBits: 0))
        }
        var index = HeaderChain.NodeIndex(capacity: 4)
        var reference: [BlockHash: Int32] = [:]
        for i in 0..<nodes.count {
            index.insert(nodes[i].hash, node: Int32(i), in: nodes)
            reference[nodes[i].hash] = Int32(i)
            if i % 3 == 2 {
                let victim = Int(generator.next() % UInt64(i + 1))
                index.remove(nodes[victim].hash, in: nodes)
                reference[nodes[victim].hash] = nil
            }
        }
        #expect(index.count == reference.count)
        for (i, node) in nodes.enumerated() {
            #expect(index.find(node.hash, in: nodes) == reference[node.hash], "node \(i)")
        }
        #expect(index.find(BlockHash(Hash256(words: (1, 2, 3, 4))), in: nodes) == nil)
    }
}
