import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../common/auth-user';
import { EXAMPLE } from '../common/api-docs/api-docs';
import { JsonView } from '../common/json-view';
import { OBJECT_ID_PATTERN } from '../common/validation/object-id';
import { isOwnerOrAdmin, Viewer } from '../common/policies';
import type { PublicUserRecord } from './user.schema';

/** A user as every client sees it. Never carries a password or hash. */
@ObjectType('User')
export class User extends JsonView {
  /** 24-hex ObjectId. */
  @Field(() => ID)
  @ApiProperty({ example: EXAMPLE.userId, pattern: OBJECT_ID_PATTERN })
  id!: string;

  @ApiProperty({ example: EXAMPLE.username })
  username!: string;

  /** `user` or `admin`. */
  @Field(() => String)
  @ApiProperty({ enum: Role, enumName: 'Role', example: Role.USER })
  role!: Role;

  /** A disabled user cannot sign in. */
  @ApiProperty({ example: false })
  disabled!: boolean;

  /**
   * The user's email address (lower-cased), or null when it has none. Shown only to the user
   * itself and to admins: null for anyone else.
   */
  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: 'ada@example.com' })
  email!: string | null;

  /** Whether the email address was verified. Shown only to the user itself and to admins: null for anyone else. */
  @Field(() => Boolean, { nullable: true })
  @ApiProperty({ type: Boolean, nullable: true, example: true })
  emailVerified!: boolean | null;

  /** Whether a second factor (TOTP) is on. Shown only to the user itself and to admins: null for anyone else. */
  @Field(() => Boolean, { nullable: true })
  @ApiProperty({ type: Boolean, nullable: true, example: false })
  mfaEnabled!: boolean | null;

  @ApiProperty({ example: EXAMPLE.userCreatedAt })
  createdAt!: Date;

  @ApiProperty({ example: EXAMPLE.userCreatedAt })
  updatedAt!: Date;

  /** The user as `viewer` may see it: the private fields only for the user itself and admins. */
  static from(record: PublicUserRecord, viewer: Viewer): User {
    const user = new User();
    user.id = record._id.toHexString();
    user.username = record.username;
    user.role = record.role;
    user.disabled = record.disabled === true;
    const shown = isOwnerOrAdmin(viewer, user.id);
    user.email = shown ? (record.email ?? null) : null;
    user.emailVerified = shown ? record.emailVerified === true : null;
    user.mfaEnabled = shown ? record.mfaEnabled === true : null;
    user.createdAt = record.createdAt;
    user.updatedAt = record.updatedAt;
    return user;
  }

  /** The user as it sees itself (sign-up, sign-in, its own changes). */
  static ofSelf(record: PublicUserRecord): User {
    return User.from(record, { id: record._id.toHexString(), role: record.role });
  }
}
