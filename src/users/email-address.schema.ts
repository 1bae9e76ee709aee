import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * Normalized email address → the user who holds it, the way usernames are kept (see
 * UsernameDocument): inserting an entry under its `_id` is the atomic arbiter of who gets an
 * address, and a look-up by address is a primary-key read on every backend. A unique index on
 * `users.email` would not do: MongoDB counts every user without an address as one holder of the
 * missing value, and FerretDB has no partial indexes to leave them out.
 */
@Schema({ collection: 'email_addresses', versionKey: false })
export class EmailAddressDocument {
  /** The normalized address (see `normalizeEmail`). */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId!: Types.ObjectId;

  /** An entry whose user no longer has the address may be taken over once it is old enough. */
  @Prop({ required: true })
  claimedAt!: Date;
}

export const EmailAddressSchema = SchemaFactory.createForClass(EmailAddressDocument);

export type EmailAddressRecord = Pick<EmailAddressDocument, '_id' | 'userId' | 'claimedAt'>;
