import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A lock, held by whoever inserted the document under its fixed `_id`: the `_id` index makes that
 * insert the one atomic arbiter on every backend (FerretDB applies guarded updates non-atomically
 * and counts by scanning, so a conditional update or a counter could not decide a race).
 */
@Schema({ collection: 'locks', versionKey: false })
export class LockDocument {
  @Prop({ type: String, required: true })
  _id!: string;

  /** Drawn by the holder, so it releases only its own lock. */
  @Prop({ type: String, required: true })
  owner!: string;

  /** A holder that died leaves the lock; after this anyone may clear it. */
  @Prop({ required: true })
  expiresAt!: Date;
}

export const LockSchema = SchemaFactory.createForClass(LockDocument);
