import { mongo } from 'mongoose';

/** What the driver throws when it reaches no server, or lost the one it had. */
const DATABASE_UNAVAILABLE_ERRORS: ReadonlySet<string> = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoExpiredSessionError',
]);

/**
 * Server error codes a failover answers: those of MongoDB's retryable-reads and retryable-writes
 * specifications (a primary stepping down or shutting down, a node recovering, the network).
 */
const FAILOVER_CODES: ReadonlySet<number> = new Set([
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
const FAILOVER_MESSAGE = /not master|not primary|node is recovering/i;

/** Whether the database could not be reached at all: no server, a closed client, a lost socket. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (DATABASE_UNAVAILABLE_ERRORS.has(error.name)) return true;
  // mongoose refuses operations while disconnected when bufferCommands is off
  return (
    error.name === 'MongooseError' &&
    /before initial connection|Connection was force closed|Client must be connected/.test(
      error.message,
    )
  );
}

/**
 * Whether `error` is one a failover causes: a connection dropped under the command, or a primary
 * that stepped down (or is shutting down) and refused it while the replica set elects another.
 * A read may be sent again after it, and a client told 503 may send its request again. A write
 * concern error is not one, whatever its code: the primary applied the write, and only its
 * replication is in doubt, so sending it again would not do the same thing.
 */
export function isFailoverError(error: unknown): boolean {
  if (error instanceof mongo.MongoNetworkError) return true;
  if (!(error instanceof mongo.MongoServerError) || error instanceof mongo.MongoWriteConcernError)
    return false;
  // the words count only where the server gave no code (a message may quote stored values)
  return typeof error.code === 'number' && error.code !== 0
    ? FAILOVER_CODES.has(error.code)
    : FAILOVER_MESSAGE.test(error.message);
}
