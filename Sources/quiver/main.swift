internal import QuiverCLI

await QuiverCommand.main()
