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

/**
 * The commands an app on {@link monitoredDatabaseUri} sends while `run` runs, as
 * `collection.command`: every round trip, whichever layer sent it (mongoose, the driver's
 * collections or a raw command), `getMore` and `killCursors` included.
 */
export async function commandsDuring(t: TestApp, run: () => Promise<unknown>): Promise<string[]> {
  const client = t.app.get<Connection>(getConnectionToken()).getClient();
  const commands: string[] = [];
  const record = ({ commandName, command }: CommandStartedEvent): void => {
    const target: unknown = commandName === 'getMore' ? command.collection : command[commandName];
    commands.push(`${typeof target === 'string' ? target : '?'}.${commandName}`);
  };
  client.on('commandStarted', record);
  try {
    await run();
  } finally {
    client.off('commandStarted', record);
  }
  return commands;
}
