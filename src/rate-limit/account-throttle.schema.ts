import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * The consecutive failed sign-ins of one username (known or not), by `_id` = the normalized
 * username. `failures` and `lockedUntil` are a summary read before each password check; the
 * failures themselves are {@link AccountFailureDocument}s. A successful check deletes this
 * document, which retires its `epoch` and with it every failure counted under it.
 */
@Schema({ collection: 'account_throttles', versionKey: false })
export class AccountThrottleDocument {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  epoch!: string;

  @Prop({ required: true })
  failures!: number;

  @Prop({ type: Date, default: null })
  lockedUntil!: Date | null;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const AccountThrottleSchema = SchemaFactory.createForClass(AccountThrottleDocument);

export type AccountThrottleRecord = Pick<
  AccountThrottleDocument,
  '_id' | 'epoch' | 'failures' | 'lockedUntil'
>;

/**
 * Failure number `n` of an epoch, claimed by inserting `_id` = `epoch|n`: the `_id` index makes
 * each number go to exactly one attempt on FerretDB and MongoDB alike, so concurrent failures are
 * all counted (a `$inc` would lose some on FerretDB 1.24). Once an account is throttled, the one
 * attempt let through after each lock claims its number before the password check
 * (`failedAt` null until it fails).
 */
@Schema({ collection: 'account_failures', versionKey: false })
export class AccountFailureDocument {
  @Prop({ type: String, required: true })
  _id!: string;

  /** So that the clean-up deletes an epoch's failures by an indexed equality. */
  @Prop({ type: String, required: true })
  epoch!: string;

  @Prop({ required: true })
  claimedAt!: Date;

  @Prop({ type: Date, default: null })
  failedAt!: Date | null;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const AccountFailureSchema = SchemaFactory.createForClass(AccountFailureDocument);
AccountFailureSchema.index({ epoch: 1 });

export type AccountFailureRecord = Pick<AccountFailureDocument, 'claimedAt' | 'failedAt'>;

/**
 * When a throttle record may be forgotten: one per failure, under an expiring id at the expiry
 * that failure gave its record (database/expiring-id.ts). A record's expiry moves with every
 * failure, so it cannot be its own `_id`; these let the clean-up find what is due by an `_id`
 * range instead of scanning the records.
 */
@Schema({ collection: 'account_throttle_expiries', versionKey: false })
export class AccountThrottleExpiryDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  /** The throttle record's `_id`. */
  @Prop({ type: String, required: true })
  key!: string;

  @Prop({ type: String, required: true })
  epoch!: string;
}

export const AccountThrottleExpirySchema = SchemaFactory.createForClass(
  AccountThrottleExpiryDocument,
);
