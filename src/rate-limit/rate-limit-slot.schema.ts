import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One of the `limit` slots a key has in a one-minute window, claimed by inserting it under
 * `_id` = `window|slot|key`. The `_id` index makes each claim atomic on FerretDB and MongoDB
 * alike, so the limit holds exactly across instances; a counter would not (FerretDB 1.24 loses
 * concurrent `$inc`s), and counting documents would scan the collection (FerretDB 1.x only uses
 * the `_id` index).
 */
@Schema({ collection: 'rate_limit_slots', versionKey: false })
export class RateLimitSlotDocument {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const RateLimitSlotSchema = SchemaFactory.createForClass(RateLimitSlotDocument);
