import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

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

  @Prop({ required: true })
  claimedAt!: Date;

  @Prop({ type: Date, default: null })
  failedAt!: Date | null;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const AccountFailureSchema = SchemaFactory.createForClass(AccountFailureDocument);

export type AccountFailureRecord = Pick<AccountFailureDocument, 'claimedAt' | 'failedAt'>;
