import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A user's TOTP factor, under the user's id: pending from setup until confirmed, then active (the
 * user's `mfaEnabled` says whether it is on). Written only by the user's own fresh-login actions
 * (setup, confirm, regenerate, disable) and an admin's reset, never by a sign-in: FerretDB 1.x
 * rewrites a whole document on update, so a hot path writing here could undo one of those.
 */
@Schema({ collection: 'mfa_factors', versionKey: false })
export class MfaFactorDocument {
  /** The user's id. */
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  /** The TOTP secret, sealed with MFA_ENCRYPTION_KEY (MfaCrypto); never stored in the clear. */
  @Prop({ type: String, required: true })
  secret!: string;

  /** Set up but not yet confirmed with a code. */
  @Prop({ required: true })
  pending!: boolean;

  /** Names the current recovery-code set, whose uses are {@link RecoveryCodeUseDocument}s. */
  @Prop({ type: String, default: null })
  recoverySetId!: string | null;

  /** HMAC digests of the recovery codes (MfaCrypto), in the order they were shown. */
  @Prop({ type: [String], default: [] })
  recoveryCodeDigests!: string[];
}

export const MfaFactorSchema = SchemaFactory.createForClass(MfaFactorDocument);

export type MfaFactorRecord = MfaFactorDocument;

/**
 * A sign-in waiting for its second step: the mfaToken handed out with MFA_REQUIRED, stored as
 * its SHA-256 only. The `_id` is an expiring id at the token's expiry (database/expiring-id.ts)
 * and the mfaToken's selector (tokens/token.service.ts, newSplitToken): found by primary key.
 * Its completion is a document of `_id` only beside it, under an expiring id at the same expiry
 * (MfaRepository.completeChallenge), so the clean-up deletes both with one range.
 */
@Schema({ collection: 'mfa_challenges', versionKey: false })
export class MfaChallengeDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  @Prop({ type: String, required: true })
  tokenHash!: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId!: Types.ObjectId;

  /**
   * The name the password was checked under, for the account throttle of the second step (absent
   * on challenges stored before it was kept: those are refused, and the user signs in again).
   */
  @Prop({ type: String })
  username?: string;

  /**
   * The factor as it was when the password was checked (null: it was not on), so that the second
   * step reads no factor before its code is used up (absent on challenges stored before it was
   * kept: those are refused, and the user signs in again).
   */
  @Prop({ type: Object })
  factor?: ChallengeFactor | null;

  /** The user's credential version the password was checked under (see SessionStore.open). */
  @Prop({ required: true })
  credentialVersion!: number;
}

/** What a code is checked against: a factor's sealed secret and recovery codes. */
export type ChallengeFactor = Pick<
  MfaFactorDocument,
  'secret' | 'recoverySetId' | 'recoveryCodeDigests'
>;

export const MfaChallengeSchema = SchemaFactory.createForClass(MfaChallengeDocument);

export type MfaChallengeRecord = MfaChallengeDocument;

/**
 * Something that may happen once, claimed by inserting its `_id` (database/driver.ts,
 * insertOnce): a TOTP time step of a user, accepted once. The `_id` is an expiring id at the
 * moment the claim stops mattering (the step can no longer be accepted) with a digest of what it
 * claims as its tail, so racing requests compute the same `_id` and exactly one insert wins.
 */
@Schema({ collection: 'mfa_claims', versionKey: false })
export class MfaClaimDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;
}

export const MfaClaimSchema = SchemaFactory.createForClass(MfaClaimDocument);

/**
 * A recovery code used: `_id` = `<set id>:<index>`, claimed by insert like {@link
 * MfaClaimDocument}. A set's codes never expire, so neither do their uses: they are deleted
 * with their set (regenerated, disabled, reset or the user deleted), at most 10 per live set.
 */
@Schema({ collection: 'mfa_recovery_code_uses', versionKey: false })
export class RecoveryCodeUseDocument {
  @Prop({ type: String, required: true })
  _id!: string;
}

export const RecoveryCodeUseSchema = SchemaFactory.createForClass(RecoveryCodeUseDocument);
