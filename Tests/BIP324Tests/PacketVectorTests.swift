@testable import BIP324
import BitcoinPrimitives
import ElligatorSwift
import Secp256k1
import Testing
import TestSupport

/// BIP324's packet_encoding_test_vectors.csv, every row, as the row's side (encrypt and compare)
/// and as the opposite side (decrypt what the row's side sent).
@Suite("BIP324 packet vectors")
struct PacketVectorTests {
    /// The vectors use mainnet's magic (Bitcoin Core's bip324_tests select MAIN).
    static let mainnetMagic: [UInt8] = [0xF9, 0xBE, 0xB4, 0xD9]

    struct Row {
        let fields: [String: String]
        func hex(_ name: String) throws -> [UInt8] { try [UInt8](hex: fields[name] ?? "") }
        func int(_ name: String) throws -> Int {
            try #require(Int(fields[name] ?? ""), "column \(name) is not an integer")
        }
    }

    static func rows() throws -> [Row] {
        let lines = try SharedData.text("specs/bip324/packet_encoding_test_vectors.csv").split(whereSeparator: \.isNewline)
        let header = try #require(lines.first).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let values = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Row(fields: Dictionary(uniqueKeysWithValues: zip(header, values)))
        }
    }

    @Test("every row: ECDH, keys, ciphertext on the row's side, decryption on the other side")
    func everyRow() throws {
        let rows = try Self.rows()
        #expect(rows.count == 7, "expected the 7 official rows, got \(rows.count)")
        for (n, row) in rows.enumerated() {
            let key = try PrivateKey(rawRepresentation: row.hex("in_priv_ours"))
            let ours = try row.hex("in_ellswift_ours"), theirs = try row.hex("in_ellswift_theirs")
            let initiating = row.fields["in_initiating"] == "1"
            #expect(try ElligatorSwift.decode(ours) == row.hex("mid_x_ours"), "row \(n) x_ours")
            #expect(try ElligatorSwift.decode(ours) == key.publicKey.x, "row \(n): our encoding is not our key")
            #expect(try ElligatorSwift.decode(theirs) == row.hex("mid_x_theirs"), "row \(n) x_theirs")
            #expect(try ElligatorSwift.xOnlyECDH(privateKey: key, theirs: theirs) == row.hex("mid_x_shared"), "row \(n) x_shared")
            let secret = try ElligatorSwift.bip324SharedSecret(privateKey: key, ours: ours, theirs: theirs, initiating: initiating)
            #expect(secret == (try row.hex("mid_shared_secret")), "row \(n) shared secret")

            let keys = try BIP324Keys(sharedSecret: secret, networkMagic: Self.mainnetMagic)
            #expect(keys.initiatorL == (try row.hex("mid_initiator_l")), "row \(n) initiator_L")
            #expect(keys.initiatorP == (try row.hex("mid_initiator_p")), "row \(n) initiator_P")
            #expect(keys.responderL == (try row.hex("mid_responder_l")), "row \(n) responder_L")
            #expect(keys.responderP == (try row.hex("mid_responder_p")), "row \(n) responder_P")
            #expect(keys.sessionID == (try row.hex("out_session_id")), "row \(n) session id")

            var sender = try BIP324Cipher(keys: keys, initiating: initiating)
            var receiver = try BIP324Cipher(keys: keys, initiating: !initiating)
            #expect(sender.sendGarbageTerminator == (try row.hex("mid_send_garbage_terminator")), "row \(n) send terminator")
            #expect(sender.receiveGarbageTerminator == (try row.hex("mid_recv_garbage_terminator")), "row \(n) recv terminator")
            #expect(receiver.receiveGarbageTerminator == sender.sendGarbageTerminator)

            // Seek to packet in_idx on both sides (crossing rekeys for the larger indices).
            for _ in 0..<(try row.int("in_idx")) {
                let packet = try sender.encrypt(contents: [])
                #expect(try receiver.decryptLength(packet[0..<3]) == 0)
                #expect(try receiver.decrypt(packet[3...]).contents.isEmpty)
            }
            let unit = try row.hex("in_contents")
            var contents: [UInt8] = []
            for _ in 0..<(try row.int("in_multiply")) { contents += unit }
            let aad = try row.hex("in_aad"), ignore = row.fields["in_ignore"] == "1"
            let packet = try sender.encrypt(contents: contents, aad: aad, ignore: ignore)
            if let full = row.fields["out_ciphertext"], !full.isEmpty {
                #expect(packet.hex == full, "row \(n) ciphertext")
            } else {
                let tail = try row.hex("out_ciphertext_endswith")
                #expect(!tail.isEmpty && packet.suffix(tail.count).elementsEqual(tail), "row \(n) ciphertext ending")
            }
            #expect(try receiver.decryptLength(packet[0..<3]) == contents.count, "row \(n) decrypted length")
            let opened = try receiver.decrypt(packet[3...], aad: aad)
            #expect(opened.ignore == ignore && opened.contents == contents, "row \(n) decryption on the other side")
        }
    }

    @Test("the short message id table matches short-message-ids.tsv")
    func shortIDs() throws {
        let rows = try SharedData.rows("specs/bip324/short-message-ids.tsv", separator: "\t")
        var checked = 0
        for row in rows {
            let id = try #require(UInt8(row[0]))
            if id == 0 { continue }
            #expect(BIP324MessageType.command(forShortID: id) == row[1], "id \(id)")
            #expect(BIP324MessageType.shortID(for: row[1]) == id)
            checked += 1
        }
        #expect(checked == BIP324MessageType.shortIDs.count)
        #expect(BIP324MessageType.command(forShortID: UInt8(checked + 1)) == nil)
    }
}
