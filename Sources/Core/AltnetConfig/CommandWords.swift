/// A `command=` value split into an executable and its arguments, the way a POSIX shell splits
/// words, but never run through a shell: no variables, globs, pipes, redirections or `~`.
///
/// The rules (a subset of the shell's word splitting, POSIX.1-2017 XCU 2.2 Quoting):
/// - blanks (space, tab) separate words; a run of blanks is one separator;
/// - `'...'` keeps everything inside as it is (no escapes inside single quotes);
/// - `"..."` keeps everything inside, except that `\"` and `\\` stand for `"` and `\`;
/// - outside quotes, `\` keeps the next character as it is (`\ ` is a space inside a word);
/// - quoted and unquoted parts next to each other make one word (`a'b c'd` is `ab cd`);
/// - `''` or `""` alone is an empty word.
///
/// `#` cannot appear: altnet.conf cuts a line at the first `#` before this splitter sees it.
/// An unterminated quote or a trailing `\` is an error, never guessed at.
public enum CommandWords {
    /// Why a command could not be split.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case unterminatedQuote(Character)
        case trailingBackslash
        case empty

        public var description: String {
            switch self {
            case .unterminatedQuote(let quote): "unterminated \(quote) quote"
            case .trailingBackslash: "a \\ at the end escapes nothing"
            case .empty: "no executable given"
            }
        }
    }

    /// Splits `text` into words.
    /// - Parameter text: a `command=` value.
    /// - Returns: the words, the first being the executable; at least one.
    /// - Throws: ``Problem``.
    public static func split(_ text: String) throws(Problem) -> [String] {
        enum State { case blank, word, single, double }
        var words: [String] = []
        var current = ""
        var state = State.blank
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            switch state {
            case .blank, .word:
                switch c {
                case " ", "\t":
                    if state == .word { words.append(current) }
                    current = ""
                    state = .blank
                case "'":
                    state = .single
                case "\"":
                    state = .double
                case "\\":
                    guard let next = iterator.next() else { throw .trailingBackslash }
                    current.append(next)
                    state = .word
                default:
                    current.append(c)
                    state = .word
                }
            case .single:
                if c == "'" { state = .word } else { current.append(c) }
            case .double:
                switch c {
                case "\"":
                    state = .word
                case "\\":
                    guard let next = iterator.next() else { throw .unterminatedQuote("\"") }
                    if next != "\"" && next != "\\" { current.append("\\") }
                    current.append(next)
                default:
                    current.append(c)
                }
            }
        }
        switch state {
        case .single: throw .unterminatedQuote("'")
        case .double: throw .unterminatedQuote("\"")
        case .word: words.append(current)
        case .blank: break
        }
        guard !words.isEmpty, !words[0].isEmpty else { throw .empty }
        return words
    }
}
