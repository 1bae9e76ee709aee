import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One counted request. Limits count documents instead of incrementing a counter because
 * FerretDB 1.24 loses concurrent `$inc` updates (measured: 50 concurrent upserts counted 2-12),
 * while concurrent inserts are all kept; a burst can then only be over-counted, never under.
 */
@Schema({ collection: 'rate_limit_hits', versionKey: false })
export class RateLimitHitDocument {
  @Prop({ required: true })
  key!: string;

  /** Start of the fixed one-minute window, in ms since the epoch. */
  @Prop({ required: true })
  window!: number;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const RateLimitHitSchema = SchemaFactory.createForClass(RateLimitHitDocument);
RateLimitHitSchema.index({ key: 1, window: 1 });
RateLimitHitSchema.index({ expiresAt: 1 });
