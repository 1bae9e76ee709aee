import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { SessionEndReason } from './session.schema';

export enum RevokedReason {
  LOGOUT = 'logout',
  REVOKED = 'revoked',
  ROTATED = 'rotated',
  REUSE_DETECTED = 'reuse-detected',
  PASSWORD_CHANGED = 'password-changed',
}

/** How a session ended, as its end link records it. */
export interface SessionEnd {
  at: Date;
  reason: SessionEndReason;
  byIp: string;
}

/**
 * A link of a session's chain. Each refresh token names the link it follows (`parent`: the token
 * it replaced, or its session's id for the session's first token), and so does the session's end.
 * The unique index on `parent` lets exactly one link follow each token, so a rotation and an end
 * racing for the same token (or two rotations) are decided by which insert succeeds, on FerretDB
 * as on MongoDB. Links are never updated: whether a token was rotated or revoked is read from the
 * link that follows it.
 *
 * `_id`: an expiring id (database/expiring-id.ts): a token's expiry, or for an end link the end
 * plus SESSION_RETENTION, so the clean-up deletes by `_id` range. A token's `_id` is also the
 * selector of the split token its client holds.
 */
@Schema({ collection: 'refresh_tokens', versionKey: false })
export class RefreshTokenDocument {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  parent!: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  sessionId!: Types.ObjectId;

  /** Token links only (end links have none, so a user's listing never meets them). */
  @Prop({ type: Types.ObjectId })
  userId?: Types.ObjectId;

  @Prop()
  tokenHash?: string;

  @Prop()
  createdAt?: Date;

  /** REFRESH_TOKEN_TTL after its issue, never past its session's `absoluteExpiresAt`. */
  @Prop()
  expiresAt?: Date;

  /** Its session's, copied so that a refresh need not read the session. */
  @Prop()
  absoluteExpiresAt?: Date;

  /** Its session's authentication methods (`amr`), copied for the same reason. */
  @Prop({ type: [String] })
  amr?: string[];

  @Prop({ type: String })
  createdByIp?: string;

  @Prop({ type: String })
  userAgent?: string | null;

  /** End links only. */
  @Prop({ type: Object })
  end?: SessionEnd;
}

export const RefreshTokenSchema = SchemaFactory.createForClass(RefreshTokenDocument);
RefreshTokenSchema.index({ parent: 1 }, { unique: true });
RefreshTokenSchema.index({ sessionId: 1 });
RefreshTokenSchema.index({ userId: 1, createdAt: -1 });

interface Link {
  _id: Types.ObjectId;
  parent: Types.ObjectId;
  sessionId: Types.ObjectId;
}

export interface RefreshTokenRecord extends Link {
  userId: Types.ObjectId;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  amr: string[];
  createdByIp: string;
  userAgent: string | null;
}

export interface EndLinkRecord extends Link {
  end: SessionEnd;
}

export type LinkRecord = RefreshTokenRecord | EndLinkRecord;

export function isEndLink(link: LinkRecord): link is EndLinkRecord {
  return 'end' in link && link.end !== undefined;
}
