import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One numbered request of a rate-limit key, or the seal that closes a window of that key, stored
 * under an {@link expiringId} of (key, window, slot): inserting it is the claim, and the `_id`
 * index makes each claim atomic on FerretDB and MongoDB alike (see MongoThrottlerStorage).
 */
@Schema({ collection: 'rate_limit_claims', versionKey: false })
export class RateLimitClaimDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  /** When the request was counted; a seal has none. */
  @Prop({ type: Date })
  at?: Date;

  /** Closes the window: no request takes this slot or any after it. */
  @Prop({ type: Boolean })
  sealed?: true;
}

export const RateLimitClaimSchema = SchemaFactory.createForClass(RateLimitClaimDocument);

export type RateLimitClaimRecord = Pick<RateLimitClaimDocument, '_id' | 'at' | 'sealed'>;
