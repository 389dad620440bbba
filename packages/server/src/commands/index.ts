/**
 * The room-operation commands of the `cowrite` CLI, each in its own module: `backup`, `export`,
 * `import`. cli.ts dispatches to `runCommand`, which prints what a command writes and its
 * refusals, and exits with the command's code.
 */
import { backup } from './backup.js'
import { CommandError, type Environment } from './command.js'
import { exportRooms } from './export.js'
import { importRooms } from './import.js'

export const COMMANDS = ['backup', 'export', 'import'] as const
export type CommandName = (typeof COMMANDS)[number]

/** Run one command to its end; exits 2 for a usage error, 1 for a refusal or failure, 0 otherwise. */
export async function runCommand(name: CommandName, args: string[], env: Environment): Promise<void> {
  const write = (text: string | Uint8Array) => new Promise<void>((resolve) => (process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve)))
  let pending: Promise<void> = Promise.resolve()
  const out = (text: string | Uint8Array) => void (pending = pending.then(() => write(text)))
  try {
    if (name === 'backup') await backup(args, env, out)
    else if (name === 'export') await exportRooms(args, env, out)
    else await importRooms(args, env, out)
    await pending
  } catch (error) {
    await pending
    if (error instanceof CommandError) {
      process.stderr.write(`cowrite ${name}: ${error.message}\n${error.exitCode === 2 ? `(cowrite ${name} --help shows the usage)\n` : ''}`)
      process.exit(error.exitCode)
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`cowrite ${name}: ${(error as Error).message}\n(cowrite ${name} --help shows the usage)\n`)
      process.exit(2)
    }
    throw error
  }
}
