import DriverProtocol
import Testing

@Suite struct LogTextTests {
    @Test("a peer-chosen string with a newline and ESC stays one escaped line")
    func controlCharactersEscaped() {
        let hostile = "/Satoshi:27.0/\n2026-12-07 altnetd[1]: fake line \u{1b}[31mred\u{1b}[0m \\ é"
        let line = LogText.escaped(hostile, limit: 200)
        #expect(!line.contains("\n") && !line.contains("\u{1b}"))
        #expect(line == "/Satoshi:27.0/\\n2026-12-07 altnetd[1]: fake line \\u{1b}[31mred\\u{1b}[0m \\\\ \\u{e9}")
        #expect(line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f })
    }

    @Test("cut to the limit, marked")
    func cut() {
        #expect(LogText.escaped(String(repeating: "a", count: 10), limit: 4) == "aaaa...")
        #expect(LogText.escaped("abc", limit: 4) == "abc")
    }
}
