import BitcoinPrimitives
import Foundation
import JSONSchema
import Testing

/// `SchemaPattern`, the linear-time matcher behind `pattern` and `patternProperties`.
@Suite struct PatternTests {
    @Test(arguments: [
        ("^([0-9a-fA-F]{2})*$", "", true), ("^([0-9a-fA-F]{2})*$", "0aFf", true), ("^([0-9a-fA-F]{2})*$", "0aF", false),
        ("^([0-9a-fA-F]{2})*$", "0g", false), ("^[a-z0-9]{1,12}$", "getheaders", true), ("^[a-z0-9]{1,12}$", "abcdefghijklm", false),
        ("^[a-z0-9]{1,12}$", "", false), ("^0[23][0-9a-fA-F]{64}$", "02" + String(repeating: "ab", count: 32), true),
        ("^0[23][0-9a-fA-F]{64}$", "04" + String(repeating: "ab", count: 32), false),
        ("^[a-z0-9_.-]{1,64}$", "a.b-c_d", true), ("^[a-z0-9_.-]{1,64}$", "a/b", false),
        ("colou?r", "the color", true), ("colou?r", "colr", false), ("^(?:ab|cd)+$", "abcdab", true), ("^(?:ab|cd)+$", "abc", false),
        ("^(?<pair>ab)+?$", "abab", true), ("[^a-c]", "abc", false), ("[^a-c]", "abcd", true), ("^\\d{3}-\\d{2,}$", "123-4567", true),
        ("^\\d{3}-\\d{2,}$", "123-4", false), ("^\\w+\\s\\W$", "a_1 !", true), ("^\\p{Lu}\\p{Ll}+$", "Émile", true),
        ("^\\p{Lu}\\p{Ll}+$", "émile", false), ("^\\P{L}+$", "123", true), ("^\\u{1F600}\\u00e9$", "\u{1F600}é", true),
        ("^.$", "\u{1F600}", true), ("^.$", "\n", false), ("a{2}{", "aa{", true), ("^[\\]\\-]+$", "]-]", true), ("x|", "abc", true),
        ("^$", "", true), ("^$", "a", false), ("^a*$", "aaaa", true), ("a^", "a", false), ("$a", "a", false),
    ])
    func matches(pattern: String, text: String, expected: Bool) throws {
        #expect(try SchemaPattern(pattern).matches(text) == expected)
    }

    @Test(arguments: ["(a)\\1", "(?=a)", "(?!a)", "(?<=a)b", "\\bword", "*a", "a**", "(a", "a)", "[a", "[z-a]", "a{3,2}", "\\p{Nope}", "\\q"])
    func refusesWhatItDoesNotSupport(pattern: String) {
        #expect(throws: SchemaError.self) { try SchemaPattern(pattern) }
    }

    /// Agrees with ICU (NSRegularExpression) on short strings over a small alphabet, where the
    /// two dialects agree (no line terminators, so `$` means the same).
    @Test func agreesWithICUOnSmallInputs() throws {
        let patterns = ["^(ab|a)*b$", "a+b?c*", "^[ab]{2,3}$", "(a|b)*c", "^(?:a|ab)(?:c|bcd)$", "b{2}", "^a?b+a?$", "[^b]c", ".c.", "^(a*)*$"]
        var generator = SplitMix64(seed: 0x5eed)
        var compared = 0
        for source in patterns {
            let ours = try SchemaPattern(source)
            let icu = try NSRegularExpression(pattern: source)
            for _ in 0..<300 {
                let length = Int(generator.next() % 8)
                let text = String((0..<length).map { _ in Array("abcd")[Int(generator.next() % 4)] })
                let expected = icu.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
                #expect(ours.matches(text) == expected, "\(source) on \(text)")
                compared += 1
            }
        }
        #expect(compared == 3000)
    }

    /// Random patterns (literals, classes, `.`, anchors, groups, alternation, every quantifier)
    /// over a three-letter alphabet, each against random strings, compared with ICU. Loops never
    /// repeat a group that can match the empty string: there ICU (a backtracker) departs from
    /// ECMA-262's rules, which keep the language regular (an empty iteration past the minimum
    /// only fails, and skipping it reaches the same place).
    @Test func randomPatternsAgreeWithICU() throws {
        var generator = SplitMix64(seed: 0xC0FFEE)
        func pick(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
        func character() -> String {
            [["a", "b", "c"][pick(3)], ["[ab]", "[^a]", "[a-b]", "[^bc]"][pick(4)], "."][pick(3)]
        }
        func item(_ depth: Int) -> String {
            if depth < 2 && pick(4) == 0 {
                // A group that cannot match empty; any quantifier may follow.
                let group = (pick(2) == 0 ? "(" : "(?:") + alternation(depth + 1) + ")"
                return group + ["", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?", "??"][pick(11)]
            }
            return character() + ["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?", "??"][pick(12)]
        }
        /// Starts with one unquantified character, so it never matches empty.
        func sequence(_ depth: Int) -> String {
            character() + (0..<pick(3)).map { _ in item(depth) }.joined()
        }
        func alternation(_ depth: Int) -> String {
            (0..<(1 + pick(2))).map { _ in sequence(depth) }.joined(separator: "|")
        }
        var compared = 0, matched = 0
        for _ in 0..<300 {
            let source = (pick(3) == 0 ? "^" : "") + alternation(0) + (pick(3) == 0 ? "$" : "")
            let ours = try SchemaPattern(source)
            let icu = try NSRegularExpression(pattern: source)
            for _ in 0..<30 {
                let text = String((0..<pick(7)).map { _ in Array("abc")[pick(3)] })
                let expected = icu.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
                #expect(ours.matches(text) == expected, "\(source) on \"\(text)\"")
                compared += 1
                if expected { matched += 1 }
            }
        }
        #expect(compared == 9000)
        // Both answers occur often: the comparison is not all "no match" (or all "match").
        #expect(matched > 1000 && matched < 8000, "\(matched) of \(compared) matched")
    }

    /// A long hex payload (2,000,000 characters, a 1 MB block; ICU's backtracking stack gave up
    /// at 1,000,000) against the protocol's hex pattern: linear time, no stack growing with the
    /// input. (8,000,000, a 4 MB block, takes about 4x as long; 6.5 s for both calls here in a
    /// debug build.)
    @Test func twoMillionHexCharactersAreChecked() throws {
        let hex = try SchemaPattern("^([0-9a-fA-F]{2})*$")
        let payload = String(repeating: "0aFf", count: 500_000)
        let start = ContinuousClock.now
        #expect(hex.matches(payload))
        #expect(!hex.matches(payload + "0"))
        // Debug build, shared machine: generous; the point is no blow-up (ICU gave up, Swift's
        // Regex took 700 MB).
        #expect(ContinuousClock.now - start < .seconds(60))
    }
}
