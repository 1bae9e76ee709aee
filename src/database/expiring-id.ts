import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/**
 * Ids that sort by when their document stops mattering, so that deleting everything expired is
 * one `_id` range, which MongoDB and the embedded FerretDB both answer from the `_id` index (a
 * filter on an `expiresAt` field would scan the collection on FerretDB, which has no TTL indexes).
 *
 * An ObjectId's first four bytes are seconds since 1970 and order the ids; here they are the
 * expiry instead of the creation time. The other eight bytes are an ObjectId's own (a per-process
 * random value and a counter, so ids made in one process in one second keep their order), or a
 * digest of `key` where the id must be found again (and a race decided by inserting it).
 */
export function expiringId(expiresAt: Date, key?: string): Types.ObjectId {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.max(0, Math.ceil(expiresAt.getTime() / 1000)), 0);
  const tail =
    key === undefined
      ? Buffer.from(new Types.ObjectId().id).subarray(4)
      : createHash('sha256').update(key).digest().subarray(0, 8);
  tail.copy(bytes, 4);
  return new Types.ObjectId(bytes);
}

/** When a document under an {@link expiringId} stops mattering. */
export function expiryOf(id: Types.ObjectId): Date {
  return id.getTimestamp();
}

/** The `_id` condition of every document that expired before `now`. */
export function expiredBefore(now: Date): { $lt: Types.ObjectId } {
  return { $lt: Types.ObjectId.createFromTime(Math.floor(now.getTime() / 1000)) };
}
