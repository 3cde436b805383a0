// altnet-emergency-child DBPATH RAWTX_HEX
//
// Test fixture for the kill -9 durability test: opens the emergency queue, enqueues the
// transaction, writes "enqueued TXID" on stdout as soon as enqueue returns, then waits to be
// killed. Exit 2 with the error on stderr when the enqueue is refused. Not a product.
import EmergencyQueue
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: altnet-emergency-child DBPATH RAWTX_HEX\n".utf8))
    exit(64)
}
do {
    let store = try EmergencyStore(path: arguments[1])
    let checked = try CheckedTransaction(hex: arguments[2])
    let row = try store.enqueue(checked)
    FileHandle.standardOutput.write(Data("enqueued \(row.txid)\n".utf8))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
while true { sleep(60) }
