import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { deleteWhere, findOneById, insertOnce, updateById } from '../../database/driver';
import { expiredBefore, expiringId, expiryOf } from '../../database/expiring-id';
import {
  MfaChallengeDocument,
  MfaChallengeRecord,
  MfaClaimDocument,
  MfaFactorDocument,
  MfaFactorRecord,
  RecoveryCodeUseDocument,
} from './mfa.schema';
import { matchesHash, newSplitToken, selectorOf } from '../../tokens/token.service';
import { RECOVERY_CODE_COUNT } from '../recovery-codes';
import { TOTP_PERIOD_SECONDS } from '../totp';

/** A new recovery-code set: its id and the digests of its codes. */
export interface RecoverySet {
  id: string;
  digests: string[];
}

/**
 * The only code that touches mfa_factors, mfa_challenges, mfa_claims and mfa_recovery_code_uses.
 * Whatever may happen only once is decided by one write that FerretDB and MongoDB both make
 * atomic: inserting an `_id`, for a TOTP step accepted, a recovery code used or a challenge
 * completed. Every read is by `_id` or an indexed equality, and the clean-up deletes `_id` ranges.
 */
@Injectable()
export class MfaRepository {
  constructor(
    @InjectModel(MfaFactorDocument.name) private readonly factors: Model<MfaFactorDocument>,
    @InjectModel(MfaChallengeDocument.name)
    private readonly challenges: Model<MfaChallengeDocument>,
    @InjectModel(MfaClaimDocument.name) private readonly claims: Model<MfaClaimDocument>,
    @InjectModel(RecoveryCodeUseDocument.name)
    private readonly recoveryCodeUses: Model<RecoveryCodeUseDocument>,
  ) {}

  findFactor(userId: Types.ObjectId): Promise<MfaFactorRecord | null> {
    return findOneById(this.factors, userId);
  }

  /** A pending factor with this sealed secret, in place of whatever the user had. */
  async savePending(userId: Types.ObjectId, secret: string): Promise<void> {
    const previous = await this.findFactor(userId);
    const fields = { secret, pending: true, recoverySetId: null, recoveryCodeDigests: [] };
    if (!(await insertOnce(this.factors, { _id: userId, ...fields })))
      await updateById(this.factors, userId, { $set: fields });
    await this.forgetRecoverySet(previous?.recoverySetId);
  }

  /** Turns the factor on with the secret its confirming code was checked against. */
  async activate(userId: Types.ObjectId, secret: string, set: RecoverySet): Promise<void> {
    await updateById(this.factors, userId, {
      $set: { secret, pending: false, recoverySetId: set.id, recoveryCodeDigests: set.digests },
    });
  }

  /** Puts `set` in place of the factor's recovery codes; the old set's uses go with it. */
  async replaceRecoverySet(factor: MfaFactorRecord, set: RecoverySet): Promise<void> {
    await updateById(this.factors, factor._id, {
      $set: { recoverySetId: set.id, recoveryCodeDigests: set.digests },
    });
    await this.forgetRecoverySet(factor.recoverySetId);
  }

  async deleteFactor(userId: Types.ObjectId): Promise<void> {
    const factor = await this.findFactor(userId);
    if (factor === null) return;
    await deleteWhere(this.factors, { _id: userId });
    await this.forgetRecoverySet(factor.recoverySetId);
  }

  /**
   * Accepts TOTP step `step` of the user's factor with sealed secret `secret` once; false when it
   * was accepted before.
   */
  claimTotpStep(userId: Types.ObjectId, secret: string, step: number): Promise<boolean> {
    return insertOnce(this.claims, { _id: totpClaimIdOf(userId, secret, step) });
  }

  /** Uses recovery code `index` of the set once; false when it was used before. */
  claimRecoveryCode(setId: string, index: number): Promise<boolean> {
    return insertOnce(this.recoveryCodeUses, { _id: recoveryCodeUseId(setId, index) });
  }

  /** Takes a use back: the set was replaced while the code was being used. */
  async releaseRecoveryCode(setId: string, index: number): Promise<void> {
    await deleteWhere(this.recoveryCodeUses, { _id: recoveryCodeUseId(setId, index) });
  }

  /**
   * Opens a pending second step and answers its mfaToken: a split token whose selector is the
   * challenge's expiring `_id`, so that a presented token is found by primary key on every backend.
   */
  async openChallenge(
    challenge: Omit<MfaChallengeRecord, '_id' | 'tokenHash'>,
    expiresAt: Date,
  ): Promise<string> {
    const _id = expiringId(expiresAt);
    const { token, hash } = newSplitToken(_id);
    await insertOnce(this.challenges, { _id, tokenHash: hash, ...challenge });
    return token;
  }

  /** The challenge of `mfaToken`, unless it is unknown, has expired or was completed. */
  async findChallenge(mfaToken: string, now: Date): Promise<MfaChallengeRecord | null> {
    const id = selectorOf(mfaToken);
    if (id === undefined || expiryOf(id) <= now) return null;
    // asked for in one turn, so the floor reads both in one command
    const [challenge, completion] = await Promise.all([
      findOneById<MfaChallengeRecord>(this.challenges, id),
      findOneById(this.challenges, completionIdOf(id)),
    ]);
    // a mark has no hash: a token whose selector names one (derived from a known id) is refused
    if (challenge === null || completion !== null || typeof challenge.tokenHash !== 'string')
      return null;
    return matchesHash(mfaToken, challenge.tokenHash) ? challenge : null;
  }

  /**
   * Completes the challenge once, by inserting its completion; false for the others. An insert
   * shares its command with the other requests' (a delete would go alone); the challenge and its
   * completion expire together.
   */
  completeChallenge(challengeId: Types.ObjectId): Promise<boolean> {
    return insertOnce(this.challenges, { _id: completionIdOf(challengeId) });
  }

  /** Deletes expired challenges and the claims that can no longer matter: two `_id` ranges. */
  async deleteExpired(now: Date): Promise<void> {
    await deleteWhere(this.challenges, { _id: expiredBefore(now) });
    await deleteWhere(this.claims, { _id: expiredBefore(now) });
  }

  private async forgetRecoverySet(setId: string | null | undefined): Promise<void> {
    if (setId === null || setId === undefined) return;
    const useIds = Array.from({ length: RECOVERY_CODE_COUNT }, (_, index) =>
      recoveryCodeUseId(setId, index),
    );
    await deleteWhere(this.recoveryCodeUses, { _id: { $in: useIds } });
  }
}

/**
 * The `_id` of the claim on TOTP step `step` of a user's factor, the one whose sealed secret is
 * `secret`: a factor set up again has codes of its own, which its predecessor's claims (a replay
 * of the old app's code, a sign-in started before the reset) must not refuse. It expires when the
 * step can no longer be accepted, one step after its own ends, plus one step more for clocks that
 * disagree.
 */
export function totpClaimIdOf(
  userId: Types.ObjectId,
  secret: string,
  step: number,
): Types.ObjectId {
  const expiresAt = new Date((step + 3) * TOTP_PERIOD_SECONDS * 1000);
  return expiringId(expiresAt, `totp:${userId.toHexString()}:${secret}:${step}`);
}

/** The `_id` that marks a challenge completed, in the challenges' collection, at its expiry. */
export function completionIdOf(challengeId: Types.ObjectId): Types.ObjectId {
  return expiringId(expiryOf(challengeId), `completed:${challengeId.toHexString()}`);
}

function recoveryCodeUseId(setId: string, index: number): string {
  return `${setId}:${index}`;
}
