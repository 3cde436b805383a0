import BIP324DriverCore
import BitcoinPrimitives
import Testing

/// `getdata` de-duplication (issue 15), bytes in, list out.
@Suite struct InventoryUniqueTests {
    @Test func repeatsAreDroppedInFirstSeenOrder() {
        let a = Inventory(type: .tx, hash: Hash256(words: (1, 0, 0, 0)))
        let b = Inventory(type: .wtx, hash: Hash256(words: (1, 0, 0, 0)))
        let c = Inventory(type: .tx, hash: Hash256(words: (2, 0, 0, 0)))
        let (items, repeats) = Inventory.unique([a, c, a, b, c, a])
        // The same hash under another type is another item (a wtxid request is not a txid one).
        #expect(items == [a, c, b])
        #expect(repeats == 3)
    }

    @Test func fiftyThousandCopiesOfOneItemAreOne() {
        let item = Inventory(type: .wtx, hash: Hash256(words: (7, 0, 0, 0)))
        let (items, repeats) = Inventory.unique(Array(repeating: item, count: 50_000))
        #expect(items == [item])
        #expect(repeats == 49_999)
    }
}
