import BIP324
import BIP324DriverCore
import BIP324ProxyCore
import BitcoinPrimitives
import Secp256k1

/// The BIP324 proxy's front end, which reads bytes from any local client: SOCKS5 negotiation,
/// first-byte sniffing, the v1 version message's `addr_recv`, and the v1 framer inside
/// ``ProxyTranslator``.
enum ProxyFuzz {
    /// Selector 9: a mode byte, a split seed, then the client's bytes.
    static func run(_ input: inout FuzzInput) {
        let mode = input.byte()
        let seed = input.byte()
        let bytes = input.remaining()
        switch mode % 5 {
        case 0: socks5(bytes, seed: seed)
        case 1: greeting(bytes, seed: seed, mapped: mode & 0x80 != 0)
        case 2: versionAddrRecv(Array(bytes.prefix(4096)), seed: seed)
        case 3: translatorV1(bytes, seed: seed)
        default: translatorV2(bytes, seed: seed)
        }
    }

    static func checkDestination(_ d: ProxyDestination) {
        FuzzTargets.check((0...65_535).contains(d.port), "proxy destination port \(d.port)")
        switch d.host {
        case .ipv4(let b): FuzzTargets.check(b.count == 4, "IPv4 host of \(b.count) bytes")
        case .ipv6(let b): FuzzTargets.check(b.count == 16, "IPv6 host of \(b.count) bytes")
        case .domain(let name): FuzzTargets.check(name.utf8.count <= 255, "domain of \(name.utf8.count) bytes")
        }
        _ = (d.description, d.host.connectHost)
    }

    static func socks5(_ bytes: [UInt8], seed: UInt8) {
        var server = SOCKS5Server()
        var fed: [UInt8] = []
        for chunk in FuzzSplit.chunks(bytes, seed: seed) {
            fed += chunk
            switch server.receive(Array(chunk)) {
            case .needMore: continue
            case .connect(let destination, _, let leftover):
                checkDestination(destination)
                FuzzTargets.check(fed.suffix(leftover.count).elementsEqual(leftover), "SOCKS5 leftover is not the end of the input")
                return
            case .refuse(let reason, _):
                FuzzTargets.check(!reason.isEmpty, "SOCKS5 refused without a reason")
                return
            }
        }
    }

    static func greeting(_ bytes: [UInt8], seed: UInt8, mapped: Bool) {
        var greeting = ProxyGreeting(magic: .main, mapped: mapped ? ProxyDestination(host: .ipv4([127, 0, 0, 1]), port: 8333) : nil)
        var fed: [UInt8] = []
        for chunk in FuzzSplit.chunks(bytes, seed: seed) {
            fed += chunk
            switch greeting.receive(Array(chunk)) {
            case .needMore: continue
            case .route(let destination, let method, _, let clientBytes):
                checkDestination(destination)
                FuzzTargets.check(fed.suffix(clientBytes.count).elementsEqual(clientBytes), "greeting's client bytes are not the end of the input")
                if method != .socks5 {
                    FuzzTargets.check(clientBytes.starts(with: NetworkMagic.main.wireBytes), "v1 route without the magic")
                }
                return
            case .refuse:
                return
            }
        }
    }

    /// Once a prefix of the stream gives a destination or a refusal, longer prefixes give the same.
    static func versionAddrRecv(_ bytes: [UInt8], seed: UInt8) {
        var fed: [UInt8] = []
        var settled: VersionAddrRecv.Outcome?
        for chunk in FuzzSplit.chunks(bytes, seed: seed) {
            fed += chunk
            let outcome = VersionAddrRecv.destination(in: fed, magic: .main)
            if case .destination(let d) = outcome { checkDestination(d) }
            if let settled {
                FuzzTargets.check(outcome == settled, "addr_recv outcome changed with more bytes: \(settled) then \(outcome)")
            } else if outcome != .needMore {
                settled = outcome
            }
        }
    }

    struct Run: Equatable {
        var traffic: [ProxyTraffic] = []
        var failed = false
        var forwarded: [UInt8] = []
    }

    static func feedV1(_ chunks: [ArraySlice<UInt8>], fromClient: Bool) -> Run {
        var t = ProxyTranslator(v1Magic: .main)
        var run = Run()
        for chunk in chunks {
            do throws(ProxyError) {
                if fromClient {
                    run.traffic += try t.fromClient(Array(chunk))
                } else {
                    run.traffic += try t.fromRemote(Array(chunk))
                }
            } catch {
                run.failed = true
                break
            }
        }
        run.forwarded = fromClient ? t.takeBytesForRemote() : t.takeBytesForClient()
        return run
    }

    /// The v1 fallback path: whole and split feeding agree; forwarded bytes are whole frames
    /// of the input, in order.
    static func translatorV1(_ bytes: [UInt8], seed: UInt8) {
        for fromClient in [true, false] {
            let whole = feedV1([bytes[...]], fromClient: fromClient)
            let split = feedV1(FuzzSplit.chunks(bytes, seed: seed), fromClient: fromClient)
            FuzzTargets.check(whole.failed == split.failed, "v1 framer failure depends on the split")
            if !whole.failed {
                FuzzTargets.check(whole == split, "v1 framer output depends on the split")
            }
            // A call that throws reports none of its messages (the frames before the bad one
            // were already forwarded; the connection is closed): count only clean runs.
            let total = whole.traffic.reduce(0) { $0 + P2PMessageHeader.size + $1.payloadBytes }
            FuzzTargets.check(whole.failed || whole.forwarded.count == total, "v1 framer forwarded \(whole.forwarded.count) bytes for \(total) framed")
        }
    }

    static let remoteKey = try? PrivateKey(rawRepresentation: [UInt8](repeating: 0x61, count: 32))

    /// A v1 client over a BIP324 remote: the framer reports the same messages as on the v1 path,
    /// and every one of them is handed to the BIP324 transport.
    static func translatorV2(_ bytes: [UInt8], seed: UInt8) {
        guard let key = remoteKey,
              let remote = try? BIP324Transport(
                role: .initiator, networkMagic: NetworkMagic.main.wireBytes, privateKey: key,
                ellswiftRandomness: [UInt8](repeating: 0x62, count: 32), garbage: [])
        else { return }
        var t = ProxyTranslator(magic: .main, remote: remote)
        var traffic: [ProxyTraffic] = []
        var failed = false
        for chunk in FuzzSplit.chunks(bytes, seed: seed) {
            do throws(ProxyError) {
                traffic += try t.fromClient(Array(chunk))
            } catch {
                failed = true
                break
            }
        }
        let v1 = feedV1(FuzzSplit.chunks(bytes, seed: seed), fromClient: true)
        FuzzTargets.check(v1.failed == failed && v1.traffic == traffic, "v2 translator frames the client differently from v1")
        // The remote's answer is arbitrary bytes: BIP324 must refuse or wait, never trap.
        _ = try? t.fromRemote(Array(bytes.reversed()))
    }
}
