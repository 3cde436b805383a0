import ArgumentParser

struct HeadersBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "headers", abstract: "Not yet measured.")
    func run() throws {
        throw ValidationError("altnet-bench headers is not implemented yet")
    }
}
