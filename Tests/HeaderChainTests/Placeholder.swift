import Testing
import TestSupport

@Test func sharedDataIsPresent() throws {
    #expect(try SharedData.data("data/mainnet/headers-822528-830592.bin").count == 645_200)
}
