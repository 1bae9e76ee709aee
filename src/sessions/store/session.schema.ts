import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export enum SessionEndReason {
  LOGOUT = 'logout',
  REVOKED = 'revoked',
  REUSE_DETECTED = 'reuse-detected',
  PASSWORD_CHANGED = 'password-changed',
  USER_DISABLED = 'user-disabled',
  USER_DELETED = 'user-deleted',
  EXPIRED = 'expired',
}

/**
 * A login session, keyed by an ObjectId whose hex is the `sid` of its access tokens (so `_id`
 * order is creation order). Written at sign-in and when it ends, never by a refresh: see
 * {@link SessionActivityDocument} for why.
 */
@Schema({ collection: 'sessions', versionKey: false })
export class SessionDocument {
  @Prop({ type: Types.ObjectId, required: true })
  userId!: Types.ObjectId;

  /** The password sign-in that started it. */
  @Prop({ required: true })
  createdAt!: Date;

  /** SESSION_MAX_LIFETIME after the sign-in: no refresh reaches past it. */
  @Prop({ required: true })
  absoluteExpiresAt!: Date;

  /** The user's credential version when the session was opened. */
  @Prop({ required: true })
  credentialVersion!: number;

  @Prop({ type: Date, default: null })
  endedAt!: Date | null;

  @Prop({ type: String, enum: [...Object.values(SessionEndReason), null], default: null })
  endedReason!: SessionEndReason | null;
}

export const SessionSchema = SchemaFactory.createForClass(SessionDocument);
// listings: equality on userId with an _id range and sort, the shape FerretDB can push down
SessionSchema.index({ userId: 1, _id: -1 });

export interface SessionRecord extends SessionDocument {
  _id: Types.ObjectId;
}

/**
 * What each refresh of a session changes: its live refresh token and its last use. Kept apart
 * from the session because FerretDB 1.x applies an update by rewriting the whole document from
 * what it read: a refresh writing these fields into the session could put back `endedAt: null`
 * over a logout that landed in between. Here a refresh writes only this document, and nothing
 * but an end ever writes the session's `endedAt`.
 */
@Schema({ collection: 'session_activity', versionKey: false })
export class SessionActivityDocument {
  /** The session's `_id`. */
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  /** The refresh token the session's client holds: the only one of it that can be active. */
  @Prop({ type: Types.ObjectId, required: true })
  tokenId!: Types.ObjectId;

  @Prop({ required: true })
  lastUsedAt!: Date;

  /** When it ends unless refreshed (the live token's expiry). */
  @Prop({ required: true })
  expiresAt!: Date;

  @Prop({ type: String, required: true })
  ip!: string;

  @Prop({ type: String, default: null })
  userAgent!: string | null;
}

export const SessionActivitySchema = SchemaFactory.createForClass(SessionActivityDocument);

export type SessionActivityRecord = SessionActivityDocument;
