import Testing
import AltnetConfig

/// `command=` values split as a shell splits words, never run through one.
@Suite struct CommandWordsTests {
    @Test func splitsLikeAShellWithoutOne() throws {
        #expect(try CommandWords.split("/usr/bin/python3 driver.py") == ["/usr/bin/python3", "driver.py"])
        #expect(try CommandWords.split("  a\t b  ") == ["a", "b"])
        #expect(try CommandWords.split("'/opt/my drivers/d' --x=1") == ["/opt/my drivers/d", "--x=1"])
        #expect(try CommandWords.split(#""a \"quoted\" \\ word" \$HOME"#) == [#"a "quoted" \ word"#, "$HOME"])
        #expect(try CommandWords.split(#"/bin/d my\ arg"#) == ["/bin/d", "my arg"])
        #expect(try CommandWords.split("a'b c'd") == ["ab cd"])
        #expect(try CommandWords.split("d '' \"\"") == ["d", "", ""])
        // No shell: variables, globs, pipes and ~ are plain characters.
        #expect(try CommandWords.split("d $HOME * | ~ ;rm") == ["d", "$HOME", "*", "|", "~", ";rm"])
        // Inside double quotes a backslash escapes only " and \.
        #expect(try CommandWords.split(#""a\nb""#) == [#"a\nb"#])
    }

    @Test func refusesWhatItCannotSplit() {
        #expect(throws: CommandWords.Problem.unterminatedQuote("'")) { try CommandWords.split("d 'open") }
        #expect(throws: CommandWords.Problem.unterminatedQuote("\"")) { try CommandWords.split("d \"open") }
        #expect(throws: CommandWords.Problem.trailingBackslash) { try CommandWords.split("d \\") }
        #expect(throws: CommandWords.Problem.empty) { try CommandWords.split("   ") }
        #expect(throws: CommandWords.Problem.empty) { try CommandWords.split("'' x") }
    }

    @Test func driverNames() {
        for good in ["ln1", "bip324-tor", "a", "esplora_2", String(repeating: "x", count: 32)] { #expect(DriverName.isValid(good), "\(good)") }
        for bad in ["", "LN", "-a", "_a", "a.b", "a b", "a/b", "ü", String(repeating: "x", count: 33)] { #expect(!DriverName.isValid(bad), "\(bad)") }
        #expect(DriverName.of(section: "driver.ln2") == "ln2")
        #expect(DriverName.of(section: "bip324") == nil)
    }
}
