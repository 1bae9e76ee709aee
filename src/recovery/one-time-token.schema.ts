import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export enum OneTimeTokenPurpose {
  EMAIL_VERIFICATION = 'email-verification',
  PASSWORD_RESET = 'password-reset',
}

/**
 * A mailed one-time token: email verification or password reset. A split token (see
 * newSplitToken): its selector is this `_id`, an expiring id at the token's expiry
 * (database/expiring-id.ts), so it is found by primary key and deleted by an `_id` range once
 * expired. Only the SHA-256 of the token is stored.
 */
@Schema({ collection: 'one_time_tokens', versionKey: false })
export class OneTimeTokenDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  @Prop({ type: String, required: true, enum: Object.values(OneTimeTokenPurpose) })
  purpose!: OneTimeTokenPurpose;

  /**
   * Null for a decoy: forgot-password stores one when there is no account to mail, so that every
   * request does the same database work. No one holds a decoy's token.
   */
  @Prop({ type: Types.ObjectId, default: null })
  userId!: Types.ObjectId | null;

  @Prop({ required: true })
  tokenHash!: string;

  /** The address it was mailed to: it works only while that is still the user's address. */
  @Prop({ type: String, default: null })
  email!: string | null;

  /** The user's credential version when it was issued: any password change since voids it. */
  @Prop({ required: true })
  credentialVersion!: number;
}

export const OneTimeTokenSchema = SchemaFactory.createForClass(OneTimeTokenDocument);

export type OneTimeTokenRecord = Pick<
  OneTimeTokenDocument,
  '_id' | 'purpose' | 'userId' | 'tokenHash' | 'email' | 'credentialVersion'
>;

/**
 * That the token under the same `_id` was used: inserting it decides which of several concurrent
 * uses wins, on every backend (a guarded update or delete would not, on FerretDB). Kept until the
 * token would have expired, so a use still in flight meets it.
 */
@Schema({ collection: 'one_time_token_uses', versionKey: false })
export class OneTimeTokenUseDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;
}

export const OneTimeTokenUseSchema = SchemaFactory.createForClass(OneTimeTokenUseDocument);
