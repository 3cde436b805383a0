import BitcoinPrimitives
import Testing
@testable import BOLT8

@Suite("BOLT 1 messages")
struct LightningMessageTests {
    static let regtest = Array(((try? [UInt8](hex: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")) ?? []).reversed())
    static let mainnet = Array(((try? [UInt8](hex: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")) ?? []).reversed())

    func decode(_ hex: String, understood: Set<UInt16> = []) throws -> BOLT1Message {
        try BOLT1Message.decode(try [UInt8](hex: hex), understoodCustomTypes: understood)
    }

    @Test("BigSize encodes minimally and rejects non-minimal forms (BOLT 1 Appendix A values)")
    func bigSize() throws {
        let cases: [(UInt64, String)] = [
            (0, "00"), (252, "fc"), (253, "fd00fd"), (65535, "fdffff"), (65536, "fe00010000"),
            (4_294_967_295, "feffffffff"), (4_294_967_296, "ff0000000100000000"),
            (UInt64.max, "ffffffffffffffffff"),
        ]
        for (value, hex) in cases {
            var writer = ByteWriter()
            BigSize.write(value, to: &writer)
            #expect(writer.bytes.hex == hex)
            var reader = ByteReader(try [UInt8](hex: hex))
            #expect(try BigSize.read(&reader, field: "test") == value)
        }
        for hex in ["fd00fc", "fe0000ffff", "ff00000000ffffffff"] {
            var reader = ByteReader(try [UInt8](hex: hex))
            #expect(throws: LightningMessageError.nonMinimalBigSize) { _ = try BigSize.read(&reader, field: "test") }
        }
        for hex in ["fd00", "feffff", "ffffffffff", ""] {
            var reader = ByteReader(try [UInt8](hex: hex))
            #expect(throws: LightningMessageError.self) { _ = try BigSize.read(&reader, field: "test") }
        }
    }

    @Test("init round-trips features and the networks TLV")
    func initRoundTrip() throws {
        let message = BOLT1Message.initMessage(InitMessage(
            globalFeatures: [0x01], features: [0x02, 0x00, 0x80], networks: [Self.regtest, Self.mainnet],
            remoteAddress: [1, 127, 0, 0, 1, 0x26, 0x07]))
        let bytes = try message.encoded()
        #expect(Array(bytes[0..<2]) == [0, 16])
        #expect(try BOLT1Message.decode(bytes) == message)
        guard case .initMessage(let m) = try BOLT1Message.decode(bytes) else {
            Issue.record("init did not decode as init")
            return
        }
        #expect(m.networks == [Self.regtest, Self.mainnet])
        #expect(m.remoteAddress == [1, 127, 0, 0, 1, 0x26, 0x07])
        #expect(m.hasFeature(0) && m.hasFeature(7) && m.hasFeature(17))
        #expect(!m.hasFeature(1) && !m.hasFeature(9) && !m.hasFeature(100))
    }

    @Test("init: hand-built bytes, unknown odd TLV ignored, unknown even TLV rejected")
    func initTLVRules() throws {
        let networks = "0120" + Self.regtest.hex
        // type 16, gflen 0, flen 1 (0x08), networks, then odd unknown TLV 5.
        let okHex = "0010" + "0000" + "000108" + networks + "0503616263"
        guard case .initMessage(let m) = try decode(okHex) else { Issue.record("not init"); return }
        #expect(m.features == [0x08] && m.globalFeatures.isEmpty && m.networks == [Self.regtest])
        #expect(throws: LightningMessageError.unknownEvenTLV(4)) {
            _ = try decode("0010" + "0000" + "0000" + networks + "0400")
        }
        #expect(throws: LightningMessageError.tlvNotIncreasing(previous: 5, next: 1)) {
            _ = try decode("0010" + "0000" + "0000" + "0500" + networks)
        }
        #expect(throws: LightningMessageError.tlvNotIncreasing(previous: 1, next: 1)) {
            _ = try decode("0010" + "0000" + "0000" + networks + networks)
        }
        #expect(throws: LightningMessageError.tlvLengthExceedsStream(type: 1, length: 64, available: 32)) {
            _ = try decode("0010" + "0000" + "0000" + "0140" + Self.regtest.hex)
        }
        #expect(throws: LightningMessageError.self) {
            _ = try decode("0010" + "0000" + "0000" + "011f" + Self.regtest.hex.dropLast(2))  // 31 bytes
        }
        #expect(throws: LightningMessageError.truncated(field: "init features", needed: 4, available: 1)) {
            _ = try decode("0010" + "0000" + "0004" + "08")
        }
        // No TLVs at all is fine (networks absent).
        guard case .initMessage(let bare) = try decode("0010" + "0000" + "0000") else {
            Issue.record("bare init did not decode as init")
            return
        }
        #expect(bare.networks == nil)
    }

    @Test("error and warning: channel id and data; extra bytes ignored")
    func errorAndWarning() throws {
        let e = ErrorMessage(data: Array("something broke".utf8))
        for message in [BOLT1Message.error(e), .warning(e)] {
            let bytes = try message.encoded()
            #expect(try BOLT1Message.decode(bytes) == message)
            #expect(try BOLT1Message.decode(bytes + [0xde, 0xad]) == message)
        }
        guard case .error(let decoded) = try BOLT1Message.decode(try BOLT1Message.error(e).encoded()) else {
            Issue.record("error did not decode as error")
            return
        }
        #expect(decoded.text == "something broke")
        #expect(throws: LightningMessageError.self) { _ = try decode("0011" + String(repeating: "00", count: 31)) }
        #expect(throws: LightningMessageError.self) {
            _ = try decode("0011" + String(repeating: "00", count: 32) + "0005" + "6162")
        }
    }

    @Test("ping: pong only when num_pong_bytes < 65532; ignored bytes carried")
    func pingPong() throws {
        #expect(Ping(numPongBytes: 0).response == Pong(length: 0))
        #expect(Ping(numPongBytes: 65531).response?.ignored.count == 65531)
        for n: UInt16 in [65532, 65533, 65535] { #expect(Ping(numPongBytes: n).response == nil) }
        let ping = BOLT1Message.ping(Ping(numPongBytes: 10, ignoredLength: 5))
        let bytes = try ping.encoded()
        #expect(bytes.hex == "0012" + "000a" + "0005" + "0000000000")
        #expect(try BOLT1Message.decode(bytes) == ping)
        let pong = BOLT1Message.pong(Pong(length: 3))
        #expect(try pong.encoded().hex == "0013" + "0003" + "000000")
        #expect(try BOLT1Message.decode(try pong.encoded()) == pong)
        #expect(throws: LightningMessageError.self) { _ = try decode("0012000a0005" + "00") }
        #expect(throws: LightningMessageError.self) { _ = try decode("0013") }
    }

    @Test("it's ok to be odd: unknown odd ignored, unknown even fails, custom types on request")
    func oddAndEven() throws {
        #expect(try decode("0065" + "abcd") == .ignored(type: 101))
        #expect(throws: LightningMessageError.unknownEvenType(100)) { _ = try decode("0064") }
        #expect(throws: LightningMessageError.unknownEvenType(32768)) { _ = try decode("8000" + "01") }
        #expect(try decode("8001" + "01") == .ignored(type: 32769))
        #expect(try decode("8000" + "0102", understood: [32768]) == .custom(type: 32768, payload: [1, 2]))
        #expect(try decode("ffff", understood: [65535]) == .custom(type: 65535, payload: []))
        #expect(MessageType.disposition(of: 16, understoodCustomTypes: []) == .known)
        #expect(MessageType.disposition(of: 32770, understoodCustomTypes: []) == .failConnection)
        #expect(throws: LightningMessageError.missingType) { _ = try decode("00") }
        let custom = BOLT1Message.custom(type: 32771, payload: [9, 9])
        #expect(try custom.encoded() == [0x80, 0x03, 9, 9])
        #expect(throws: LightningMessageError.messageTooLarge(65_537)) {
            _ = try BOLT1Message.custom(type: 32771, payload: [UInt8](repeating: 0, count: 65_535)).encoded()
        }
    }
}
