import ArgumentParser

struct CheckDriver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-driver", abstract: "Not yet built.")
    func run() async throws {
        throw ValidationError("altnet-harness check-driver is not implemented yet")
    }
}
