import AgentKit
import Foundation
import Shared

// apiary-agent: the institution's program. Logic lives in AgentKit.
let usage = """
Usage: apiary-agent <command> [options]

Commands:
  run      run the institution's agent (see docs/institution-guide.md)
  verify   verify a ledger file (and a dataset against its publication entry)

Run `apiary-agent <command> --help` for a command's options.
"""

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, command != "--help", command != "-h" else {
    print(usage)
    exit(arguments.isEmpty ? 2 : 0)
}
let rest = Array(arguments.dropFirst())
switch command {
case "run":
    do {
        exit(try RunCommand.run(rest))
    } catch {
        FileHandle.standardError.write(Data("apiary-agent run: \(error)\n".utf8))
        exit(1)
    }
case "verify":
    let (output, status) = VerifyCommand.run(rest)
    if status == 0 { print(output) } else { FileHandle.standardError.write(Data((output + "\n").utf8)) }
    exit(status)
default:
    FileHandle.standardError.write(Data("apiary-agent: unknown command '\(command)'\n\n\(usage)\n".utf8))
    exit(2)
}
