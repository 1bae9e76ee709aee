import type { Document } from 'mongodb';
import { mongo } from 'mongoose';
import { isFailoverError } from '../common/errors/database-failures';

/**
 * Sends a read command (a `find`), and once more after an error a failover causes: a connection
 * dropped under it, or a primary that stepped down. The driver retries its own reads so
 * (`retryReads`), but never a command sent through `db.command`, which the floor uses for its
 * cheaper replies; a `find` changes nothing, so sending it twice is safe. The second try selects
 * a server again, waiting up to `serverSelectionTimeoutMS` for the new primary; a failover that
 * outlasts it answers 503 (`toAppError`). `retryReads=false` in the URI turns the second try off,
 * as it does the driver's.
 */
export async function readCommand(db: mongo.Db, command: FindCommand): Promise<Document> {
  try {
    return await db.command(command);
  } catch (error) {
    if (!isFailoverError(error) || db.client.options.retryReads === false) throw error;
    return db.command(command);
  }
}

/** A command that only reads, and so may be sent twice: a `find`. */
export type FindCommand = { find: string } & Document;
