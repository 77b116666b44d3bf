import ArgumentParser
import QuiverServer

// Parsed and run by hand: in top-level code `QuiverdCommand.main()` resolves to the synchronous
// entry point, which refuses asynchronous commands.
do {
    let command = try QuiverdCommand.parse()
    try await command.run()
} catch {
    QuiverdCommand.exit(withError: error)
}
