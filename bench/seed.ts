import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Db, MongoClient, ObjectId } from 'mongodb';

const BATCH = 1_000;
const REFRESH_TTL_MS = 7 * 24 * 3600 * 1000;

export const BENCH_PASSWORD = 'bench-password-123';

/**
 * An active refresh token of its own session, shaped like src/auth/refresh-token.schema.ts: the
 * document's `_id`, then 256 random bits, as the server issues them (found by primary key).
 */
export function refreshTokenDocument(userId: ObjectId, now: Date) {
  const _id = new ObjectId();
  const token = Buffer.concat([_id.id, randomBytes(32)]).toString('base64url');
  const document = {
    _id,
    nextId: new ObjectId(),
    tokenHash: createHash('sha256').update(token).digest('hex'),
    userId,
    sessionId: randomUUID(),
    createdAt: now,
    expiresAt: new Date(now.getTime() + REFRESH_TTL_MS),
    createdByIp: '127.0.0.1',
    userAgent: 'bench',
    revokedAt: null,
    revokedByIp: null,
    revokedReason: null,
    replacedBy: null,
  };
  return { token, document };
}

/** What the scenarios need to know about the seeded data. */
export interface SeededUsers {
  ids: string[];
  usernames: string[];
}

/** Writes straight into the server's database with the raw driver, in the shapes of src/**\/*.schema.ts. */
export class Seeder {
  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    /** One real bcrypt hash of BENCH_PASSWORD, shared by every seeded user. */
    private readonly passwordHash: string,
  ) {}

  static async connect(uri: string, passwordHash: string): Promise<Seeder> {
    const client = await MongoClient.connect(uri, { maxPoolSize: 4 });
    return new Seeder(client, client.db(), passwordHash);
  }

  async countUsers(): Promise<number> {
    return this.db.collection('users').countDocuments();
  }

  /** Adds users `bench<from>` … `bench<to - 1>`, ids growing with the index (creation order). */
  async addUsers(from: number, to: number, into: SeededUsers): Promise<void> {
    for (let start = from; start < to; start += BATCH) {
      const now = new Date();
      const docs = [];
      for (let index = start; index < Math.min(start + BATCH, to); index += 1) {
        const username = `Bench${String(index).padStart(6, '0')}`;
        docs.push({
          _id: new ObjectId(),
          username,
          usernameNormalized: username.toLowerCase(),
          passwordHash: this.passwordHash,
          role: 'user',
          createdAt: now,
          updatedAt: now,
        });
      }
      await this.db.collection('users').insertMany(docs, { ordered: true });
      // the server finds users by name through this collection (src/users/username.schema.ts)
      await this.db.collection<{ _id: string; userId: ObjectId }>('usernames').insertMany(
        docs.map((doc) => ({ _id: doc.usernameNormalized, userId: doc._id })),
        { ordered: true },
      );
      for (const doc of docs) {
        into.ids.push(doc._id.toHexString());
        into.usernames.push(doc.username);
      }
    }
  }

  /** One active refresh token (its own session) per entry of `userIds`; returns the token values. */
  async addRefreshTokens(userIds: readonly string[]): Promise<string[]> {
    const tokens: string[] = [];
    for (let start = 0; start < userIds.length; start += BATCH) {
      const now = new Date();
      const docs = userIds.slice(start, start + BATCH).map((userId) => {
        const { token, document } = refreshTokenDocument(new ObjectId(userId), now);
        tokens.push(token);
        return document;
      });
      await this.db.collection('refresh_tokens').insertMany(docs, { ordered: true });
    }
    return tokens;
  }

  /**
   * `perUser` security events for each of `userIds`, shaped like
   * src/security-events/security-event.schema.ts: ObjectId `_id`s in time order.
   */
  async addSecurityEvents(userIds: readonly string[], perUser: number): Promise<number> {
    const types = ['sign-in', 'sign-in-failed', 'logout', 'password-changed'];
    let inserted = 0;
    let docs: Record<string, unknown>[] = [];
    const flush = async () => {
      if (docs.length === 0) return;
      await this.db.collection('security_events').insertMany(docs, { ordered: false });
      inserted += docs.length;
      docs = [];
    };
    for (let round = 0; round < perUser; round += 1) {
      for (const userId of userIds) {
        const _id = new ObjectId();
        docs.push({
          _id,
          userId: new ObjectId(userId),
          type: types[round % types.length],
          at: _id.getTimestamp(),
          ip: '127.0.0.1',
          userAgent: 'bench',
          sessionId: randomUUID(),
          actorId: null,
        });
        if (docs.length === BATCH) await flush();
      }
    }
    await flush();
    return inserted;
  }

  async countRefreshTokens(): Promise<number> {
    return this.db.collection('refresh_tokens').countDocuments();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
