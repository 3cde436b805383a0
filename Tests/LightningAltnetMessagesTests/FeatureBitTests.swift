import LightningAltnetMessages
import Testing

@Suite struct FeatureBitTests {
    @Test func bit421InTheInitFeatures() {
        // BOLT 9: bit 0 is the least significant bit of the last byte; 421 = 52 * 8 + 5.
        let features = AltnetFeature.setting(AltnetFeature.optionalBit, in: [])
        #expect(features.count == 53)
        #expect(features[0] == 0x20)
        #expect(features.dropFirst().allSatisfy { $0 == 0 })
        #expect(AltnetFeature.isAdvertised(in: features))
        #expect(AltnetFeature.optionalBit % 2 == 1)

        // Added beside existing bits (var_onion_optin 9, static_remotekey 13: 0x22 0x00).
        let existing: [UInt8] = [0x22, 0x00]
        let both = AltnetFeature.setting(421, in: existing)
        #expect(both.count == 53 && Array(both.suffix(2)) == existing && both[0] == 0x20)
        #expect(AltnetFeature.isSet(9, in: both) && AltnetFeature.isSet(13, in: both))

        #expect(!AltnetFeature.isAdvertised(in: existing))
        #expect(!AltnetFeature.isAdvertised(in: []))
        #expect(AltnetFeature.isAdvertised(in: AltnetFeature.setting(420, in: [])))
        #expect(!AltnetFeature.isAdvertised(in: AltnetFeature.setting(422, in: [])))
    }
}
