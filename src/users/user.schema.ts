import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { Role } from '../common/auth-user';

@Schema({ collection: 'users', timestamps: true, versionKey: false })
export class UserDocument {
  /** As the user typed it. */
  @Prop({ required: true })
  username!: string;

  /** Lower-cased, for case-insensitive uniqueness without collations. */
  @Prop({ required: true })
  usernameNormalized!: string;

  @Prop({ required: true })
  passwordHash!: string;

  @Prop({ required: true, enum: Role, default: Role.USER })
  role!: Role;

  /**
   * Goes up with each password change. A session records the version it was opened under, so a
   * sign-in that raced a password change can tell. Absent on users from before it: 0.
   */
  @Prop({ default: 0 })
  credentialVersion!: number;

  /** A disabled user cannot sign in or refresh; its sessions were ended when it was disabled. */
  @Prop({ default: false })
  disabled!: boolean;

  /**
   * Trimmed and lower-cased (common/validation/email-address.ts); null when the user has none. Unique across
   * users through the email_addresses collection (see EmailAddressDocument), not an index.
   */
  @Prop({ type: String, default: null })
  email!: string | null;

  /** Whether the current `email` was proven by a mailed token; false again when it changes. */
  @Prop({ default: false })
  emailVerified!: boolean;

  /** Whether a second factor is on (set by the MFA use cases through UsersService.setMfaEnabled). */
  @Prop({ default: false })
  mfaEnabled!: boolean;
}

export const UserSchema = SchemaFactory.createForClass(UserDocument);
// lookups by name go through the usernames collection; this index still guarantees one owner per name
UserSchema.index({ usernameNormalized: 1 }, { unique: true });

/** A stored user as the repository returns it (lean). */
export interface UserRecord {
  _id: Types.ObjectId;
  username: string;
  usernameNormalized: string;
  passwordHash: string;
  role: Role;
  credentialVersion?: number;
  /** Absent on users stored before the field existed: read as false. */
  disabled?: boolean;
  /** The next three are absent on users stored before they existed: null, false, false. */
  email?: string | null;
  emailVerified?: boolean;
  mfaEnabled?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A user without secrets, as every listing reads it. */
export type PublicUserRecord = Omit<
  UserRecord,
  'passwordHash' | 'usernameNormalized' | 'credentialVersion'
>;

/** What an admin may change on a user. */
export interface UserChanges {
  role?: Role;
  disabled?: boolean;
}

export const isActiveAdmin = (user: Pick<UserRecord, 'role' | 'disabled'>): boolean =>
  user.role === Role.ADMIN && user.disabled !== true;
