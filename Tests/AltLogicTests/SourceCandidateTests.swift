import AltLogic
import Testing

/// ``SourceCandidate``'s key and its network group helper.
@Suite struct SourceCandidateTests {
    @Test func keyNamesDriverAndPeer() {
        #expect(SourceCandidate(driver: "bip324", peer: "3", group: "g").key == "bip324/3")
        #expect(SourceCandidate(driver: "rpc", peer: nil, group: "g").key == "rpc/*")
        #expect(!SourceCandidate(driver: "bip324", peer: "3", group: "g").demoted)
        #expect("\(SourceCandidate(driver: "ln", peer: "02ab", group: "onion", demoted: true))" == "ln/02ab [onion, demoted]")
    }

    @Test func groupOfAReadableAddressIsItsNetworkGroup() {
        #expect(SourceCandidate.group(forAddress: "203.0.113.5:8333", driver: "bip324", peer: "1") == "ipv4:203.0")
        #expect(SourceCandidate.group(forAddress: "203.0.200.9:8333", driver: "bip324", peer: "2") == "ipv4:203.0")
        #expect(SourceCandidate.group(forAddress: "[2001:db8:1::1]:8333", driver: "bip324", peer: "3") == "ipv6:2001:0db8")
        #expect(SourceCandidate.group(forAddress: "abcdefghijklmnop.onion:8333", driver: "bip324", peer: "4") == "onion")
        // Loopback is an IPv4 /16 like any other: the drivers list no `network` field.
        #expect(SourceCandidate.group(forAddress: "127.0.0.1:18444", driver: "bip324", peer: "5") == "ipv4:127.0")
    }

    @Test func noOrUnreadableAddressIsAGroupOfItsOwn() {
        #expect(SourceCandidate.group(forAddress: nil, driver: "ln", peer: "02ab") == "peer:ln/02ab")
        #expect(SourceCandidate.group(forAddress: "", driver: "ln", peer: "02ab") == "peer:ln/02ab")
        #expect(SourceCandidate.group(forAddress: "not an address", driver: "ln", peer: "02ab") == "peer:ln/02ab")
        #expect(SourceCandidate.group(forAddress: "node.example.org:9735", driver: "ln", peer: "02cd") == "peer:ln/02cd")
        #expect(SourceCandidate.group(forAddress: nil, driver: "rpc", peer: nil) == "peer:rpc/*")
    }
}
