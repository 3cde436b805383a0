import BitcoinPrimitives
import Testing

/// The one `host:port` parser: IPv4, bracketed IPv6, names, default ports and port ranges.
@Suite struct HostPortTests {
    @Test("HOST:PORT, [IPv6]:PORT and names parse; description brackets IPv6")
    func parses() throws {
        let v4 = try HostPort(parsing: "203.0.113.5:8333")
        #expect(v4 == HostPort(host: "203.0.113.5", port: 8333) && v4.description == "203.0.113.5:8333")
        let v6 = try HostPort(parsing: "[2001:db8::1]:18444")
        #expect(v6.host == "2001:db8::1" && v6.port == 18444 && v6.description == "[2001:db8::1]:18444")
        #expect(try HostPort(parsing: "[::1]:8333") == HostPort(host: "::1", port: 8333))
        #expect(try HostPort(parsing: "node.example:8333") == HostPort(host: "node.example", port: 8333))
        #expect(try HostPort(parsing: "localhost:65535").port == 65535)
    }

    @Test("a host alone takes the default port, bracketed IPv6 included")
    func defaultPort() throws {
        #expect(try HostPort(parsing: "127.0.0.1", defaultPort: 8332) == HostPort(host: "127.0.0.1", port: 8332))
        #expect(try HostPort(parsing: "[::1]", defaultPort: 18443) == HostPort(host: "::1", port: 18443))
        #expect(try HostPort(parsing: "node.example:1", defaultPort: 8332).port == 1)
        #expect(throws: HostPortError.self) { try HostPort(parsing: "127.0.0.1") }
    }

    @Test("port 0 only where the caller allows it (a listening address)")
    func portRange() throws {
        #expect(throws: HostPortError.self) { try HostPort(parsing: "127.0.0.1:0") }
        #expect(try HostPort(parsing: "127.0.0.1:0", ports: 0...65535).port == 0)
    }

    @Test("malformed values are refused with the reason")
    func refuses() {
        let cases: [(String, String)] = [
            ("8333", "expected HOST:PORT"),
            ("host:", "not a number"),
            ("host:0", "1...65535"),
            ("host:65536", "1...65535"),
            ("host:-1", "1...65535"),
            ("host:83x", "not a number"),
            ("2001:db8::1:8333", "[ADDRESS]:PORT"),
            ("[::1]8333", "expected :PORT"),
            ("[::1:8333", "closing ]"),
            (":8333", "host is empty"),
            ("[]:8333", "host is empty"),
            ("", "host is empty"),
        ]
        for (text, reason) in cases {
            do {
                let parsed = try HostPort(parsing: text)
                Issue.record("\"\(text)\" parsed as \(parsed)")
            } catch {
                #expect(error.description.contains(reason), "\"\(text)\": \(error)")
                #expect(error.text == text)
            }
        }
    }
}
