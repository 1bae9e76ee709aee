import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export enum SecurityEventType {
  SIGN_IN = 'sign-in',
  SIGN_IN_FAILED = 'sign-in-failed',
  REFRESH_REUSE_DETECTED = 'refresh-reuse-detected',
  SESSION_REVOKED = 'session-revoked',
  SESSION_EVICTED = 'session-evicted',
  LOGOUT = 'logout',
  PASSWORD_CHANGED = 'password-changed',
  PASSWORD_RESET_REQUESTED = 'password-reset-requested',
  PASSWORD_RESET = 'password-reset',
  EMAIL_CHANGED = 'email-changed',
  EMAIL_VERIFIED = 'email-verified',
  MFA_ENABLED = 'mfa-enabled',
  MFA_DISABLED = 'mfa-disabled',
  MFA_FAILED = 'mfa-failed',
  RECOVERY_CODES_REGENERATED = 'recovery-codes-regenerated',
  MFA_RESET = 'mfa-reset',
  USER_DISABLED = 'user-disabled',
  USER_ENABLED = 'user-enabled',
  ROLE_CHANGED = 'role-changed',
  USER_DELETED = 'user-deleted',
}

/**
 * One security event of a user (the subject, `userId`). The `_id` is an ObjectId drawn when the
 * event happens, so `_id` order is time order: listings are equality on `userId` plus an `_id`
 * range sorted descending, the shape FerretDB pushes down to SQLite, and clean-up is an `_id`
 * range. Never holds a password, token or hash.
 */
@Schema({ collection: 'security_events', versionKey: false })
export class SecurityEventDocument {
  /**
   * Null for a failed sign-in naming no user: stored all the same, so that a wrong password and an
   * unknown name cost the same database commands (no enumeration by timing). Listed for no one.
   */
  @Prop({ type: Types.ObjectId, default: null })
  userId!: Types.ObjectId | null;

  @Prop({ type: String, required: true, enum: Object.values(SecurityEventType) })
  type!: SecurityEventType;

  @Prop({ required: true })
  at!: Date;

  @Prop({ type: String, required: true })
  ip!: string;

  @Prop({ type: String, default: null })
  userAgent!: string | null;

  @Prop({ type: String, default: null })
  sessionId!: string | null;

  /** The user or admin who acted; null when nobody signed in did (a failed sign-in, a replay). */
  @Prop({ type: Types.ObjectId, default: null })
  actorId!: Types.ObjectId | null;
}

export const SecurityEventSchema = SchemaFactory.createForClass(SecurityEventDocument);
SecurityEventSchema.index({ userId: 1, _id: -1 });

export interface SecurityEventRecord extends SecurityEventDocument {
  _id: Types.ObjectId;
}
