import type { Document } from 'mongodb';
import { mongo } from 'mongoose';

/**
 * Server error codes after which a read may be sent again: those of MongoDB's retryable-reads
 * specification (a primary stepping down or shutting down, a node recovering, the network).
 */
const RETRYABLE_READ_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Servers before 4.2 say it in words only. */
const RETRYABLE_READ_MESSAGE = /not master|not primary|node is recovering/i;

/**
 * Sends a read command (a `find`), and once more after an error a failover causes: a connection
 * dropped under it, or a primary that stepped down. The driver retries its own reads so
 * (`retryReads`), but never a command sent through `db.command`, which the floor uses for its
 * cheaper replies; a `find` changes nothing, so sending it twice is safe. The second try selects
 * a server again, waiting up to `serverSelectionTimeoutMS` for the new primary; its error is
 * answered as any other (503 for an unreachable database, where the first error, a stepped-down
 * primary's, would be a 500). `retryReads=false` in the URI turns the second try off, as it does
 * the driver's.
 */
export async function readCommand(db: mongo.Db, command: FindCommand): Promise<Document> {
  try {
    return await db.command(command);
  } catch (error) {
    if (!isRetryableRead(error) || db.client.options.retryReads === false) throw error;
    return db.command(command);
  }
}

/** A command that only reads, and so may be sent twice: a `find`. */
export type FindCommand = { find: string } & Document;

/** Whether `error` is one after which a read may be sent again (see {@link readCommand}). */
export function isRetryableRead(error: unknown): boolean {
  if (error instanceof mongo.MongoNetworkError) return true;
  if (!(error instanceof mongo.MongoServerError)) return false;
  return (
    (typeof error.code === 'number' && RETRYABLE_READ_CODES.has(error.code)) ||
    RETRYABLE_READ_MESSAGE.test(error.message)
  );
}
