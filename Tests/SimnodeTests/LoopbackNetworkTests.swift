import BitcoindRPC
import Foundation
import TestSupport
import Testing

/// The discovery tests' loopback network (TestSupport.LoopbackNetwork): 12 simnodes on
/// 127.10.1.1 ... 127.21.1.1, one port, books filled in a ring, and nothing left behind.
@Suite(.serialized) struct LoopbackNetworkTests {
    @Test func twelveSimnodesOnTheirOwnGroupsGossipAndLeaveNothingBehind() async throws {
        let before = ChildProcesses.descendants()
        let network = try await LoopbackNetwork.start(count: 12, peersEach: 4)
        defer { network.kill() }
        #expect(network.hosts == (10...21).map { "127.\($0).1.1" })
        #expect(Set(network.hosts.map { $0.split(separator: ".")[1] }).count == 12, "distinct /16 groups")
        // Each node's book holds the next four, as addpeeraddress put them.
        for (i, node) in network.nodes.enumerated() {
            let book = Set(try await node.rpc.nodeAddresses().map { "\($0.address):\($0.port)" })
            #expect(book == Set((1...4).map { network.endpoint((i + $0) % 12) }), "node \(i): \(book)")
        }
        // simnode-to-simnode gossip: a 13th simnode with an empty book connects to node 0 (addnode),
        // asks it with getaddr, and stores its answer (23% of 4: 0 ... so node 0 is told about
        // more first: 8 entries give 1 address).
        for j in 5...8 { try await network.nodes[0].rpc.addPeerAddress(network.hosts[j], port: network.p2pPort) }
        let book0 = Set(try await network.nodes[0].rpc.nodeAddresses().map { "\($0.address):\($0.port)" })
        let newcomer = try await SimnodeChild.start(
            temporary: "loopnet-new", .init(zmq: false, p2pPort: 0, extra: ["--p2pbind", "127.30.1.1", "--simaddrloopback"]))
        defer { newcomer.kill() }
        try await newcomer.rpc.callIgnoringResult("addnode", [.string(network.endpoint(0)), .string("onetry")])
        var learned: Set<String> = []
        let arrived = await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            learned = Set(((try? await newcomer.rpc.nodeAddresses()) ?? []).map { "\($0.address):\($0.port)" })
            return !learned.isEmpty
        }
        #expect(arrived && learned.count == 1 && learned.isSubset(of: book0), "\(learned) of \(book0)")
        newcomer.kill()
        network.kill()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "left running: \(left)")
    }
}
