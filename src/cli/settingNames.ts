/**
 * A bad value is reported under the name of the setting the user set: the flag when it was typed,
 * the environment variable when the value came from there (someone who exported
 * SPARKIFY_WAREHOUSE never typed --warehouse). Options that fall back on an environment variable
 * declare it with commander's `.env()`, which records where each value came from.
 */
import type { Command } from 'commander';
import { parseSourceUri, parseWarehouseUri } from '../config';

/** `--warehouse` or `SPARKIFY_WAREHOUSE`: where the value of the option `key` (its attribute name) came from. */
export function settingName(command: Command, key: string): string {
  const option = command.options.find((o) => o.attributeName() === key);
  if (!option?.long) throw new Error(`${command.name()} has no option for ${key}`);
  return command.getOptionValueSource(key) === 'env' && option.envVar ? option.envVar : option.long;
}

/** How the command was given option `key`'s value (settingName), or undefined when it holds none. */
export function givenAs(command: Command): (key: string) => string | undefined {
  return (key) => {
    const source = command.getOptionValueSource(key);
    return source === 'cli' || source === 'env' ? settingName(command, key) : undefined;
  };
}

/** The command's connection flags, with how each was given, for errors that name them. */
export function connectionFlagsOf<T extends object>(flags: T, command: Command): T & { givenAs: (key: string) => string | undefined } {
  return { ...flags, givenAs: givenAs(command) };
}

/** settingName for one command, as the parsers that take a name for each of their settings want it. */
export function settingNamesOf(command: Command): (key: string) => string {
  return (key) => settingName(command, key);
}

/**
 * Checks the command's --source and --warehouse (those it has and was given), each under the name
 * it was set by; the code that later parses them again then has nothing left to report.
 */
export function checkLocations(command: Command): void {
  const given = command.opts<{ source?: string; warehouse?: string }>();
  if (given.source !== undefined) parseSourceUri(given.source, settingName(command, 'source'));
  if (given.warehouse !== undefined) parseWarehouseUri(given.warehouse, settingName(command, 'warehouse'));
}
