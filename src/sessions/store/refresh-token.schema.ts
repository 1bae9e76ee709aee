import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export enum RevokedReason {
  LOGOUT = 'logout',
  REVOKED = 'revoked',
  ROTATED = 'rotated',
  REUSE_DETECTED = 'reuse-detected',
  PASSWORD_CHANGED = 'password-changed',
}

/**
 * One refresh token of a login session (sessions have their own collection: session.schema.ts).
 * Only its SHA-256 hash is stored; the token is found by its `_id` (the selector it carries) and
 * the hash compared.
 */
@Schema({ collection: 'refresh_tokens', versionKey: false })
export class RefreshTokenDocument {
  @Prop({ required: true })
  tokenHash!: string;

  @Prop({ required: true, type: Types.ObjectId })
  userId!: Types.ObjectId;

  @Prop({ required: true })
  sessionId!: string;

  @Prop({ required: true })
  createdAt!: Date;

  @Prop({ required: true })
  expiresAt!: Date;

  @Prop({ type: String, required: true })
  createdByIp!: string;

  @Prop({ type: String, default: null })
  userAgent!: string | null;

  @Prop({ type: Date, default: null })
  revokedAt!: Date | null;

  @Prop({ type: String, default: null })
  revokedByIp!: string | null;

  @Prop({ type: String, enum: [...Object.values(RevokedReason), null], default: null })
  revokedReason!: RevokedReason | null;

  @Prop({ type: Types.ObjectId, default: null })
  replacedBy!: Types.ObjectId | null;

  /**
   * The `_id` its successor will have, drawn when this token is made. Every concurrent rotation
   * inserts the successor under this id, so the `_id` index lets exactly one of them win. A
   * guarded update cannot decide the race: FerretDB 1.24 does not apply update filters
   * atomically (measured: 20 concurrent `updateOne({ _id, revokedAt: null })` had several winners).
   */
  @Prop({ type: Types.ObjectId, required: true })
  nextId!: Types.ObjectId;
}

export const RefreshTokenSchema = SchemaFactory.createForClass(RefreshTokenDocument);
RefreshTokenSchema.index({ sessionId: 1 });
RefreshTokenSchema.index({ userId: 1, createdAt: -1 });

export interface RefreshTokenRecord extends RefreshTokenDocument {
  _id: Types.ObjectId;
}

export type NewRefreshToken = Pick<
  RefreshTokenRecord,
  | '_id'
  | 'nextId'
  | 'tokenHash'
  | 'userId'
  | 'sessionId'
  | 'createdAt'
  | 'expiresAt'
  | 'createdByIp'
  | 'userAgent'
>;
