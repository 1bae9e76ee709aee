import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export enum SessionEndReason {
  LOGOUT = 'logout',
  REVOKED = 'revoked',
  REUSE_DETECTED = 'reuse-detected',
  PASSWORD_CHANGED = 'password-changed',
  USER_DISABLED = 'user-disabled',
  USER_DELETED = 'user-deleted',
  /** MAX_SESSIONS_PER_USER: a newer sign-in took its place. */
  EVICTED = 'evicted',
  /** Idle past its refresh token's expiry (noticed, not caused: nothing is revoked). */
  EXPIRED = 'expired',
}

/** A session's activity as its sign-in left it: its first token, from where it signed in. */
export interface SessionOpening {
  tokenId: Types.ObjectId;
  /** The first token's expiry. */
  expiresAt: Date;
  ip: string;
  userAgent: string | null;
}

/**
 * A login session; its `_id` is the `sid` of its access tokens. The `_id` is an expiring id
 * (database/expiring-id.ts) at `absoluteExpiresAt` + SESSION_RETENTION, the latest the session
 * can matter: since both are fixed settings, `_id` order is also sign-in order. Written at
 * sign-in and when it ends, never by a refresh: see {@link SessionActivityDocument} for why.
 */
@Schema({ collection: 'sessions', versionKey: false })
export class SessionDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  userId!: Types.ObjectId;

  /** The password sign-in that started it. */
  @Prop({ required: true })
  createdAt!: Date;

  /** SESSION_MAX_LIFETIME after the sign-in: no refresh reaches past it. */
  @Prop({ required: true })
  absoluteExpiresAt!: Date;

  /** How the user proved who they are (the `amr` claim of its access tokens). */
  @Prop({ type: [String], required: true })
  amr!: string[];

  @Prop({ type: Date, default: null })
  endedAt!: Date | null;

  @Prop({ type: String, enum: [...Object.values(SessionEndReason), null], default: null })
  endedReason!: SessionEndReason | null;

  /**
   * Its activity until the first refresh, which stores a SessionActivityDocument: a sign-in
   * writes one document, not two. Absent on sessions stored before it was kept here (those have
   * their activity document from the start).
   */
  @Prop({ type: Object })
  opening?: SessionOpening;
}

export const SessionSchema = SchemaFactory.createForClass(SessionDocument);
// listings: equality on userId with an _id range and sort, the shape FerretDB can push down
SessionSchema.index({ userId: 1, _id: -1 });

export type SessionRecord = SessionDocument;

/**
 * What each refresh of a session changes: its live refresh token and its last use; stored by the
 * first refresh (until then, the session's `opening` stands for it). Kept apart
 * from the session because FerretDB 1.x applies an update by rewriting the whole document from
 * what it read: a refresh writing these fields into the session could put back `endedAt: null`
 * over an end that landed in between.
 */
@Schema({ collection: 'session_activity', versionKey: false })
export class SessionActivityDocument {
  /** The session's `_id`. */
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  /** The newest token of the session: where its end link goes (unless a refresh is under way). */
  @Prop({ type: Types.ObjectId, required: true })
  tokenId!: Types.ObjectId;

  @Prop({ required: true })
  lastUsedAt!: Date;

  /** When it ends unless refreshed (the newest token's expiry). */
  @Prop({ required: true })
  expiresAt!: Date;

  @Prop({ type: String, required: true })
  ip!: string;

  @Prop({ type: String, default: null })
  userAgent!: string | null;
}

export const SessionActivitySchema = SchemaFactory.createForClass(SessionActivityDocument);

export type SessionActivityRecord = SessionActivityDocument;
