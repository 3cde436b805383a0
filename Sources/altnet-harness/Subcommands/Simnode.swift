import ArgumentParser

struct Simnode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simnode", abstract: "Not yet built.")
    func run() async throws {
        throw ValidationError("altnet-harness simnode is not implemented yet")
    }
}
