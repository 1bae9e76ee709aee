import { Injectable, OnModuleInit } from '@nestjs/common';
import { Types } from 'mongoose';
import { Cleanup } from '../database/cleanup';
import { expiringId, expiryOf } from '../database/expiring-id';
import { matchesHash, newSplitToken, selectorOf } from '../tokens/token.service';
import { OneTimeTokenPurpose, OneTimeTokenRecord } from './one-time-token.schema';
import { OneTimeTokensRepository } from './one-time-tokens.repository';

/** Who a token is for, and what must still hold when it is used. */
export interface OneTimeTokenSubject {
  /** Null: a decoy nobody can use (see OneTimeTokenDocument). */
  userId: Types.ObjectId | null;
  email: string | null;
  credentialVersion: number;
}

/**
 * Mailed one-time tokens: issued for one purpose and lifetime, used at most once, deleted when
 * used, and by the clean-up once expired.
 */
@Injectable()
export class OneTimeTokens implements OnModuleInit {
  constructor(
    private readonly tokens: OneTimeTokensRepository,
    private readonly cleanup: Cleanup,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({
      name: 'one-time tokens',
      run: (now) => this.tokens.deleteExpired(now),
    });
  }

  /** A new token (256 random bits after its selector) for `subject`; only its hash is stored. */
  async issue(
    purpose: OneTimeTokenPurpose,
    subject: OneTimeTokenSubject,
    ttlSeconds: number,
  ): Promise<string> {
    const id = expiringId(new Date(Date.now() + ttlSeconds * 1000));
    const { token, hash } = newSplitToken(id);
    await this.tokens.insert({ _id: id, purpose, tokenHash: hash, ...subject });
    return token;
  }

  /** The unexpired, unused token of `purpose` that `presented` is, or null. */
  async find(
    purpose: OneTimeTokenPurpose,
    presented: string,
  ): Promise<(OneTimeTokenRecord & { userId: Types.ObjectId }) | null> {
    const id = selectorOf(presented);
    if (id === undefined || expiryOf(id) <= new Date()) return null;
    const record = await this.tokens.find(id);
    if (
      record === null ||
      record.purpose !== purpose ||
      record.userId === null ||
      !matchesHash(presented, record.tokenHash)
    )
      return null;
    return { ...record, userId: record.userId };
  }

  /** Uses the token up: true for exactly one caller however many race; it is deleted then. */
  async use(token: OneTimeTokenRecord): Promise<boolean> {
    if (!(await this.tokens.claimUse(token._id))) return false;
    await this.tokens.delete(token._id);
    return true;
  }
}
