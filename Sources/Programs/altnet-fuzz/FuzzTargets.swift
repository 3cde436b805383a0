import BIP324ProxyCore
import BitcoinPrimitives

/// What the fuzzer checks on every input, beyond "does not crash, does not hang, does not
/// allocate without bound": the properties the codecs promise.
///
/// The first input byte picks the target, the rest is its input:
/// - 0: a raw v1 byte stream (mainnet magic): whole-buffer and byte-at-a-time decoding must
///   agree, and every frame's payload goes through the message codec.
/// - 1: a payload for the command picked by the next byte, framed correctly, so the fuzzer
///   reaches the payload decoders without first finding magic and checksum.
/// - 2: a transaction. 3: a block (and its structure checks).
/// - 4: BIP324 responder fed raw bytes in any split. 5: a BIP324 session under fixed keys with
///   fuzzed packet contents, decoys and one optional flipped byte.
/// - 6: BOLT 8 responder handshake (raw act one, or a real act three XORed with a mask).
///   7: BOLT 8 transport after a fixed-key handshake (round trip, flipped byte, raw ciphertext).
/// - 8: altnet Lightning messages: the fragment reassembler under small limits, encoder round trip.
/// - 9: proxy front end: SOCKS5Server, ProxyGreeting, VersionAddrRecv, ProxyTranslator (v1, v2).
/// - 10: DriverKit reply matching. 11: driver JSON-RPC lines as the Altstack reads them.
/// - 12: bitcoind ZMQ multipart notifications. 13: the altnet.conf parser.
/// - 14: JSON (the one scanner and parser), the RPC proxy's request reading and Basic/rpcauth
///   authentication.
/// - 15: BOLT 1 messages (init and its TLV stream, ping/pong, error/warning) against a reference.
/// - 16: the BIP324 driver's PeerSession (v1, v1 fallback, v2 under fixed keys, raw bytes).
/// - 17: HeaderChain against a reference implementation, and HeadersPresync against HeaderChain.
/// - 18: `addr`/`addrv2` lists (BIP155), Tor v3 names, address text, addrman.dat (``AddressFuzz``).
/// - 19: the Lightning driver's core: a BOLT 8 carrier session and its altnet session (hostile peer).
/// - 20: the Core Lightning carrier: lightningd's object stream, the plugin session, listpeers.
/// - 21: the driver pipe with binary framing: lines and frames in any split, frame headers and
///   their payload ranges, binary re-encoding (``DriverFrameFuzz``).
/// Targets 4 and up read their own parameters from the input (``FuzzInput``).
/// A violated property stops the process with a message: that is the report a fuzzer needs.
enum FuzzTargets {
    static let commands: [P2PCommand] = [
        .version, .verack, .ping, .pong, .getheaders, .headers, .inv, .getdata, .notfound, .block, .tx,
        .sendheaders, .wtxidrelay, .sendaddrv2, .feefilter, .addr, .addrv2, .getaddr,
    ]

    /// The number of targets: the selector is taken modulo this (scripts/fuzz.sh knows it too).
    static let count: UInt8 = 22

    static func run(_ input: [UInt8]) {
        guard let first = input.first else { return }
        // ALTNET_FUZZ_ONLY=N (scripts/fuzz.sh ONLY=N) pins the target; the first byte is then ignored.
        let selector = onlySelector ?? first
        let body = input.dropFirst()
        var input = FuzzInput(body)
        switch selector % count {
        case 0: stream(Array(body))
        case 1:
            guard let c = body.first else { return }
            let command = commands[Int(c) % commands.count]
            let payload = Array(body.dropFirst())
            stream(P2PFrame(command: command, payload: payload).encoded(magic: .main))
        case 2: transaction(Array(body))
        case 3: block(Array(body))
        case 4: BIP324Fuzz.responderRaw(&input)
        case 5: BIP324Fuzz.session(&input)
        case 6: BOLT8Fuzz.handshake(&input)
        case 7: BOLT8Fuzz.transport(&input)
        case 8: LightningFuzz.reassembler(&input)
        case 9: ProxyFuzz.run(&input)
        case 10: ReplyMatcherFuzz.run(&input)
        case 11: DriverLineFuzz.run(&input)
        case 12: ZMQFuzz.run(&input)
        case 13: ConfigFuzz.run(&input)
        case 14: RPCProxyFuzz.run(&input)
        case 15: BOLT1Fuzz.run(&input)
        case 16: PeerSessionFuzz.run(&input)
        case 17: HeaderChainFuzz.run(&input)
        case 18: AddressFuzz.run(&input)
        case 19: LightningSessionFuzz.run(&input)
        case 20: CLNFuzz.run(&input)
        default: DriverFrameFuzz.run(&input)
        }
    }

    static func stream(_ bytes: [UInt8]) {
        let whole = drain(bytes, chunk: bytes.count)
        let drip = drain(bytes, chunk: 1)
        check(whole == drip, "byte-at-a-time decoding differs from whole-buffer decoding")
        for case .success(let frame) in whole {
            guard let message = try? P2PMessage(frame: frame) else { continue }
            let again = try? P2PMessage.decode(command: message.command, payload: message.encodePayload())
            check(again == message, "message \(message.command) does not survive encode/decode")
        }
    }

    /// Feeds `bytes` in chunks, collecting frames and errors until a fatal error.
    static func drain(_ bytes: [UInt8], chunk: Int) -> [Result<P2PFrame, P2PFramingError>] {
        var d = V1FrameDecoder(magic: .main)
        var out: [Result<P2PFrame, P2PFramingError>] = []
        var i = 0
        let step = max(chunk, 1)
        while i < bytes.count {
            d.feed(bytes[i..<min(i + step, bytes.count)])
            i += step
            while true {
                do {
                    guard let f = try d.nextFrame() else { break }
                    out.append(.success(f))
                } catch {
                    out.append(.failure(error))
                    if error.isFatal { return out }
                }
            }
        }
        return out
    }

    static func transaction(_ bytes: [UInt8]) {
        guard let tx = try? Transaction(bytes: bytes) else { return }
        check(tx.serialized() == bytes, "transaction does not re-serialise to its input")
        _ = (tx.txid, tx.wtxid)
    }

    static func block(_ bytes: [UInt8]) {
        guard let b = try? Block(bytes: bytes) else { return }
        check(b.serialized() == bytes, "block does not re-serialise to its input")
        _ = try? b.checkStructure()
    }

    static func check(_ ok: Bool, _ message: @autoclosure () -> String) {
        // The fuzzer's oracle: a broken property must end the run so libFuzzer saves the input.
        // fatalError, not precondition: its message is printed in release builds too.
        if !ok { fatalError(message()) }
    }
}
