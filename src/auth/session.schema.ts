import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A login session, keyed by its `sid`, pointing at the refresh token at the head of its rotation
 * chain. Whether the session is active is derived from that token (see SessionStatusService), so
 * this document never has to be kept in step with revocations; it exists so the check is two
 * primary-key reads, where filtering refresh tokens by session is a full scan in FerretDB 1.x.
 */
@Schema({ collection: 'sessions', versionKey: false })
export class SessionDocument {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId!: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  headTokenId!: Types.ObjectId;

  @Prop({ required: true })
  createdAt!: Date;
}

export const SessionSchema = SchemaFactory.createForClass(SessionDocument);
