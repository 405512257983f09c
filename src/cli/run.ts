import { Command, CommanderError } from 'commander';
import { renderConfigHelp } from '../config/help';
import { commandGroups } from './commands';
import { cliLanguage, ExitCode, fail, type CliContext, type CliIo, type CommandGroup } from './io';
import { opencalVersion } from './version';

const EXIT_HELP = `
Exit codes: 0 done, 1 refused (CODE: message on stderr), 2 usage error, 3 unexpected failure.
Commands that print data accept --json (one JSON document on stdout).
`;

function applyToAll(command: Command, io: CliIo): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  command.showSuggestionAfterError(true);
  command.showHelpAfterError('(run opencal --help to see the commands, flags and environment variables)');
  if (!command.options.some((o) => o.long === '--lang')) command.option('--lang <lang>', 'language of the messages: en or fr (env OPENCAL_LANG)');
  for (const sub of command.commands) applyToAll(sub, io);
}

/**
 * The `opencal` command line: parses argv, runs one command, and answers its exit code.
 * Never calls process.exit: bin/opencal.mjs does, with the returned code.
 */
export async function run(rawArgv: readonly string[], rawIo: CliIo, groups: readonly CommandGroup[] = commandGroups): Promise<number> {
  const language = cliLanguage(rawArgv, rawIo);
  if (!language.ok) return fail(rawIo, language.error);
  const io: CliIo = { ...rawIo, lang: language.value.lang };
  const argv = language.value.argv;
  let exitCode: number = ExitCode.OK;
  const ctx: CliContext = {
    io,
    action:
      <A extends unknown[]>(fn: (...args: A) => Promise<number> | number) =>
      async (...args: A) => {
        exitCode = await fn(...args);
      },
  };

  const program = new Command('opencal')
    .description('OpenCAL: clearinghouse, license servers, session hosts and Client Access Licenses')
    .version(opencalVersion(), '-V, --version')
    .helpCommand(true)
    .addHelpText('after', `\n${renderConfigHelp()}${EXIT_HELP}`);
  for (const group of groups) group(program, ctx);
  applyToAll(program, io);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') return ExitCode.USAGE;
      return ExitCode.USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`INTERNAL_ERROR: ${message}\n`);
    if (error instanceof Error && error.stack && io.env['OPENCAL_DEBUG']) io.stderr.write(`${error.stack}\n`);
    return ExitCode.UNEXPECTED;
  }
  return exitCode;
}
