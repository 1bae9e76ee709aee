import { getConnectionToken } from '@nestjs/mongoose';
import type { CommandStartedEvent } from 'mongodb';
import type { Connection } from 'mongoose';
import type { TestApp } from './test-app';
import { testDatabaseUri } from './test-app';

/** A fresh test database whose client reports every command it sends (see {@link commandsDuring}). */
export function monitoredDatabaseUri(): string {
  const uri = testDatabaseUri();
  return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
}

/** How {@link commandsDuring} writes a command: `collection.command`. */
export function collectionAndCommand({ commandName, command }: CommandStartedEvent): string {
  const target: unknown = commandName === 'getMore' ? command.collection : command[commandName];
  return `${typeof target === 'string' ? target : '?'}.${commandName}`;
}

/** `collection.command filterKeys`, for tests that care what a read looks up. */
export function withFilterKeys(event: CommandStartedEvent): string {
  const filter = (event.command.filter ?? event.command.query ?? {}) as Record<string, unknown>;
  return `${collectionAndCommand(event)} ${Object.keys(filter).join(',')}`;
}

/**
 * The commands an app on {@link monitoredDatabaseUri} sends while `run` runs, each written by
 * `describe`, or left out when it returns undefined: every round trip, whichever layer sent it
 * (mongoose, the driver's collections or a raw command), `getMore` and `killCursors` included.
 */
export async function commandsDuring(
  t: TestApp,
  run: () => Promise<unknown>,
  describe: (event: CommandStartedEvent) => string | undefined = collectionAndCommand,
): Promise<string[]> {
  const client = t.app.get<Connection>(getConnectionToken()).getClient();
  const commands: string[] = [];
  const record = (event: CommandStartedEvent): void => {
    const description = describe(event);
    if (description !== undefined) commands.push(description);
  };
  client.on('commandStarted', record);
  try {
    await run();
  } finally {
    client.off('commandStarted', record);
  }
  return commands;
}
