import AltnetControl
import AltnetDaemon
import ArgumentParser
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON

/// sendemergencytx: check a raw transaction, hand it to altnetd, print the result per transport.
@main
struct SendEmergencyTxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendemergencytx",
        abstract: "Broadcast one transaction through every transaction-capable altnet driver and bitcoind.",
        discussion: """
            The transaction is parsed first (a clear error for bad hex or bytes that are not a \
            transaction), then sent to altnetd (control method sendemergencytx). Prints the result \
            per transport as JSON. Exit 0 when at least one transport accepted it, 1 otherwise, \
            2 for a malformed transaction.
            """)

    @Option(name: .customLong("datadir"), help: "altnetd's data directory (socket and cookie).")
    var datadir: String = NSHomeDirectory() + "/.altnet"

    @Argument(help: "The raw transaction as hex, or - to read it from standard input.")
    var rawtx: String

    func run() throws {
        var text = rawtx
        if rawtx == "-" {
            // Bounded read: 4,000,000-byte transactions are 8,000,000 hex characters.
            let data = FileHandle.standardInput.readData(ofLength: 8_000_100)
            text = String(decoding: data, as: UTF8.self)
        }
        let parsed: (bytes: [UInt8], tx: Transaction)
        do {
            parsed = try SendEmergencyTx.parse(hex: text)
        } catch {
            FileHandle.standardError.write(Data("sendemergencytx: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        let client = ControlClient(dataDir: datadir, timeoutSeconds: 120)
        let result: JSONValue
        do {
            result = try client.call("sendemergencytx", .object(["tx": .string(parsed.bytes.hex)]))
        } catch {
            FileHandle.standardError.write(Data("\(error.message)\n".utf8))
            throw ExitCode(1)
        }
        print(CLIOutput.render(result))
        guard case .object(let fields) = result, let accepted = fields["accepted"]?.intValue, accepted > 0 else {
            throw ExitCode(1)
        }
    }
}
