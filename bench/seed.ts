import { createHash, randomBytes } from 'node:crypto';
import { Db, MongoClient, ObjectId } from 'mongodb';
import type { AppConfig } from '../src/config/app-config';
import { expiringId } from '../src/database/expiring-id';
import { MfaCrypto } from '../src/mfa/mfa-crypto';
import { newRecoveryCodes, normalizeRecoveryCode } from '../src/mfa/recovery-codes';
import { newTotpSecret } from '../src/mfa/totp';
import { newSplitToken } from '../src/tokens/token.service';

const BATCH = 1_000;
const REFRESH_TTL_MS = 7 * 24 * 3600 * 1000;
const SESSION_MAX_LIFETIME_MS = 30 * 24 * 3600 * 1000;
const SESSION_RETENTION_MS = 30 * 24 * 3600 * 1000;
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export const BENCH_PASSWORD = 'bench-password-123';

/**
 * An open session with its first refresh token, shaped like src/sessions/store/session.schema.ts
 * and src/sessions/store/refresh-token.schema.ts: the token is the link's `_id` (selector), then
 * 256 random bits (verifier), as the server issues them.
 */
export function sessionDocuments(userId: ObjectId, now: Date) {
  const absoluteExpiresAt = new Date(now.getTime() + SESSION_MAX_LIFETIME_MS);
  const sessionId = expiringId(new Date(absoluteExpiresAt.getTime() + SESSION_RETENTION_MS));
  const { token, document } = refreshTokenDocument(userId, now, sessionId);
  return {
    token,
    sessionId,
    tokenDocument: document,
    session: {
      _id: sessionId,
      userId,
      createdAt: now,
      absoluteExpiresAt,
      amr: ['pwd'],
      endedAt: null,
      endedReason: null,
      // its activity until the first refresh, which stores it in session_activity
      opening: {
        tokenId: document._id,
        expiresAt: document.expiresAt,
        ip: '127.0.0.1',
        userAgent: CHROME_MAC,
      },
    },
  };
}

/** The first refresh token of the session `sessionId`, shaped like src/sessions/store/refresh-token.schema.ts. */
export function refreshTokenDocument(userId: ObjectId, now: Date, sessionId = new ObjectId()) {
  const expiresAt = new Date(now.getTime() + REFRESH_TTL_MS);
  const _id = expiringId(expiresAt);
  const token = Buffer.concat([_id.id, randomBytes(32)]).toString('base64url');
  const document = {
    _id,
    parent: sessionId,
    sessionId,
    userId,
    tokenHash: createHash('sha256').update(token).digest('hex'),
    createdAt: now,
    expiresAt,
    absoluteExpiresAt: new Date(now.getTime() + SESSION_MAX_LIFETIME_MS),
    amr: ['pwd'],
    createdByIp: '127.0.0.1',
    userAgent: 'bench',
  };
  return { token, document };
}

/** A sign-in waiting for its second step, and a code that completes it. */
export interface PendingSecondStep {
  mfaToken: string;
  code: string;
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

  /**
   * Adds users `bench<from>` … `bench<to - 1>`, ids growing with the index (creation order), each
   * with a verified address `bench<n>@bench.example.com` (forgot-known mails them).
   */
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
          email: `${username.toLowerCase()}@bench.example.com`,
          emailVerified: true,
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
      // and by address through this one (src/users/email-address.schema.ts)
      await this.db
        .collection<{ _id: string; userId: ObjectId; claimedAt: Date }>('email_addresses')
        .insertMany(
          docs.map((doc) => ({ _id: doc.email, userId: doc._id, claimedAt: now })),
          { ordered: true },
        );
      for (const doc of docs) {
        into.ids.push(doc._id.toHexString());
        into.usernames.push(doc.username);
      }
    }
  }

  /** One open session with its live refresh token per entry of `userIds`; returns the token values. */
  async addRefreshTokens(userIds: readonly string[]): Promise<string[]> {
    return (await this.addSessions(userIds)).map((session) => session.token);
  }

  /** One open session (record with its first activity, live refresh token) per entry of `userIds`. */
  async addSessions(
    userIds: readonly string[],
  ): Promise<{ userId: string; sessionId: string; token: string }[]> {
    const added: { userId: string; sessionId: string; token: string }[] = [];
    for (let start = 0; start < userIds.length; start += BATCH) {
      const now = new Date();
      const batch = userIds.slice(start, start + BATCH).map((userId) => {
        const docs = sessionDocuments(new ObjectId(userId), now);
        added.push({ userId, sessionId: docs.sessionId.toHexString(), token: docs.token });
        return docs;
      });
      await this.db.collection('sessions').insertMany(batch.map((docs) => docs.session));
      await this.db
        .collection('refresh_tokens')
        .insertMany(batch.map((docs) => docs.tokenDocument));
    }
    return added;
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
          sessionId: new ObjectId().toHexString(),
          actorId: null,
        });
        if (docs.length === BATCH) await flush();
      }
    }
    await flush();
    return inserted;
  }

  /**
   * Turns the second factor on for `userIds`, as src/mfa/store/mfa.schema.ts stores it (the secret
   * sealed and the recovery codes digested under `mfaEncryptionKey`, the server's key), and opens
   * one pending sign-in (mfaToken) per recovery code: each pair completes once.
   */
  async addMfaSignIns(
    userIds: readonly string[],
    mfaEncryptionKey: Buffer,
  ): Promise<PendingSecondStep[]> {
    const crypto = new MfaCrypto({ mfaEncryptionKey } as AppConfig);
    // the seeded sign-ins outlive any run; the server's own live 5 minutes
    const challengeExpiry = new Date(Date.now() + 3600_000);
    const pending: PendingSecondStep[] = [];
    for (let start = 0; start < userIds.length; start += BATCH / 10) {
      const factors = [];
      const challenges = [];
      const batch = userIds.slice(start, start + BATCH / 10);
      const usernames = new Map(
        (
          await this.db
            .collection<{ username: string }>('users')
            .find(
              { _id: { $in: batch.map((id) => new ObjectId(id)) } },
              { projection: { username: 1 } },
            )
            .toArray()
        ).map((user) => [user._id.toHexString(), user.username]),
      );
      for (const userId of batch) {
        const codes = newRecoveryCodes();
        // what the server checks codes against: stored on the factor, and copied into each
        // pending sign-in as the password step does
        const factor = {
          secret: crypto.seal(userId, newTotpSecret()),
          recoverySetId: new ObjectId().toHexString(),
          recoveryCodeDigests: codes.map((code) =>
            crypto.recoveryCodeDigest(userId, normalizeRecoveryCode(code)!),
          ),
        };
        factors.push({ _id: new ObjectId(userId), pending: false, ...factor });
        for (const code of codes) {
          const _id = expiringId(challengeExpiry);
          const { token, hash } = newSplitToken(_id);
          challenges.push({
            _id,
            tokenHash: hash,
            userId: new ObjectId(userId),
            username: usernames.get(userId),
            credentialVersion: 0,
            factor,
          });
          pending.push({ mfaToken: token, code });
        }
      }
      await this.db.collection('mfa_factors').insertMany(factors);
      await this.db.collection('mfa_challenges').insertMany(challenges);
      await this.db
        .collection('users')
        .updateMany(
          { _id: { $in: batch.map((id) => new ObjectId(id)) } },
          { $set: { mfaEnabled: true } },
        );
    }
    return pending;
  }

  async countRefreshTokens(): Promise<number> {
    return this.db.collection('refresh_tokens').countDocuments();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
